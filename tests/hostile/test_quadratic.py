"""Quadratic input: record text that makes a naive Markdown parser take quadratic time.
A record of at most 1 MiB must build in bounded time whatever it contains (SPEC §7): the
timeout below is generous for a linear renderer and hours short of a quadratic one."""

from __future__ import annotations

from pathlib import Path

from hostile_kb import assert_clean_exit, build, check_json, make_kb

FRONT = "---\ntitle: Quadratic {n}\nauthors: [A]\nyear: 2021\nurl: https://example.org/x\n"
FRONT += "read_on: 2026-01-10\npass: 1\nrelevance: 3\nsummary: Slow.\nverdict: probably-not\n---\n"
LIMIT = 1024 * 1024 - 512

PATTERNS = {
    "link-openers": "[a](",
    "link-brackets": "[a]",
    "image-openers": "![a](",
    "emphasis-runs": "*a_",
    "backticks": "`a``",
    "angle": "<a ",
    "entities": "&#x",
    "autolinks": "<http://a",
    "reference-defs": "[a]: <",
    "html-comment": "<!--",
    "table-pipes": "|a",
}


def _fill(pattern: str, size: int) -> str:
    return pattern * (size // len(pattern))


def test_quadratic_patterns_build_in_bounded_time(tmp_path: Path) -> None:
    """Needs record bodies rendered by markdown-it-py (branch `core`); Python-Markdown took
    34 s on 48 KiB of '[a](' and grows quadratically."""
    root = make_kb(tmp_path)
    for i, (name, pattern) in enumerate(PATTERNS.items()):
        head = FRONT.format(n=i)
        (root / f"content/papers/quad-{name}.md").write_text(
            head + _fill(pattern, LIMIT - len(head)) + "\n"
        )
    result, diags = check_json(root)
    assert result.code == 0, diags
    site = tmp_path / "site"
    built = build(root, site, timeout=180)
    assert_clean_exit(built)
    assert built.code == 0, built.text
    assert (site / "papers/quad-link-openers/index.html").is_file()


def test_quadratic_front_matter_checks_in_bounded_time(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    keys = "".join(f"k{i}: v\n" for i in range(60_000))
    (root / "content/papers/many-keys.md").write_text("---\ntitle: Keys\n" + keys + "---\n")
    long_scalar = "summary: " + "a " * 400_000 + "\n"
    (root / "content/papers/long-scalar.md").write_text(
        FRONT.format(n=1).replace("summary: Slow.\n", long_scalar)
    )
    result, diags = check_json(root)
    assert result.code == 1
    codes = {d["code"] for d in diags if d["path"] == "content/papers/many-keys.md"}
    assert "E-UNKNOWN-KEY" in codes or "E-TOO-LARGE" in codes
