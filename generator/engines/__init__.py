"""The engine registry: `--engine NAME` → the adapter that renders a compiled site source.

Adding an engine is one module in this package and one line here (docs/design.md).
"""

from __future__ import annotations

from collections.abc import Callable

from .base import Engine, EngineError, SiteSource

#: The engine `assay build` and `assay serve` use without --engine (docs/design.md says why).
DEFAULT_ENGINE = "mkdocs"


def _mkdocs() -> Engine:
    from .mkdocs import MkDocsEngine

    return MkDocsEngine()


def _properdocs() -> Engine:
    from .properdocs import ProperDocsEngine

    return ProperDocsEngine()


def _zensical() -> Engine:
    from .zensical import ZensicalEngine

    return ZensicalEngine()


#: name → factory; factories import their engine lazily (a missing engine only matters
#: when it is chosen).
ENGINES: dict[str, Callable[[], Engine]] = {
    "mkdocs": _mkdocs,
    "properdocs": _properdocs,
    "zensical": _zensical,
}


def get_engine(name: str) -> Engine:
    """The adapter for `name`; EngineError names the choices when it is unknown."""
    factory = ENGINES.get(name)
    if factory is None:
        raise EngineError(f"unknown engine '{name}': choose one of {', '.join(sorted(ENGINES))}")
    return factory()


__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "EngineError", "SiteSource", "get_engine"]
