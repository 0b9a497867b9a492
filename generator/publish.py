"""Running MkDocs for `assay build` and `assay serve` (I/O out).

`build` validates first and writes nothing when the knowledge base has errors. MkDocs
writes into a fresh temporary folder beside the target, which replaces the old site only
once the build succeeded: an interrupted or failed build never leaves a half-written site.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import yaml

from .load import locate, read_mkdocs_config
from .model import KnowledgeBase

#: The configuration of a knowledge base without mkdocs.yml (SPEC §1).
DEFAULT_CONFIG: dict[str, object] = {
    "site_name": "Research knowledge base",
    "theme": {
        "name": "material",
        "font": False,  # no web fonts: the site works offline
        "features": [
            "navigation.sections",
            "navigation.indexes",
            "navigation.top",
            "search.highlight",
            "content.code.copy",
        ],
        "palette": {"primary": "indigo"},
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
        target = (site_dir or _configured_site_dir(root)).resolve()
        _check_target(target, root, kb.content_dir.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
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
        except (MkDocsException, OSError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise BuildFailed(
                f"the site could not be built: {exc}", getattr(exc, "kb", None)
            ) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _replace(staging, target)
    return target, kb


#: Files that mark a folder as a site MkDocs built: only such a folder is ever replaced.
_SITE_MARKERS = ("index.html", "404.html", "sitemap.xml", "search/search_index.json")


def _check_target(target: Path, root: Path, content: Path) -> None:
    """Refuse a site folder whose replacement could lose a user's files."""
    if target.exists() and not target.is_dir():
        raise BuildFailed(f"{target} is a file, not a folder: choose another --site-dir")
    if (
        target in (root, content)
        or content.is_relative_to(target)
        or target.is_relative_to(content)
    ):
        raise BuildFailed(
            f"{target} overlaps the knowledge base ({content}): the site folder must be "
            "outside the content folder and must not contain it"
        )
    is_site = any((target / marker).exists() for marker in _SITE_MARKERS)
    if target.is_dir() and any(target.iterdir()) and not is_site:
        raise BuildFailed(
            f"{target} is not empty and does not look like a built site: refusing to "
            "replace it; choose an empty or new --site-dir"
        )


def _configured_site_dir(root: Path) -> Path:
    site = read_mkdocs_config(root).get("site_dir") or "site"
    return root / str(site)


def _replace(staging: Path, target: Path) -> None:
    """Move the finished site into place; the old one is removed only afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    staging.rename(target)
    umask = os.umask(0)
    os.umask(umask)
    target.chmod(0o777 & ~umask)  # mkdtemp made it private; give it the usual mode
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
