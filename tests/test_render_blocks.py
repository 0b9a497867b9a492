"""Assay's generated tables, fact lists and link lists are written as HTML directly
(`render/markdown.py`), because markdown-it's block parsing of them was most of a first
build's Markdown time. The reference is markdown-it itself: every page must read exactly as
the same content written as a GFM table / Markdown list and converted by markdown-it."""

from __future__ import annotations

import pytest

from generator.render.html import ASSAY_BLOCK, markdown_to_html
from generator.render.markdown import (
    bullets,
    cell,
    facts,
    link_to,
    markdown_facts,
    markdown_table,
    table,
    text,
)

# Cells as page functions write them (cell/text/link_to/badges) and as hostile records make them.
CELLS = [
    "plain words",
    "–",
    "",
    "   padded   ",
    cell("a | pipe"),
    cell("back\\slash | pipe \\| escaped"),
    cell("trailing backslash \\"),
    text("*not emphasis* _nor_ `code` [nor](link) <b>nor</b> {{ macro }} #7"),
    "*emphasis* and **strong** and `code`",
    "**unclosed strong",
    "a*b*c_d_e",
    link_to("paper", "pape-00001", "A title with ] and [ and ) in it"),
    link_to("decision", "deci-1", "Decide <script>alert(1)</script>"),
    "[relative](../papers/x.md#frag) and [external](https://example.com/a.md)",
    "[js](javascript:alert(1)) [data](data:text/html,x) [vb](VBScript:x)",
    '<span class="assay-badge assay-adopt">ADOPT</span> next',
    '<img src=x onerror="alert(1)"> <a href="https://e.com/" onclick="y">raw</a>',
    "&amp; &lt; &#123; &#x7B; &notanentity; & alone",
    "control \x00\x01\x07\x1b\x7f chars",
    "unicode\u00a0nbsp\u2028ls\u2029ps\u200bzw\u202eRTL",
    "\u3000ideographic space\u3000",
    "[ref][defined] and [collapsed][] and [shortcut]",
    "<https://autolink.example/x> and <mail@example.com>",
    "![image](https://example.com/i.png)",
    "~~strike~~ and ~single~",
    "hard  break? no, one line",
    "x" * 3000,
    "*" * 50 + "_" * 50,
    "[" * 40 + "a" + "](" * 40,
]

PAGES = [("papers/p.md", True), ("index.md", True), ("papers/p.md", False), ("a/b/c.md", True)]


def _same(markdown_new: str, markdown_old: str, src: str, directory_urls: bool) -> None:
    new = markdown_to_html(markdown_new, src, directory_urls)
    old = markdown_to_html(markdown_old, src, directory_urls)
    assert new == old


@pytest.mark.parametrize(("src", "directory_urls"), PAGES)
def test_table_reads_as_markdown_it_reads_the_gfm_table(src: str, directory_urls: bool) -> None:
    header = ["Name", "**Bold** head", "Link"]
    rows = [
        [c, CELLS[(i + 7) % len(CELLS)], CELLS[(i + 13) % len(CELLS)]] for i, c in enumerate(CELLS)
    ]
    new = table(header, rows)
    assert new.startswith(ASSAY_BLOCK)  # the fast path was taken
    for before, after in [("", ""), ("Intro paragraph.\n\n", "\nAfter.\n"), ("## Heading\n\n", "")]:
        _same(
            before + new + after, before + markdown_table(header, rows) + after, src, directory_urls
        )


def test_rows_shorter_or_longer_than_the_header() -> None:
    header = ["A", "B", "C"]
    rows = [["1"], ["1", "2", "3", "4", "5"], ["", "", ""]]
    _same(table(header, rows), markdown_table(header, rows), "x/y.md", True)


@pytest.mark.parametrize(("src", "directory_urls"), PAGES)
def test_facts_and_bullets_read_as_markdown_lists(src: str, directory_urls: bool) -> None:
    rows = [[f"Label {i}", c] for i, c in enumerate(CELLS)]
    assert facts(rows).startswith(ASSAY_BLOCK)
    _same(facts(rows), markdown_facts(rows), src, directory_urls)
    items = [c for c in CELLS if c.strip()]
    made = bullets(items)
    _same(made, "\n".join(f"- {i}" for i in items) + "\n", src, directory_urls)


@pytest.mark.parametrize(
    "item",
    ["# heading", "> quote", "- nested", "* nested", "+ nested", "1. ordered", "```fence",
     "<div>html</div>", "[ref]: https://example.com", "***", "___", "    code", "\tcode",
     "=== setext", "| a | b |", "~~~"],
)  # fmt: skip
def test_an_item_that_could_start_a_block_keeps_the_markdown_form(item: str) -> None:
    made = bullets(["first", item])
    assert ASSAY_BLOCK not in made
    _same(made, f"- first\n- {item}\n", "p/q.md", True)


def test_cells_with_newlines_keep_the_markdown_form() -> None:
    rows = [["two\nlines", "x"]]
    assert ASSAY_BLOCK not in table(["A", "B"], rows)
    assert ASSAY_BLOCK not in facts([["Owner", "a\nb"]])


def test_record_text_cannot_open_an_assay_block() -> None:
    # The marker carries this process's secret: a record that writes the visible part of it
    # gets an HTML comment (removed by the sanitizer), never a pass-through block.
    forged = "<!--assay-block:0000-->\n<table><tr><td onclick=x>hi</td></tr></table>\n"
    out = markdown_to_html(forged, "papers/x.md")
    assert "onclick" not in out
    assert "assay-block" not in out


def test_raw_links_in_cells_point_at_built_pages_too() -> None:
    # The one difference from the Markdown form: a cell's raw `<a href="x.md">` is
    # rewritten like a Markdown link (markdown-it leaves raw HTML alone).
    out = markdown_to_html(table(["A"], [['<a href="y.md">raw</a>']]), "papers/x.md")
    assert 'href="../y/"' in out


def test_links_in_blocks_point_at_built_pages() -> None:
    made = table(["Record"], [[link_to("paper", "pape-1", "T")]])
    assert 'href="pape-1/"' in markdown_to_html(made, "papers/index.md")
    assert 'href="../../papers/pape-1/"' in markdown_to_html(made, "decisions/deci-1.md")
    assert 'href="../papers/pape-1.html"' in markdown_to_html(made, "decisions/deci-1.md", False)


def test_every_page_of_the_bundled_knowledge_base_reads_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pathlib import Path

    import generator.compute  # noqa: F401  (statistics for benchmark pages)
    import generator.render.markdown as markdown_mod
    import generator.render.pages as pages_mod
    import generator.render.records as records_mod
    from generator.kb import load_knowledge_base
    from generator.render.charts import ChartSink
    from generator.render.site import render_site

    kb = load_knowledge_base(Path(__file__).resolve().parent.parent, None)
    new = render_site(kb, ChartSink(None))
    for mod in (markdown_mod, pages_mod, records_mod):
        if hasattr(mod, "table"):
            monkeypatch.setattr(mod, "table", markdown_table)
        if hasattr(mod, "facts"):
            monkeypatch.setattr(mod, "facts", markdown_facts)
        if hasattr(mod, "bullets"):
            monkeypatch.setattr(mod, "bullets", lambda items: "".join(f"- {i}\n" for i in items))
    old = render_site(kb, ChartSink(None))
    assert sorted(new) == sorted(old) and len(new) > 40
    assert any(ASSAY_BLOCK in page for page in new.values())
    for src in old:
        assert markdown_to_html(new[src], src) == markdown_to_html(old[src], src), src


def test_a_cell_with_html_nested_too_deep_is_shown_as_text() -> None:
    deep = "<div>" * 5000 + "x"
    out = markdown_to_html(table(["A", "B"], [[deep, "<b>ok</b>"]]), "papers/x.md")
    assert "&lt;div&gt;" in out and "<b>ok</b>" in out
    assert out.count("<div>") == 0


def test_inline_fast_paths_write_what_markdown_it_writes() -> None:
    # Plain text and `**Label:** value` lines skip markdown-it's inline parser: on random
    # text over an alphabet rich in Markdown punctuation, the result must be markdown-it's.
    import random

    from markdown_it.common.utils import mdTrim

    from generator.render.html import _MD, inline_html

    rng = random.Random(7)
    alphabet = [*"aZ9 .,;:#$%+=^{}@-'\"/()?>\t", "é", "\u00a0", "\u3000", "%20"]
    special = list("\\`*_~[]!<&")
    for i in range(4000):
        pool = alphabet + (special if i % 4 == 0 else [])
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 24)))
        for candidate in (text, f"**Owner:** {text}", f"**Runs (n) 95%:**{text}"):
            expected = str(_MD.renderInline(mdTrim(candidate)))
            assert inline_html.__wrapped__(candidate) == expected, repr(candidate)


def test_tags_and_text_fast_path_writes_what_markdown_it_writes() -> None:
    # Lines of tags and text (Assay's badges and date spans in cells) skip markdown-it's
    # inline parser: on random mixtures of tags, near-tags, autolinks and text, the result
    # must be markdown-it's, and the fast path must really be taken for the common shapes.
    import random

    from markdown_it.common.utils import mdTrim

    from generator.render.html import _MD, _tags_and_text, inline_html

    rng = random.Random(11)
    pieces = [
        '<span class="assay-nw">',
        "</span>",
        '<a href="x.md">',
        "</a>",
        "<b>",
        "</ b >",
        "<br/>",
        "<img src=x onerror=alert(1)>",
        "<span title='a > b'>",
        '<x-y data-v="*[]`">',
        "<a:b>",
        "<mail@example.com>",
        "<!-- c -->",
        "<?pi?>",
        "<",
        ">",
        "< b>",
        "<b",
        "</>",
        "2024-01-01",
        " text ",
        "a\\b",
        "*",
        "&amp;",
        '"q"',
        "é",
        "\t",
    ]
    taken = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        expected = str(_MD.renderInline(mdTrim(text)))
        assert inline_html.__wrapped__(text) == expected, repr(text)
        assert inline_html.__wrapped__(text, True) == str(
            _MD.renderInline(mdTrim(text.replace("\\|", "|")))
        ), repr(text)
        taken += _tags_and_text(mdTrim(text)) is not None
    assert taken > 500
    assert _tags_and_text('<span class="assay-nw">2024-01-01</span>') is not None
    assert _tags_and_text("<a:b> x") is None  # an autolink: markdown-it's
