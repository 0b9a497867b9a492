"""E-SCHEMA for front matter text too dense in Markdown syntax to build in bounded time.

Free-text fields (`key_insight`, `protocol`, notes, evidence…) are Markdown and are written
into the record's page. The body is guarded by `markup.is_heavy` (beyond
`HEAVY_MARKUP` syntax characters it is shown as plain text); fields are refused instead:
a field is short by nature, and a field rendered as plain text would break the layout of
the table or list that holds it. The count is over every text value of the front matter
together (many fields just under a per-field cap would cost as much as one over it), with
the same characters `is_heavy` counts (FINDINGS.md A3b: 1 MiB of `- a` lines in
`key_insight` did not build in 30 s).
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic
from ..markup import HEAVY_MARKUP, markup_count
from ..model import Entry
from ..parse import Path_
from .base import err


def _strings(data: Any) -> list[tuple[Path_, str]]:
    found: list[tuple[Path_, str]] = []
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, value in items:
            if type(value) is str:
                found.append(((*path, key), value))
            elif type(value) in (dict, list):
                stack.append(((*path, key), value))
    return found


def check(e: Entry) -> list[Diagnostic]:
    data = e.parsed.data
    if not data:
        return []
    strings = _strings(data)
    if sum(len(s) for _, s in strings) <= HEAVY_MARKUP:  # cannot hold that much markup
        return []
    counts = [(markup_count(s), path) for path, s in strings]
    total = sum(n for n, _ in counts)
    if total <= HEAVY_MARKUP:
        return []
    most, path = max(counts, key=lambda c: (c[0], [str(p) for p in c[1]]))
    return [
        err(
            e,
            path,
            "E-SCHEMA",
            f"the front matter's text holds {total:,} Markdown syntax characters "
            f"(line breaks and any of [ ( < * _ ` \\ ! | # ~ &), {most:,} of them in this "
            f"field; at most {HEAVY_MARKUP:,} are allowed in a record's fields, so that every "
            "page builds in bounded time: shorten the text, or move long text to the "
            "Markdown body",
        )
    ]
