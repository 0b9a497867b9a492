"""MkDocs 1.6 + Material: renders a compiled site source (in this process).

The adapter writes `<source>/mkdocs.yml` from the engine-neutral configuration. When the
knowledge base has its own `mkdocs.yml`, the written file INHERITs it and overrides only
what the compile step decides (docs folder, navigation, plugins, stylesheet), so settings
that only MkDocs can read (`!!python/name:` tags of Markdown extensions) keep working.
The `assay-engine` plugin (generator/mkdocs_plugin.py) is added: it passes Assay's pages
through without handing them to Python-Markdown and puts mkdocs-macros in a sandbox.
"""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path
from typing import Any

import yaml

from .base import EngineError, LiveUpdates, SiteSource

#: Keys the compile step decides; everything else comes from the user's mkdocs.yml.
_OVERRIDES = ("docs_dir", "nav", "extra_css", "extra_javascript", "plugins", "validation")


def mkdocs_config(source: SiteSource) -> dict[str, Any]:
    """The mkdocs.yml (as data) an MkDocs-family engine reads for `source`."""
    neutral = dict(source.config)
    user_file = neutral.pop("config_file", None)
    engine: Any = "assay-engine"
    if source.cache_dir is not None:
        engine = {"assay-engine": {"cache_dir": str(source.cache_dir)}}
    plugins = [*neutral.get("plugins", []), engine]
    if user_file:
        out: dict[str, Any] = {"INHERIT": str(user_file)}
        out.update({k: neutral[k] for k in _OVERRIDES if k in neutral})
        theme = neutral.get("theme")
        if isinstance(theme, dict) and theme.get("custom_dir"):
            # Relative to the user's mkdocs.yml, not to the generated one.
            custom = Path(user_file).parent / str(theme["custom_dir"])
            out["theme"] = {"custom_dir": str(custom)}
        hooks = neutral.get("hooks")
        if isinstance(hooks, list):
            out["hooks"] = [str(Path(user_file).parent / str(h)) for h in hooks]
    else:
        out = neutral
    out["docs_dir"] = str(source.docs_dir)
    out["plugins"] = plugins
    return out


def write_config(source: SiteSource) -> Path:
    path = source.root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(mkdocs_config(source), sort_keys=False), encoding="utf-8")
    return path


def quiet(logger_name: str, level: int = logging.WARNING) -> None:
    logger = logging.getLogger(logger_name)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


class MkDocsEngine:
    """MkDocs 1.6 with Material, run in this process."""

    name = "mkdocs"
    runs_user_macros = True

    def build(self, source: SiteSource, site_dir: Path) -> None:
        try:
            from mkdocs.commands.build import build
            from mkdocs.config import load_config
            from mkdocs.exceptions import MkDocsException
        except ImportError as exc:  # pragma: no cover - mkdocs is a dependency
            raise EngineError(f"MkDocs is not installed ({exc}): pip install 'mkdocs<2'") from exc
        quiet("mkdocs")
        config_path = write_config(source)
        from .pagerender import stop_all

        try:
            cfg = load_config(str(config_path), site_dir=str(site_dir))
            build(cfg)
        except MkDocsException as exc:
            raise EngineError(f"MkDocs failed: {exc}") from exc
        finally:  # the template child, if any, never outlives the build
            stop_all()

    def serve(
        self, source: SiteSource, dev_addr: str, open_browser: bool, live: LiveUpdates
    ) -> None:
        from mkdocs.exceptions import MkDocsException

        from .live import serve_live

        quiet("mkdocs", logging.INFO)
        quiet("assay.serve", logging.INFO)
        config_path = write_config(source)
        try:
            # Assay drives MkDocs' live server: one loop recompiles, then rebuilds only the
            # pages whose file changed (generator/engines/live.py).
            serve_live(config_path, ConfigFile(source).update, source, dev_addr, open_browser, live)
        except MkDocsException as exc:
            raise EngineError(f"MkDocs failed: {exc}") from exc
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EngineError(
                    f"{dev_addr} is already in use: pick another with -a IP:PORT"
                ) from exc
            raise


class ConfigFile:
    """The MkDocs-family configuration file of a served site source, rewritten after each
    recompile. The file INHERITs the user's mkdocs.yml, so its text alone does not change
    when that file does: the site configuration it is made from is compared too."""

    def __init__(self, source: SiteSource, name: str = "mkdocs.yml") -> None:
        self.path = source.root / name
        self.key = self._key(source)

    @staticmethod
    def _key(source: SiteSource) -> str:
        return json.dumps(source.config, sort_keys=True, default=str)

    def update(self, source: SiteSource) -> bool:
        """Write the configuration of a recompiled `source`; True when it changed."""
        from ..incremental import write_if_changed

        text = yaml.safe_dump(mkdocs_config(source), sort_keys=False)
        key = self._key(source)
        changed = write_if_changed(self.path, text) or key != self.key
        self.key = key
        return changed
