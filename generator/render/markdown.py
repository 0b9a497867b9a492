"""Small helpers that write Markdown safely: table cells, links, badges.

Values from records are untrusted. They are written as Markdown (free-text fields are
Markdown by the spec) and the whole record page is sanitized after conversion to HTML;
these helpers only keep values from breaking the page's structure (tables, headings).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from ..schema import KINDS


def one_line(text: object) -> str:
    """A value fit for a heading or a table cell: no newlines, no bare pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


def cell(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return num(value)
    return one_line(value)


def num(value: float | int | None, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:+.{digits}f} %"


def text(value: str) -> str:
    """Literal text (ids, names) that must not be read as Markdown or HTML."""
    escaped = html.escape(" ".join(value.split()), quote=False)
    return re.sub(r"([\\`*_\[\]#|{}])", r"\\\1", escaped)


def link_to(kind: str, record_id: str, label: str | None = None, prefix: str = "../") -> str:
    """A link to a record page; `prefix` leads from the linking page to docs_dir (every
    generated page lives one folder deep, hence the default)."""
    return f"[{one_line(label or record_id)}]({prefix}{KINDS[kind][0]}/{record_id}.md)"


def badge(label: str, css: str) -> str:
    return f'<span class="assay-badge assay-{css}">{html.escape(label)}</span>'


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    rows = list(rows)
    if not rows:
        return "_None._\n"
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def facts(rows: Iterable[Sequence[str]]) -> str:
    """A record's key fields as a compact list: '**Owner:** marco'."""
    return "\n".join(f"- **{label}:** {value}" for label, value in rows) + "\n"


def bullet(items: Iterable[str]) -> str:
    lines = [f"- {one_line(i)}" for i in items]
    return "\n".join(lines) + "\n" if lines else "_None._\n"


def section(title: str, body: str) -> str:
    return f"## {title}\n\n{body.rstrip()}\n\n"
