"""Shared fixtures: the valid fixture knowledge base as in-memory files, a fixed 'today'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.schema import FOLDER_KIND

FIXTURES = Path(__file__).parent / "fixtures"
VALID_ROOT = FIXTURES / "valid"
AS_OF = date(2026, 11, 25)
KIND_OF_FOLDER = FOLDER_KIND  # folder → kind, as the loader reads it


def valid_files() -> list[tuple[str, str, bytes | None, str | None]]:
    out = []
    for path in sorted((VALID_ROOT / "content").rglob("*.md")):
        rel = path.relative_to(VALID_ROOT).as_posix()
        out.append((KIND_OF_FOLDER[path.parent.name], rel, path.read_bytes(), None))
    return out


@pytest.fixture
def as_of() -> date:
    return AS_OF
