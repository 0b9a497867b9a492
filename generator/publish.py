"""Running MkDocs for `assay build` and `assay serve` (I/O out).

`build` validates first and writes nothing when the knowledge base has errors. MkDocs
writes into a fresh temporary folder beside the target, which replaces the old site only
once the build succeeded: an interrupted or failed build never leaves a half-written site.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date
from pathlib import Path

import yaml

from .load import locate, read_mkdocs_config
from .model import KnowledgeBase
from .sitedir import SiteDirError, publishing

#: The configuration of a knowledge base without mkdocs.yml (SPEC §1).
DEFAULT_CONFIG: dict[str, object] = {
    "site_name": "Research knowledge base",
    "theme": {
        "name": "material",
        "font": False,  # no web fonts: the site works offline
        "features": [
            "navigation.tabs",  # the sections stay reachable on wide pages without a sidebar
            "navigation.sections",
            "navigation.indexes",
            "navigation.top",
            "search.highlight",
            "content.code.copy",
        ],
        # A light/dark toggle in the header; the first visit follows the reader's system.
        "palette": [
            {
                "media": "(prefers-color-scheme: light)",
                "scheme": "default",
                "primary": "indigo",
                "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"},
            },
            {
                "media": "(prefers-color-scheme: dark)",
                "scheme": "slate",
                "primary": "indigo",
                "toggle": {"icon": "material/brightness-4", "name": "Switch to light mode"},
            },
        ],
    },
    "plugins": ["search", "assay", {"macros": {"render_by_default": False}}],
    "markdown_extensions": [
        "tables",
        "admonition",
        "def_list",
        "footnotes",
        {"toc": {"permalink": True}},
    ],
    "validation": {"nav": {"omitted_files": "ignore"}},
}


class BuildFailed(Exception):
    """Raised by `build` when validation or MkDocs fails; `kb` holds diagnostics if any."""

    def __init__(self, message: str, kb: KnowledgeBase | None = None) -> None:
        super().__init__(message)
        self.kb = kb


def config_file(root: Path, workdir: Path) -> Path:
    """The user's mkdocs.yml, or the built-in configuration written to `workdir`."""
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if (root / name).is_file():
            plugins = read_mkdocs_config(root).get("plugins") or []
            names = {p if isinstance(p, str) else next(iter(p), "") for p in plugins}
            if "assay" not in names:
                raise BuildFailed(
                    f"{root / name} does not enable the Assay plugin: add '- assay' under 'plugins:'"
                )
            return root / name
    config = dict(DEFAULT_CONFIG)
    config["docs_dir"] = str(locate(root))
    # The configuration lives in a temporary folder: anchor the chart cache at the root.
    config["plugins"] = [
        {"assay": {"cache_dir": str(root / ".assay-cache"), "root": str(root)}}
        if p == "assay"
        else p
        for p in DEFAULT_CONFIG["plugins"]  # type: ignore[attr-defined]
    ]
    path = workdir / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def build(
    root: Path, site_dir: Path | None, strict: bool, as_of: date | None
) -> tuple[Path, KnowledgeBase]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from . import mkdocs_plugin
    from .kb import load_knowledge_base

    root = root.resolve()
    kb = load_knowledge_base(root, as_of)
    if kb.blocking(strict):
        raise BuildFailed("the knowledge base has errors; nothing was built", kb)
    _quiet_mkdocs()
    with tempfile.TemporaryDirectory(prefix="assay-config-") as work:
        cfg_path = config_file(root, Path(work))
        target = site_dir or _configured_site_dir(root)
        try:
            with publishing(target, root=root, content=kb.content_dir.resolve()) as staging:
                cfg = load_config(str(cfg_path), site_dir=str(staging), strict=strict)
                if as_of is not None:
                    for name, plugin in cfg.plugins.items():
                        if name == "assay":
                            plugin.config.as_of = as_of.isoformat()
                mkdocs_plugin.PRELOADED = kb
                try:
                    mkdocs_build(cfg)
                finally:
                    mkdocs_plugin.PRELOADED = None
        except SiteDirError as exc:
            raise BuildFailed(str(exc)) from exc
        except (MkDocsException, OSError) as exc:
            raise BuildFailed(
                f"the site could not be built: {exc}", getattr(exc, "kb", None)
            ) from exc
    return target.resolve(), kb


def _configured_site_dir(root: Path) -> Path:
    site = read_mkdocs_config(root).get("site_dir") or "site"
    return root / str(site)


def _quiet_mkdocs() -> None:
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING)


def serve(root: Path, dev_addr: str | None, open_browser: bool) -> None:
    """Run MkDocs' live-reloading server. Raises BuildFailed for a first build that fails,
    an address in use or a bad address."""
    import errno

    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    logging.getLogger("mkdocs").setLevel(logging.INFO)
    if not logging.getLogger("mkdocs").handlers:
        logging.getLogger("mkdocs").addHandler(logging.StreamHandler())
    with tempfile.TemporaryDirectory(prefix="assay-config-") as work:
        cfg_path = config_file(root.resolve(), Path(work))
        # Dirty mode: after the first build only what an edit changed is rebuilt
        # (generator/incremental.py makes that correct for generated pages and search).
        try:
            mkdocs_serve(
                str(cfg_path),
                dev_addr=dev_addr,
                open_in_browser=open_browser,
                livereload=True,
                build_type="dirty",
            )
        except MkDocsException as exc:
            raise BuildFailed(str(exc), getattr(exc, "kb", None)) from exc
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BuildFailed(
                    f"{dev_addr or '127.0.0.1:8000'} is already in use: pick another with -a IP:PORT"
                ) from exc
            raise
