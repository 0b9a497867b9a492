"""How much Markdown syntax a text holds: the measure that bounds rendering time.

Shared by the renderer (a body over the limit is shown as plain text) and by `assay
check` (front matter text over the limit is refused), without importing the renderer.
"""

from __future__ import annotations

#: Characters whose handling costs markdown-it-py most (links, inline HTML, emphasis, code).
_COSTLY = "[(<*_`\\!"
#: Characters that start a block or a token at almost no cost in bytes (list items,
#: paragraphs, table cells, headings, strikethrough, entities): 1 MiB of `- a` lines
#: cost 17 s and 800 MB before they were counted too (FINDINGS.md A3).
_DENSE = "\n|#~&"
#: A body with more of them is shown as plain text: no real record comes near, and it keeps
#: the rendering of any 1 MiB record in about a second (docs/performance.md).
HEAVY_MARKUP = 20_000


def markup_count(markdown: str) -> int:
    """How many of the characters that cost markdown-it most `markdown` holds."""
    return sum(markdown.count(c) for c in _COSTLY + _DENSE)


def is_heavy(markdown: str) -> bool:
    """Whether `markdown` holds so much inline syntax that it is shown as plain text."""
    return markup_count(markdown) > HEAVY_MARKUP
