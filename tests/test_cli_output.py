"""What `assay radar` and `assay stats --predictions` print (issue 12, fault 6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.terminal import printable

LONG = "Speculative decoding with a distilled draft model on the chat endpoint (EAGLE-2 variant)"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shutil.copytree(VALID_ROOT, tmp_path / "kb")
    return tmp_path / "kb"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _retitle_technique(kb: Path, technique: str) -> None:
    for name in ("flash-attention-assess.md", "flash-attention-adopt.md"):
        path = kb / "content/decisions" / name
        path.write_text(
            path.read_text().replace("technique: FlashAttention", f"technique: {technique}")
        )


def test_radar_wraps_long_names_instead_of_cutting_them(kb: Path) -> None:
    _retitle_technique(kb, json.dumps(LONG))
    code, out, _ = invoke("radar", "--root", str(kb))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "ring",
        "technique",
        "area",
        "stage",
        "owner",
        "next",
        "action",
        "last",
        "move",
    ]
    # Every word of the name is printed, in order, over the row's lines in the technique column.
    start = lines[0].index("technique")
    column = " ".join(line[start:].split("  ")[0].strip() for line in lines[1:])
    assert column == LONG
    assert all(len(line) < 200 for line in lines)
    assert "ADOPT" in lines[1] and "ASSESS→ADOPT 2026-05-01" in lines[1]


def test_radar_shows_escape_sequences_instead_of_sending_them(kb: Path) -> None:
    _retitle_technique(kb, '"Flash\\e[2J\\u202eAttention"')
    code, out, _ = invoke("radar", "--root", str(kb))
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    assert "Flash\\x1b[2J\\u202eAttention" in out


def test_printable_keeps_ordinary_text() -> None:
    assert printable("Café → 50 % · 注意力") == "Café → 50 % · 注意力"
    assert printable("a\x00b\x7fc\x85d\u200be") == "a\\x00b\\x7fc\\x85d\\u200be"


def test_stats_predictions_for_an_unknown_owner_fails_and_says_so(kb: Path) -> None:
    code, out, err = invoke("stats", "--predictions", "--owner", "nobody", "--root", str(kb))
    assert code == 1
    assert out == ""
    assert err == "error: no predictions match --owner 'nobody' (owners: priya, sam)\n"
    code, out, err = invoke(
        "stats", "--predictions", "--tag", "nope", "--format", "json", "--root", str(kb)
    )
    assert code == 1
    assert json.loads(out)["n"] == 0  # scripts still get the document
    assert err.startswith("error: no predictions match --tag 'nope' (tags: ")


def test_stats_predictions_for_a_known_owner_still_works(kb: Path) -> None:
    code, out, _ = invoke("stats", "--predictions", "--owner", "priya", "--root", str(kb))
    assert code == 0
    assert out.startswith("Predictions: 1 total")


def test_stats_predictions_of_an_empty_knowledge_base(kb: Path) -> None:
    for path in (kb / "content/predictions").glob("*.md"):
        path.unlink()
    code, out, _ = invoke("stats", "--predictions", "--root", str(kb))
    assert (code, out) == (
        0,
        "no predictions in the knowledge base yet; 'assay new prediction TITLE'\n",
    )
