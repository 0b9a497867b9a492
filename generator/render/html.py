"""Markdown → safe HTML for everything a record can reach (SPEC §7), in linear time.

Record bodies and the Markdown Assay writes around record values are converted here with
markdown-it-py (CommonMark + tables + strikethrough: linear, nesting bounded by
``maxNesting``), sanitized with nh3, and encoded so that whatever engine later reads the
page passes it through unchanged:

* the HTML is one line (text newlines become ``&#10;``), so no Markdown or preprocessor
  syntax of any engine (fences, ``--8<--`` snippets, admonitions, ``///`` blocks) can start
  inside it;
* ``{`` and ``}`` become ``&#123;`` / ``&#125;``, so no macro layer (Jinja, mkdocs-macros)
  ever sees ``{{``, ``{%`` or ``{#``;
* control characters, including Python-Markdown's own placeholder markers (STX/ETX), are
  replaced, and the line separators other parsers split on are encoded.

Links to other pages are written as the final URLs (engines do not rewrite links inside
raw HTML), and headings get ids for anchors and search sections.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt, helpers
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.helpers.parse_link_destination import (
    parseLinkDestination as _parse_link_destination,
)
from markdown_it.rules_core import StateCore

from ..sanitize import sanitize

#: Deepest nesting of blocks and inlines markdown-it builds; deeper input stays text.
MAX_NESTING = 20

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENCODE = {
    "{": "&#123;",
    "}": "&#125;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\x85": "&#133;",
    "\u2028": "&#8232;",
    "\u2029": "&#8233;",
}
_ENCODE_RE = re.compile("[{}\n\r\x85\u2028\u2029]")


def passthrough(html: str) -> str:
    """Sanitized HTML encoded so that no engine, preprocessor or macro layer changes it."""
    html = _CONTROL.sub("\ufffd", html)
    return _ENCODE_RE.sub(lambda m: _ENCODE[m.group()], html)


def page_url(src: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) of the page built from `src` (docs-relative)."""
    stem = src.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def relative_url(from_src: str, href: str, directory_urls: bool = True) -> str:
    """`href` as written in the page `from_src` (a link to `x.md`, maybe with a fragment),
    rewritten to the URL of the built page; anything else is returned unchanged."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
        return href
    target = posixpath.normpath(posixpath.join(posixpath.dirname(from_src), parts.path))
    if target.startswith(("../", "/")) or target == "..":
        return href
    to_url = page_url(target, directory_urls)
    here = page_url(from_src, directory_urls)
    base = here if directory_urls else posixpath.dirname(here)
    rel = posixpath.relpath(to_url or ".", base or ".")
    if (directory_urls and to_url.endswith("/")) or to_url == "":
        rel = "./" if rel == "." else rel + "/"
    frag = f"#{parts.fragment}" if parts.fragment else ""
    query = f"?{parts.query}" if parts.query else ""
    return rel + query + frag


_SLUG_DROP = re.compile(r"[^\w\- ]+")


def slugify(text: str) -> str:
    """Heading ids as Python-Markdown's toc extension makes them (lowercase, dashes)."""
    slug = _SLUG_DROP.sub("", text).strip().lower()
    return re.sub(r"[-\s]+", "-", slug)


def _heading_ids(state: StateCore) -> None:
    seen: dict[str, int] = {}
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        # The h1 is the page title: no id, so search links to the page itself.
        if tok.type != "heading_open" or tok.tag == "h1" or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        text = "".join(
            c.content for c in inline.children or [] if c.type in ("text", "code_inline")
        )
        base = slugify(text) or "section"
        n = seen.get(base, 0)
        seen[base] = n + 1
        tok.attrSet("id", base if n == 0 else f"{base}_{n}")


def _link_rewriter(src: str, directory_urls: bool) -> Callable[[StateCore], None]:
    def rule(state: StateCore) -> None:
        for block in state.tokens:
            for tok in block.children or ():
                if tok.type == "link_open":
                    href = tok.attrGet("href")
                    if isinstance(href, str):
                        tok.attrSet("href", relative_url(src, href, directory_urls))

    return rule


_DEST_STOP = re.compile(r"[()\\\x00-\x20\x7f]")


def _link_destination(string: str, pos: int, maximum: int) -> _Result:
    """markdown-it's parseLinkDestination, jumping between the characters that matter.

    Same result; on ``[a](`` repeated, the original walks ~128 characters one by one per
    bracket (up to 32 open parentheses), which made 1 MiB of it take 20 s."""
    if string.startswith("<", pos):
        return _parse_link_destination(string, pos, maximum)
    result = _Result()
    start, level = pos, 0
    while pos < maximum:
        m = _DEST_STOP.search(string, pos, maximum)
        if m is None:
            pos = maximum
            break
        pos = m.start()
        c = string[pos]
        if c == "\\":
            if pos + 1 < maximum:
                if string[pos + 1] == " ":
                    break
                pos += 2
            else:
                pos += 1
            continue
        if c == "(":
            level += 1
            if level > 32:
                return result
        elif c == ")":
            if level == 0:
                break
            level -= 1
        else:  # space or control character
            break
        pos += 1
    pos = min(pos, maximum)
    if start == pos or level != 0:
        return result
    result.str = unescapeAll(string[start:pos])
    result.pos = pos
    result.ok = True
    return result


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
    md.helpers = SimpleNamespace(  # type: ignore[assignment]  # same three functions
        parseLinkLabel=helpers.parseLinkLabel,
        parseLinkDestination=_link_destination,
        parseLinkTitle=helpers.parseLinkTitle,
    )
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("assay_heading_ids", _heading_ids)
    return md


_MD = _parser()
_MD_TEXT = _parser().disable("html_block").disable("html_inline")


def markdown_to_html(markdown: str, src: str = "", directory_urls: bool = True) -> str:
    """Sanitized HTML (not yet encoded for passthrough) of Markdown on the page `src`."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(_CONTROL.sub("\ufffd", markdown), env)
    state = StateCore("", _MD, env)
    state.tokens = tokens
    _link_rewriter(src, directory_urls)(state)
    out = _MD.renderer.render(tokens, _MD.options, env)
    if _too_deep(out):
        # Raw HTML nested this deep costs the sanitizer quadratic time: show it as text.
        tokens = _MD_TEXT.parse(_CONTROL.sub("\ufffd", markdown), env)
        out = _MD_TEXT.renderer.render(tokens, _MD_TEXT.options, env)
    return sanitize(out)


#: Deepest element nesting handed to the sanitizer (Markdown alone stays far below).
MAX_HTML_DEPTH = 200
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def _too_deep(html_text: str) -> bool:
    depth = 0
    for m in _TAG.finditer(html_text):
        if m.group(2).lower() in _VOID or m.group(3):
            continue
        depth += -1 if m.group(1) else 1
        if depth > MAX_HTML_DEPTH:
            return True
    return False


#: Characters whose handling costs markdown-it-py most (links, inline HTML, emphasis, code).
_COSTLY = "[(<*_`\\!"
#: A body with more of them is shown as plain text: no real record comes near, and it keeps
#: the rendering of any 1 MiB record in about a second (docs/performance.md).
HEAVY_MARKUP = 20_000


def is_heavy(markdown: str) -> bool:
    """Whether `markdown` holds so much inline syntax that it is shown as plain text."""
    return sum(markdown.count(c) for c in _COSTLY) > HEAVY_MARKUP


def plain_text_block(text: str) -> str:
    """`text` as an HTML block of preformatted, escaped text (Markdown reads it as raw HTML)."""
    note = (
        '<p class="assay-plain-note"><em>This text holds too much Markdown syntax to be '
        "formatted; it is shown as written.</em></p>"
    )
    return f'{note}\n<pre class="assay-plain">{html.escape(text)}</pre>\n'


def safe_title(title: str) -> str:
    """A record title fit for every place a theme writes a page title unescaped or after
    decoding entities (Material's ``<title>``, header, ``striptags``): the characters
    that could form markup or a macro are replaced by look-alikes."""
    text = " ".join(_CONTROL.sub(" ", title).split())
    text = text.translate(_TITLE_MAP)
    return re.sub(r"\{(?=[{%#])", "{\u200b", text)


_TITLE_MAP = str.maketrans(
    {"<": "\uff1c", ">": "\uff1e", "&": "\uff06", '"': "\u201d", "'": "\u2019"}
)
