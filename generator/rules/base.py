"""What every rule module shares: the context and helpers that place a diagnostic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..diagnostics import Diagnostic, error, warning
from ..model import Entry
from ..parse import Path_, dotted


@dataclass(frozen=True)
class Context:
    as_of: date
    superseded: frozenset[str]


def err(e: Entry, path: Path_, code: str, message: str, *, at: Path_ | None = None) -> Diagnostic:
    """An error about field `path`, located at `at` (default: the field itself)."""
    line, col = e.parsed.pos(at if at is not None else path)
    return error(e.path, line, col, code, dotted(path), message)


def warn(e: Entry, path: Path_, code: str, message: str, *, at: Path_ | None = None) -> Diagnostic:
    line, col = e.parsed.pos(at if at is not None else path)
    return warning(e.path, line, col, code, dotted(path), message)


def days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"
