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


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table in Markdown (GFM): the reference `table` must match."""
    rows = list(rows)
    if not rows:
        return "_None._\n"
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def markdown_facts(rows: Iterable[Sequence[str]]) -> str:
    """Fact lines in Markdown: the reference `facts` must match."""
    return "\n".join(f"- **{label}:** {value}" for label, value in rows) + "\n"


# `table` and `facts` write the HTML that markdown-it writes for `markdown_table` and
# `markdown_facts`, cell by cell (`inline_html`, cached), inside a block markdown-it passes
# through: block parsing of generated tables was most of a first build's Markdown time.
# Cells are one line; any other cell falls back to the Markdown form.


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table: each cell is one line of Markdown (`cell`, `text`, links, badges)."""
    rows = list(rows)
    if not rows:
        return "_None._\n"
    if any("\n" in c or "\r" in c for r in [header, *rows] for c in r):
        return markdown_table(header, rows)
    from .html import ASSAY_BLOCK, inline_html

    width = len(header)
    out = [ASSAY_BLOCK, "<table>\n<thead>\n<tr>\n"]
    out += [f"<th>{inline_html(h, True)}</th>\n" for h in header]
    out.append("</tr>\n</thead>\n<tbody>\n")
    for r in rows:
        out.append("<tr>\n")
        cells = list(r[:width]) + [""] * (width - len(r))
        out += [f"<td>{inline_html(c, True)}</td>\n" for c in cells]
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def facts(rows: Iterable[Sequence[str]]) -> str:
    """A record's key fields as a compact list: '**Owner:** marco'."""
    rows = [(str(label), str(value)) for label, value in rows]
    if not rows or any("\n" in f"{a}{b}" or "\r" in f"{a}{b}" for a, b in rows):
        return markdown_facts(rows)
    from .html import ASSAY_BLOCK, inline_html

    items = "".join(f"<li>{inline_html(f'**{label}:** {value}')}</li>\n" for label, value in rows)
    return f"{ASSAY_BLOCK}<ul>\n{items}</ul>\n"


#: A list item's text that cannot start a block of its own (heading, quote, nested list,
#: fence, HTML, reference definition, thematic break): a letter, `**` before a word, or a
#: link that is not a definition.
_INLINE_START = re.compile(r"(?:[^\W\d_]|\*\*[^\s*]|\[(?![^\]]*\]:))")


def bullets(items: Iterable[str]) -> str:
    """A tight list of one-line Markdown items (links, references), written as the HTML
    markdown-it writes for `- item` lines (the Markdown form when an item could start a
    block)."""
    items = list(items)
    if any("\n" in i or "\r" in i or not _INLINE_START.match(i) for i in items):
        return "\n".join(f"- {i}" for i in items) + "\n"
    from .html import ASSAY_BLOCK, inline_html

    lis = "".join(f"<li>{inline_html(i)}</li>\n" for i in items)
    return f"{ASSAY_BLOCK}<ul>\n{lis}</ul>\n"


def bullet(items: Iterable[str]) -> str:
    lines = [f"- {one_line(i)}" for i in items]
    return "\n".join(lines) + "\n" if lines else "_None._\n"


def section(title: str, body: str) -> str:
    return f"## {title}\n\n{body.rstrip()}\n\n"
