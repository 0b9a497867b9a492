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

import functools
import html
import importlib.metadata as _metadata
import posixpath
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt, helpers
from markdown_it.common import html_re
from markdown_it.common.utils import escapeHtml, mdTrim, unescapeAll
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.helpers.parse_link_destination import (
    parseLinkDestination as _parse_link_destination,
)
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

from ..markup import HEAVY_MARKUP as HEAVY_MARKUP
from ..markup import is_heavy as is_heavy
from ..sanitize import sanitize
from .charts import _NONCE

#: Changes whenever the HTML this module writes for the same Markdown changes (page cache).
RENDERER_VERSION = "2 markdown-it-py {} nh3 {}".format(
    _metadata.version("markdown-it-py"), _metadata.version("nh3")
)
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
            if block.type == "html_block" and block.info == "assay":
                # Assay's own blocks (render/markdown.py) link to pages as `x.md`.
                block.content = _MD_HREF.sub(
                    lambda m: _href(src, m.group(1), directory_urls), block.content
                )
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


#: Starts a block of HTML that Assay wrote itself (`render/markdown.py` tables and fact
#: lists): markdown-it keeps it as an HTML block up to the next blank line, in both parsers
#: (also when a page's raw HTML is too deep and record markup is shown as text). It holds
#: this process's secret, so record text cannot start one; it is never part of the output.
ASSAY_BLOCK = f"<!--assay-block:{_NONCE}-->"


def _assay_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4 or not state.src.startswith(ASSAY_BLOCK, pos):
        return False
    if silent:
        return True
    line = start + 1
    while line < end and not state.isEmpty(line):
        line += 1
    state.line = line
    token = state.push("html_block", "", 0)
    token.info = "assay"
    token.map = [start, line]
    token.content = state.getLines(start, line, state.blkIndent, True).replace(ASSAY_BLOCK, "", 1)
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
    md.block.ruler.before(
        "table", "assay_block", _assay_block, {"alt": ["paragraph", "reference", "blockquote"]}
    )
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


@functools.lru_cache(maxsize=65536)
def inline_html(markdown: str, table_cell: bool = False) -> str:
    """One line of Markdown (a list item's text, or a GFM table cell) as the inline HTML
    markdown-it writes for it inside a page — the same steps in the same order: control
    characters replaced, a cell's escaped pipes unescaped (`escapedSplit`), CommonMark
    trimming — except that links to `x.md` keep that form: `markdown_to_html` turns them
    into the built pages' URLs. Not sanitized here: the page it lands in is."""
    text = _CONTROL.sub("\ufffd", markdown)
    if table_cell:
        text = text.replace("\\|", "|")
    text = mdTrim(text)
    if not _INLINE_SYNTAX.search(text):
        return escapeHtml(text)  # what markdown-it writes for text with no inline syntax
    if (m := _LABELLED.fullmatch(text)) and not _INLINE_SYNTAX.search(m.group(2)):
        return f"<strong>{escapeHtml(m.group(1))}</strong> {escapeHtml(m.group(2))}"
    out = _tags_and_text(text)
    if out is None:
        out = str(_MD.renderInline(text))
    if _too_deep(out):  # as markdown_to_html does for a page: the sanitizer's cost
        out = str(_MD_TEXT.renderInline(text))
    return out


#: markdown-it's open and close tags (its html_inline rule), unanchored.
_OPEN_CLOSE_TAG = re.compile(f"{html_re.open_tag}|{html_re.close_tag}")


def _tags_and_text(text: str) -> str | None:
    """What markdown-it writes for a line made of open/close tags and text with no other
    inline syntax (Assay's badges and date spans in table cells: `<span class="x">text</span>`):
    the tags as written, the text escaped; None for anything else. Every `<` must open a
    tag markdown-it's html_inline rule takes whole (an autolink such as `<a:b>` is not an
    open tag, so it stays in the text and sends the line to markdown-it)."""
    out: list[str] = []
    pos = 0
    for m in _OPEN_CLOSE_TAG.finditer(text):
        between = text[pos : m.start()]
        if _INLINE_SYNTAX.search(between):
            return None
        out.append(escapeHtml(between))
        out.append(m.group(0))
        pos = m.end()
    rest = text[pos:]
    if not out or _INLINE_SYNTAX.search(rest):
        return None
    out.append(escapeHtml(rest))
    return "".join(out)


#: What can start inline syntax in CommonMark + strikethrough (escapes, code, emphasis,
#: strikethrough, links, images, autolinks, raw HTML, entities, line breaks); text
#: without any of these is written escaped and nothing else (tests/test_render_blocks.py
#: compares with markdown-it on random text).
_INLINE_SYNTAX = re.compile(r"[\\`*_~\[\]!<&\n\r]")
#: A fact line, `**Label:** value`.
_LABELLED = re.compile(r"\*\*([A-Za-z][A-Za-z0-9 ()%/-]*:)\*\* (.*)", re.S)


def markdown_to_html(markdown: str, src: str = "", directory_urls: bool = True) -> str:
    """Sanitized HTML (not yet encoded for passthrough) of Markdown on the page `src`."""
    out = _render(_MD, markdown, src, directory_urls)
    if _too_deep(out):
        # Raw HTML nested this deep costs the sanitizer quadratic time: show it as text.
        out = _render(_MD_TEXT, markdown, src, directory_urls)
    return sanitize(out)


def _render(md: MarkdownIt, markdown: str, src: str, directory_urls: bool) -> str:
    env: dict[str, Any] = {}
    tokens = md.parse(_CONTROL.sub("\ufffd", markdown), env)
    state = StateCore("", md, env)
    state.tokens = tokens
    _link_rewriter(src, directory_urls)(state)
    return str(md.renderer.render(tokens, md.options, env))


_MD_HREF = re.compile(r'href="([^"#?]+\.md(?:#[^"]*)?)"')


def _href(src: str, value: str, directory_urls: bool) -> str:
    url = relative_url(src, html.unescape(value), directory_urls)
    return f'href="{html.escape(url)}"'


#: Deepest element nesting handed to the sanitizer (Markdown alone stays far below).
MAX_HTML_DEPTH = 200
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def _too_deep(html_text: str) -> bool:
    """Whether an HTML parser may nest `html_text` deeper than MAX_HTML_DEPTH. Errs on the
    deep side: an end tag closes only the innermost open element of its name (a stray
    `</x>` closes nothing, and `</div>` behind a `<td>` is out of scope for a parser), and
    `<div/>` opens a `<div>` (only void elements close themselves in HTML)."""
    if html_text.count("<") <= MAX_HTML_DEPTH:  # each element opened needs a "<"
        return False
    stack: list[str] = []
    for m in _TAG.finditer(html_text):
        name = m.group(2).lower()
        if name in _VOID:
            continue
        if not m.group(1):
            stack.append(name)
            if len(stack) > MAX_HTML_DEPTH:
                return True
        elif stack and stack[-1] == name:
            stack.pop()
    return False


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
