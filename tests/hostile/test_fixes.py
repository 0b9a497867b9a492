"""Unit tests of the fixes for the attack findings (FINDINGS.md); the real-CLI reproducers
are in test_attacks_*.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.diagnostics import error, format_github, format_json, format_text

HOSTILE_KEY = "bogus\x1b]0;PWNED\x07\x1b[2J\n::error file=x::PWN\u2028\x9b31m"


def test_every_diagnostic_format_escapes_record_controls() -> None:
    """A4: a key holding ESC, BEL, CSI (U+009B), newline and U+2028 is printed escaped, in
    the text and GitHub formats and in the JSON strings."""
    diags = [error("content/papers/x.md", 3, 1, "E-UNKNOWN-KEY", HOSTILE_KEY, HOSTILE_KEY)]
    for fmt in (format_text, format_github):
        out = fmt(diags, 1)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", out), repr(out)
        assert not re.search(r"^::error file=x", out, re.M)
        assert "\\x1b]0;PWNED\\x07" in out  # shown, escaped, not dropped
    payload = json.loads(format_json(diags, 1))
    assert payload["errors"][0]["field"] == (
        "bogus\\x1b]0;PWNED\\x07\\x1b[2J\\x0a::error file=x::PWN\\u2028\\x9b31m"
    )


def test_cache_entries_without_this_machines_mac_are_misses() -> None:
    """A7: a cache entry (page HTML) written by someone else (no MAC, or a MAC under another
    key or another name) is a miss. Charts have no cache to plant into any more: they are
    drawn on every build (tests/test_charts.py: a planted `.assay-cache/charts/` file is
    never read)."""
    from generator.cacheauth import seal, unseal

    assert unseal("html/a", "<p>planted</p>") is None  # no MAC at all
    assert unseal("html/a", "0" * 64 + "\n<p>planted</p>") is None  # a MAC under another key
    assert unseal("html/a", seal("html/b", "x")) is None  # an entry moved to another name
    assert unseal("html/a", seal("html/a", "x")) == "x"


def test_record_look_alike_folders_and_pages_are_errors(tmp_path: Path) -> None:
    """A8: folders that read as a record folder (case, NFKC, spaces, punctuation, the
    singular) and record-shaped pages outside the record folders are E-RECORD-LOOKALIKE
    errors; ordinary maintainer folders and pages are not."""
    import shutil

    from conftest import VALID_ROOT

    from generator.kb import load_knowledge_base

    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    paper = (root / "content/papers/lora.md").read_text()
    planted = {
        "Papers/a.md": "# a\n",
        "ｐａｐｅｒｓ/b.md": "# b\n",
        "decisions /c.md": "# c\n",
        "guide/bench-marks/d.md": "# d\n",
        "paper/e.md": "# e\n",
        "papers.d/lora-v2.md": paper,
        "notes/ordinary.md": "---\ntitle: Notes\n---\n# Notes\n",
    }
    for rel, text in planted.items():
        (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / rel).write_text(text)
    kb = load_knowledge_base(root)
    # load.py reports a top-level folder that is a record folder's name up to case and NFKC
    # (E-UNSAFE-FILE); lookalike.py the rest (E-RECORD-LOOKALIKE). Both are errors.
    reported = [
        d
        for d in kb.diagnostics
        if d.code == "E-RECORD-LOOKALIKE"
        or (d.code == "E-UNSAFE-FILE" and "looks like the record folder" in d.message)
    ]
    assert all(d.severity == "error" for d in reported)
    found = {d.path for d in reported}
    assert found == {
        "content/Papers",
        "content/ｐａｐｅｒｓ",
        "content/decisions ",
        "content/guide/bench-marks",
        "content/paper",
        "content/papers.d/lora-v2.md",
    }


def test_charts_draw_a_bounded_number_of_runs() -> None:
    """A9: above MAX_DRAWN_RUNS runs a method's chart draws evenly spaced quantiles (min and
    max included); the mean and interval still come from every run."""
    import xml.etree.ElementTree as ET

    from generator.charts import MethodRuns, benchmark_chart
    from generator.charts.thin import MAX_DRAWN_RUNS, drawn_runs

    SVG = "{http://www.w3.org/2000/svg}"

    assert drawn_runs([3.0, 1.0, 2.0]) == [3.0, 1.0, 2.0]  # few runs: all, as given
    many = [float((i * 7919) % 20_000) for i in range(20_000)]  # 0 … 19,999, shuffled
    drawn = drawn_runs(many)
    assert len(drawn) == MAX_DRAWN_RUNS and drawn == sorted(drawn)
    assert (drawn[0], drawn[-1]) == (0.0, 19_999.0)
    assert drawn[MAX_DRAWN_RUNS // 2] == pytest.approx(10_000, abs=30)  # the median kept

    svg = benchmark_chart(
        "ms",
        None,
        "lower",
        [MethodRuns("a", many, True, 9_999.5, (9_919.5, 10_079.5)), MethodRuns("b", many)],
    )
    root = ET.fromstring(svg)
    assert sum(1 for c in root.iter(f"{SVG}circle") if c.get("class") == "assay-run") == (
        2 * MAX_DRAWN_RUNS
    )
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "a (baseline): mean 10000, 95% CI 9920 to 10080, 20000 run(s) (500 drawn" in (desc.text)
    assert f"{MAX_DRAWN_RUNS} of 20000 runs drawn" in "".join(root.itertext())


def test_macro_output_encodes_custom_marker_characters() -> None:
    """A5: the first character of every custom mkdocs-macros start marker is encoded in
    Assay's macro output; a marker that could be HTML markup is refused."""
    from generator.macros import MacroMarkerError, marker_characters

    def config(**options: str) -> dict[str, object]:
        return {"plugins": ["search", {"macros": {"render_by_default": False, **options}}]}

    assert marker_characters(config()) == ""
    assert marker_characters({"plugins": ["macros"]}) == ""
    assert marker_characters(config(j2_variable_start_string="{[")) == ""  # braces: encoded
    chars = marker_characters(
        config(
            j2_variable_start_string="[[", j2_block_start_string="(%", j2_comment_start_string="[#"
        )
    )
    assert sorted(chars) == ["(", "["]
    for bad in ("<<", "&&", "aa", "##"):
        with pytest.raises(MacroMarkerError, match="j2_block_start_string"):
            marker_characters(config(j2_block_start_string=bad))


def test_symlinks_planted_in_the_cache_folder_are_refused(tmp_path: Path) -> None:
    """Found while fixing A7: `.assay-cache/` comes with the pull request, symbolic links
    included. A linked `html/<xx>` folder made the build write page HTML into the link's
    target and prune (delete) every other `*.html` file there. The build now refuses a
    cache folder holding a link, naming it, and touches nothing through it."""
    import shutil

    from click.testing import CliRunner
    from conftest import VALID_ROOT

    from generator.cli import main

    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    args = [
        "build",
        "--root",
        str(root),
        "--site-dir",
        str(tmp_path / "site"),
        "--as-of",
        "2026-11-25",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.html").write_text("keep me")
    cache = root / ".assay-cache/html"
    for pack in cache.iterdir():  # the pack, and a folder as earlier versions kept entries in
        pack.unlink()
        pack.symlink_to(outside / "victim.html")
    (cache / "ab").symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert ".assay-cache/html/" in result.output and "symbolic link" in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in outside.iterdir()] == ["victim.html"]
    assert (outside / "victim.html").read_text() == "keep me"
    assert (tmp_path / "site/index.html").exists()  # the previous site is kept


def test_stats_and_radar_output_escape_record_controls(tmp_path: Path) -> None:
    """A4 beyond `check`: method and technique names reach `assay stats` and `assay radar`
    (text and JSON) with their control characters escaped; JSON still reads back."""
    import shutil

    from click.testing import CliRunner
    from conftest import VALID_ROOT

    from generator.cli import main

    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    evil = "\\e]0;PWN\\a\\u009b2J\\u2028::error::x"
    for path in (root / "content/decisions").glob("flash-attention-*.md"):
        path.write_text(
            path.read_text().replace("technique: FlashAttention", f'technique: "FA{evil}"')
        )
    bench = root / "content/benchmarks/fa-latency.md"
    bench.write_text(bench.read_text().replace("name: flash-attn-2", f'name: "flash{evil}"'))
    controls = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
    for args in (
        ["radar"],
        ["radar", "--format", "json"],
        ["stats", "fa-latency"],
        ["stats", "fa-latency", "--format", "json"],
    ):
        result = CliRunner().invoke(main, [*args, "--root", str(root)])
        assert result.exit_code == 0, result.output
        assert not controls.search(result.output), (args, repr(result.output[:300]))
        assert not re.search(r"^::", result.output, re.M)
        if "json" in args:
            strings: list[str] = []
            stack = [json.loads(result.output)]  # the values read back as written
            while stack:
                node = stack.pop()
                if isinstance(node, str):
                    strings.append(node)
                elif isinstance(node, dict | list):
                    stack += node.values() if isinstance(node, dict) else node
            assert any("\x1b]0;PWN\x07\x9b2J\u2028" in v for v in strings)
