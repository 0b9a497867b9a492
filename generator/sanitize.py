"""HTML sanitizing of everything that carries record content (SPEC §7), with nh3 (ammonia).

An allowlist: the tags Markdown produces; links with safe schemes. No script, style,
iframe, form, event handlers or javascript: URLs survive. Attributes are narrowed further
(`_attribute`): ids only on headings and never one of the theme's own (`__…`, which a
record could use to clobber the DOM the theme's scripts read), classes only Assay's and
code-language ones (a record cannot borrow the theme's overlay styles), images only from
the site itself (no tracking pixel, nothing fetched off the host).
"""

from __future__ import annotations

import re

import nh3

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_SCHEMES = {"http", "https", "mailto"}


_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,100}")
_CLASS = re.compile(r"(assay-|language-)[a-z0-9_-]{1,60}")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "id":
        return value if tag in _HEADINGS and _ID.fullmatch(value) else None
    if attr == "class":
        kept = [c for c in value.split() if _CLASS.fullmatch(c)]
        return " ".join(kept) or None
    if tag == "img" and attr == "src":
        low = value.strip().lower()
        return None if ":" in low.split("/", 1)[0] or low.startswith("//") else value
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes=_SCHEMES,
    link_rel=None,
    strip_comments=True,
)


def sanitize(html: str) -> str:
    return str(_CLEANER.clean(html))
