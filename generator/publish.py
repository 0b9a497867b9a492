"""`assay build` and `assay serve`: load → validate → compile → engine → publish.

`build` validates first and writes nothing when the knowledge base has errors. It then
compiles a closed site source into a temporary folder (generator/compile.py) and has the
chosen engine render it into the staging folder of `sitedir.publishing()`, which replaces
the old site only once everything succeeded.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from .compile import (
    CompileError,
    CompileResult,
    PageCache,
    assay_options,
    compile_site,
    site_config,
)
from .engines import DEFAULT_ENGINE, EngineError, get_engine
from .load import read_mkdocs_config
from .model import KnowledgeBase
from .render.charts import ChartSink
from .sitedir import SiteDirError, pause_point, publishing

#: Charts drawn by the last compile, `{"drawn": n}` (benchmarks and tests read it).
LAST_CHART_STATS: dict[str, int] = {}


class BuildFailed(Exception):
    """Raised by `build` / `serve` when validation, compiling or the engine fails; `kb`
    holds the diagnostics if any."""

    def __init__(self, message: str, kb: KnowledgeBase | None = None) -> None:
        super().__init__(message)
        self.kb = kb


def chart_sink(options: dict[str, Any]) -> ChartSink:
    """Charts drawn for this build, or none (the plugin's `charts: false`); not cached
    across builds: drawing one is cheaper than reading and verifying a cached file."""
    return ChartSink(options.get("charts") is not False)


def compile_into(
    kb: KnowledgeBase, source: Path, broken: Any = None, pages: PageCache | None = None
) -> CompileResult:
    """Compile `kb` into the site source folder `source` (CompileError → BuildFailed)."""
    assert kb.root is not None
    config, config_file = site_config(kb.root)
    options = assay_options(config)
    from .cacheauth import CacheFolderError, check_cache_folder

    try:  # caches are written and pruned: never through a link a repository carries
        for folder in {kb.root / str(options.get("cache_dir") or ".assay-cache")} | (
            {pages.directory} if pages is not None and pages.directory is not None else set()
        ):
            check_cache_folder(folder, kb.root)
    except (CacheFolderError, OSError) as exc:
        raise BuildFailed(str(exc)) from exc
    if pages is None:
        pages = PageCache(kb.root / str(options.get("cache_dir") or ".assay-cache") / "html")
    from .statcache import session

    try:
        # Statistics from `.assay-cache/stats/`, the missing ones computed by a worker
        # while pages render (generator/statcache.py).
        with session(kb, kb.root / str(options.get("cache_dir") or ".assay-cache") / "stats"):
            result = compile_site(
                kb,
                source,
                config=config,
                config_file=config_file,
                sink=chart_sink(options),
                broken=broken,
                pages=pages,
            )
    except CompileError as exc:
        raise BuildFailed(str(exc)) from exc
    LAST_CHART_STATS.clear()
    LAST_CHART_STATS.update(result.charts)
    return result


def build(
    root: Path,
    site_dir: Path | None,
    strict: bool,
    as_of: date | None,
    engine: str = DEFAULT_ENGINE,
) -> tuple[Path, KnowledgeBase]:
    from . import statcache

    root = root.resolve()
    try:
        renderer = get_engine(engine)
    except EngineError as exc:
        raise BuildFailed(str(exc)) from exc
    statcache.prefork(root)  # imports scipy on the other CPU while the records load
    # An engine that runs in its own process may start it now (its imports overlap the
    # compile; generator/engines/properdocs_start.py) and ends it when the build ends.
    start, stop = getattr(renderer, "start", None), getattr(renderer, "stop", None)
    try:
        if start is not None:
            start()
        return _build(root, site_dir, strict, as_of, renderer)
    finally:
        if stop is not None:
            stop()
        statcache.discard_prefork()


def _build(
    root: Path, site_dir: Path | None, strict: bool, as_of: date | None, renderer: Any
) -> tuple[Path, KnowledgeBase]:
    from .kb import load_knowledge_base

    kb = load_knowledge_base(root, as_of)
    if kb.blocking(strict):
        raise BuildFailed("the knowledge base has errors; nothing was built", kb)
    assert kb.content_dir is not None
    target = site_dir or _configured_site_dir(root)
    try:
        with (
            publishing(target, root=root, content=kb.content_dir.resolve()) as staging,
            # Beside the staging folder, named like it: a build killed before its end
            # leaves both, and the next build removes both (sitedir._recover).
            tempfile.TemporaryDirectory(
                prefix=f"{staging.name}-source-", dir=staging.parent
            ) as work,
        ):
            result = compile_into(kb, Path(work))
            pause_point("compiled")
            renderer.build(result.source, staging)
    except SiteDirError as exc:
        raise BuildFailed(str(exc)) from exc
    except EngineError as exc:
        raise BuildFailed(f"the site could not be built: {exc}") from exc
    except OSError as exc:
        raise BuildFailed(f"the site could not be built: {exc}") from exc
    return target.resolve(), kb


def _configured_site_dir(root: Path) -> Path:
    site = read_mkdocs_config(root).get("site_dir") or "site"
    return root / str(site)


def serve(
    root: Path, dev_addr: str | None, open_browser: bool, engine: str = DEFAULT_ENGINE
) -> None:
    """Compile, start the engine's live-reloading server on the site source, and recompile
    (writing only changed files) whenever the knowledge base changes."""
    from .serve import serve_site

    try:
        serve_site(root.resolve(), dev_addr or "127.0.0.1:8000", open_browser, engine)
    except EngineError as exc:
        raise BuildFailed(str(exc)) from exc
