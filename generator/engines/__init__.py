"""Engine adapters: MkDocs, ProperDocs and Zensical render a compiled site source."""

from __future__ import annotations

from collections.abc import Callable

from .base import Engine, EngineError, SiteSource


def _zensical() -> Engine:
    from .zensical import ZensicalEngine

    return ZensicalEngine()


#: `--engine` name → a factory for its adapter (imported only when chosen).
ENGINES: dict[str, Callable[[], Engine]] = {
    "zensical": _zensical,
}


def get_engine(name: str) -> Engine:
    """The adapter for `name`; raises EngineError for an unknown engine."""
    try:
        return ENGINES[name]()
    except KeyError:
        raise EngineError(
            f"unknown engine '{name}': choose one of {', '.join(sorted(ENGINES))}"
        ) from None


__all__ = ["ENGINES", "Engine", "EngineError", "SiteSource", "get_engine"]
