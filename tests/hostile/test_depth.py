"""Depth: deeply nested YAML and Markdown must give a diagnostic or inert output in
bounded time, never a RecursionError (SPEC §7: nesting depth is bounded)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_kb import assert_clean_exit, build, check_json, make_kb

FRONT = "---\ntitle: Deep nesting\nauthors: [A]\nyear: 2021\nurl: https://example.org/x\n"
FRONT += "read_on: 2026-01-10\npass: 1\nrelevance: 3\nsummary: Deep.\nverdict: probably-not\n"

YAML_CASES = {
    "flow-sequences": "venue: " + "[" * 990 + "]" * 990 + "\n",
    "flow-mappings": "venue: " + "{a: " * 990 + "b" + "}" * 990 + "\n",
    "block-mappings": "venue:\n" + "".join(" " * i + "a:\n" for i in range(1, 400)) + " " * 400 + "b\n",
    "block-sequences": "authors:\n" + "".join(" " * i + "-\n" for i in range(0, 400)) + " " * 400 + "x\n",
    "tags-list": "tags: " + "[" * 5000 + "]" * 5000 + "\n",
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_deep_yaml_is_a_diagnostic(tmp_path: Path, case: str) -> None:
    """Needs the depth bound in parse.py (branch `diag`)."""
    root = make_kb(tmp_path)
    front = FRONT
    if case in ("block-sequences",):
        front = front.replace("authors: [A]\n", "")
    (root / "content/papers/deep.md").write_text(front + YAML_CASES[case] + "---\n")
    result, diags = check_json(root)
    assert result.code == 1
    mine = [d for d in diags if d["path"] == "content/papers/deep.md"]
    assert mine and all(d["severity"] == "error" for d in mine)
    built = build(root, tmp_path / "site")
    assert_clean_exit(built)
    assert built.code == 1


def _record(body: str) -> str:
    return FRONT + "---\n" + body


MARKDOWN_CASES = {
    "nested-lists-2sp": "".join("  " * i + "- x\n" for i in range(300)),
    "nested-lists-4sp": "".join("    " * i + "- x\n" for i in range(300)),
    "nested-ordered": "".join("   " * i + "1. x\n" for i in range(300)),
    "blockquotes": ">" * 5000 + " x\n",
    "blockquote-lines": "".join(">" * i + " x\n" for i in range(1, 400)),
    "brackets": "[" * 20000 + "x" + "]" * 20000 + "\n",
    "emphasis": "*" * 20000 + "x" + "*" * 20000 + "\n",
    "html-nesting": "<div>" * 5000 + "x" + "</div>" * 5000 + "\n",
    "list-in-quote": "".join("> " * i + "- x\n" for i in range(1, 300)),
}


def test_deep_markdown_builds_inert(tmp_path: Path) -> None:
    """Needs record bodies rendered by markdown-it-py with bounded nesting (branch `core`):
    Python-Markdown recurses on some of these."""
    root = make_kb(tmp_path)
    for name, body in MARKDOWN_CASES.items():
        (root / f"content/papers/deep-{name}.md").write_text(_record(body))
    result, diags = check_json(root)
    assert result.code == 0, diags
    site = tmp_path / "site"
    built = build(root, site, timeout=120)
    assert_clean_exit(built)
    assert built.code == 0, built.text
    for name in MARKDOWN_CASES:
        page = site / f"papers/deep-{name}/index.html"
        assert page.is_file()
        assert "<script" not in page.read_text().split("<article", 1)[-1].split("</article>")[0]
