"""Search entries for the pages Assay generated, in the format of Material's search index.

Material for MkDocs indexes a page by feeding its HTML to Python's `html.parser` in its
`on_page_context` hook: on Assay's pages (fields, tables, statistics, backlinks) that parse
was the largest single cost of the engine phase. Assay wrote and sanitized those pages, so it
produces their entries itself (`page_entries`), and the `assay-engine` plugin excludes them
from Material's parse and merges these entries into `search/search_index.json`
(`merge_entries`) — the same entries, in the same order, as Material writes:

* one entry per section: the text before the first heading that has an `id` (titled with
  the page title), then one per such heading (`location` = page URL + `#id`);
* `title` and `text` keep the tags Material keeps (`p`, `code`, `pre`, `li`, `ol`, `ul`,
  `sub`, `sup`) without attributes, everything else is text, escaped: the theme's script
  inserts these strings as HTML, and they can hold nothing else;
* whitespace outside `<pre>` is one space.

Tags are stripped by nh3 (Rust) in one pass per page instead of a Python callback per tag.
Where the two differ (docs/design.md, "Search index written by Assay"): cells, list items
and the text of SVG labels are separated by a space instead of glued together; text after
a heading nested in a container belongs to that heading's section (Material moves it back
to an enclosing section); bidirectional-text controls are dropped; and a page's indexed
text is capped (`RECORD_PAGE_CAP`, `SECTION_CAP`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nh3

#: Tags Material's search keeps in titles and text (material/plugins/search/plugin.py).
KEPT_TAGS = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})
_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
#: Most characters (titles and text of all its sections) indexed for the page of one
#: record: its body may be up to 1 MiB of anything; the page still shows all of it.
RECORD_PAGE_CAP = 64 * 1024
#: Most characters of text indexed for one section of any other generated page (an index,
#: the tags, the radar, the review agenda grow with the knowledge base, section by section).
SECTION_CAP = 64 * 1024

_CLEANER = nh3.Cleaner(
    tags=set(KEPT_TAGS | _HEADINGS),
    attributes={h: {"id"} for h in _HEADINGS},
    clean_content_tags={"script", "style", "object"},
    link_rel=None,
    strip_comments=True,
)
_TEXT_CLEANER = nh3.Cleaner(tags=set(KEPT_TAGS), attributes={}, link_rel=None)
# Elements whose text Material runs into the previous element's ("a</td><td>b" → "ab"):
# a space before them keeps the words apart (never inside an attribute that survives).
_SEPARATE = re.compile(
    r"<(?=(?:td|th|tr|li|dt|dd|div|br|p|pre|h[1-6]|ul|ol|table|blockquote|figcaption|summary"
    r"|caption|text|tspan|title)[\s/>])"
)
# nh3 drops SVG with its text; Material indexes the text of Assay's own SVG (radar, forest
# plots: the labels and the <title> that describes the plot), so it is taken out first.
_SVG = re.compile(r"<svg[\s>].*?</svg>", re.S)
_SVG_SKIP = re.compile(r"<(style|script)[\s>].*?</\1>", re.S)
_ANY_TAG = re.compile(r"<[^>]*>")


def _svg_text(m: re.Match[str]) -> str:
    return _ANY_TAG.sub(" ", _SVG_SKIP.sub(" ", m[0]))


# In nh3's output: only the kept tags (no attributes), headings with an id of the
# sanitizer's alphabet, and escaped text. An id-less heading is not a section (as Material).
_SECTION = re.compile(r'<(h[1-6]) id="([^"<>]*)">(.*?)</\1>', re.S)
_HEADING_TAG = re.compile(r'</?h[1-6](?: id="[^"<>]*")?>')
_PRE = re.compile(r"(<pre>.*?</pre>)", re.S)
# Embeddings, overrides, isolates and marks: reorder what a reader sees in a result.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _squeeze(text: str) -> str:
    """Runs of whitespace → one space (leading and trailing ones too)."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


def _collapse(text: str) -> str:
    if "<pre>" not in text:
        return " ".join(text.split())
    parts = _PRE.split(text)  # odd items: <pre> blocks, kept as they are
    return "".join(p if i % 2 else _squeeze(p) for i, p in enumerate(parts)).strip()


def _prefix(page_html: str, n: int) -> str:
    """The first `n` characters of `page_html` or fewer, ending outside any tag and entity."""
    end = n
    if page_html.rfind("<", 0, end) > page_html.rfind(">", 0, end):
        end = page_html.rfind("<", 0, end)
    amp = page_html.rfind("&", max(0, end - 12), end)
    if amp != -1 and ";" not in page_html[amp:end]:
        end = amp
    return page_html[:end]


def _cut(text: str, limit: int) -> str:
    """`text` (kept tags and escaped text) cut to at most `limit` characters at a word
    boundary, then balanced again (no half tag, no half entity, no unclosed element)."""
    if len(text) <= limit:
        return text
    target = limit
    for _ in range(8):  # the closing tags nh3 adds back may need a shorter cut
        cut = _prefix(text, max(target, 0))
        space = cut.rfind(" ")
        if space > target // 2:
            cut = cut[:space]
        out = str(_TEXT_CLEANER.clean(cut)).strip()
        if len(out) <= limit:
            return out
        target -= len(out) - limit
    return ""


def page_entries(
    page_html: str,
    url: str,
    title: str,
    *,
    cap: int | None = None,
    section_cap: int = SECTION_CAP,
) -> list[dict[str, str]]:
    """The search entries of one page Assay generated.

    `page_html` is the page's HTML as Assay wrote it (sanitized; raw SVG of Assay's own),
    `url` the page's URL as the engine writes it, `title` its title (already free of
    markup characters: `render/html.safe_title`). `cap` bounds the characters of all
    titles and texts of the page together (sections past it are not indexed, the one
    where it falls is cut at a word); `section_cap` bounds each section's text."""
    if cap is not None and len(page_html) > 16 * cap:
        # Markup and entities aside, more HTML than this holds more text than the cap: the
        # rest is never read (a 1 MiB body of `<` is 4 MiB of `&lt;`).
        page_html = _prefix(page_html, 16 * cap)
    if "<svg" in page_html:
        page_html = _SVG.sub(_svg_text, page_html)
    clean = _BIDI.sub("", _CLEANER.clean(_SEPARATE.sub(" <", page_html)))
    page_title = html.escape(" ".join(_BIDI.sub("", title).split()), quote=False)
    sections: list[tuple[str | None, str, str]] = []
    start, anchor, heading = 0, None, ""
    for m in _SECTION.finditer(clean):
        sections.append((anchor, heading, clean[start : m.start()]))
        start, anchor, heading = m.end(), html.unescape(m[2]), m[3]
    sections.append((anchor, heading, clean[start:]))

    entries: list[dict[str, str]] = []
    budget = cap if cap is not None else -1
    for anchor, heading, body in sections:
        name = _collapse(_HEADING_TAG.sub("", heading) if "<h" in heading else heading)
        name = name or page_title
        text = _collapse(_HEADING_TAG.sub("", body) if "<h" in body else body)
        if len(text) > section_cap:
            text = _cut(text, section_cap)
        if cap is not None:
            if budget <= 0:
                break
            if len(name) > budget:
                name = _cut(name, budget)
            budget -= len(name)
            text = _cut(text, max(budget, 0)) if len(text) > budget else text
            budget -= len(text)
        location = url if anchor is None else f"{url}#{anchor}"
        entries.append({"location": location, "title": name, "text": text})
    return entries


def merge_entries(
    index_path: Path,
    ours: Mapping[str, list[dict[str, Any]]],
    order: Iterable[str],
) -> None:
    """Put `ours` (page URL → its entries) into the index Material wrote at `index_path`.

    Entries are ordered by `order` (the URLs of the pages in the order the engine built
    them, as Material orders its own); entries of pages not in `order` (kept by a dirty
    rebuild) stay first, as they were. Written as Material writes it (compact JSON)."""
    data = json.loads(index_path.read_text(encoding="utf-8"))
    theirs: dict[str, list[dict[str, Any]]] = {}
    for entry in data.get("docs", []):
        theirs.setdefault(str(entry.get("location", "")).split("#", 1)[0], []).append(entry)
    docs: list[dict[str, Any]] = []
    placed: set[str] = set()
    order = list(order)
    known = set(order)
    for page, entries in theirs.items():
        if page not in known:
            docs += entries
    for page in order:
        if page in placed:
            continue
        placed.add(page)
        docs += ours.get(page, theirs.get(page, []))
    data["docs"] = docs
    index_path.write_text(json.dumps(data, separators=(",", ":"), default=str), encoding="utf-8")
