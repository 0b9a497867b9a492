"""The command line as a user meets it: exit codes, output formats, `new`, `schema`, help."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shutil.copytree(VALID_ROOT, tmp_path / "kb")
    return tmp_path / "kb"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_check_clean(kb: Path) -> None:
    code, out = run("check", "--root", str(kb), "--as-of", "2026-11-25")
    assert code == 0
    assert out.strip() == "0 errors, 0 warnings in 9 records"


def _break(kb: Path) -> Path:
    path = kb / "content/decisions/flash-attention-adopt.md"
    path.write_text(path.read_text().replace("status: ADOPT", "status: Adopt"))
    return path


def test_check_text_reports_file_line_col(kb: Path) -> None:
    _break(kb)
    code, out = run("check", "--root", str(kb), "--as-of", "2026-11-25")
    assert code == 1
    first, hint, summary = out.strip().split("\n")
    assert hint == "each code is explained in guide/rules.md, e.g. guide/rules.md#e-schema"
    assert first.startswith(
        "content/decisions/flash-attention-adopt.md:6:9: error[E-SCHEMA] status: "
    )
    assert "'ADOPT'" in first and "got 'Adopt'" in first
    assert summary == "1 error, 0 warnings in 9 records"


def test_check_github_format(kb: Path) -> None:
    _break(kb)
    code, out = run("check", "--root", str(kb), "--format", "github", "--as-of", "2026-11-25")
    assert code == 1
    assert out.startswith(
        "::error file=content/decisions/flash-attention-adopt.md,line=6,col=9,title=E-SCHEMA status::"
    )
    assert "%0A%0AWhy this rule: guide/rules.md#e-schema" in out.split("\n")[0]


def test_check_json_format(kb: Path) -> None:
    _break(kb)
    code, out = run("check", "--root", str(kb), "--format", "json", "--as-of", "2026-11-25")
    payload = json.loads(out)
    assert code == 1
    assert payload["records"] == 9 and payload["warnings"] == []
    (diag,) = payload["errors"]
    assert set(diag) == {"path", "line", "col", "severity", "code", "field", "message"}
    assert (diag["line"], diag["col"], diag["field"]) == (6, 9, "status")


def test_strict_turns_warnings_into_errors(kb: Path) -> None:
    assert run("check", "--root", str(kb), "--as-of", "2027-06-01")[0] == 0  # warnings only
    code, out = run("check", "--root", str(kb), "--as-of", "2027-06-01", "--strict")
    assert code == 1 and "error[W-PREDICTION-DUE]" in out


def test_check_given_paths_uses_whole_kb_as_context(kb: Path) -> None:
    runbook = kb / "content/runbooks/fa-runbook.md"
    code, out = run("check", str(runbook), "--root", str(kb), "--as-of", "2026-11-25")
    assert code == 0 and out.strip() == "0 errors, 0 warnings in 1 record"
    _break(kb)
    assert run("check", str(runbook), "--root", str(kb), "--as-of", "2026-11-25")[0] == 0


def test_usage_errors_exit_2(tmp_path: Path, kb: Path) -> None:
    assert run("check", "--root", str(tmp_path))[0] == 2  # no content/ folder
    assert run("check", "--format", "xml", "--root", str(kb))[0] == 2
    assert run("check", str(kb / "nope.md"), "--root", str(kb))[0] == 2


def test_new_writes_a_record_that_checks_clean(kb: Path) -> None:
    for kind in ("paper", "decision", "benchmark", "prediction", "postmortem"):
        code, out = run("new", kind, f"Speculative decoding {kind}", "--root", str(kb))
        assert code == 0, out
    path = kb / "content/papers/speculative-decoding-paper.md"
    text = path.read_text()
    assert text.startswith("---\n# yaml-language-server: $schema=../../schemas/paper.schema.json\n")
    assert run("check", "--root", str(kb))[0] == 0


def test_new_runbook_names_its_missing_decision(kb: Path) -> None:
    assert run("new", "runbook", "Operate drafts", "--root", str(kb))[0] == 0
    code, out = run("check", "--root", str(kb))
    assert code == 1 and "E-REF-MISSING" in out and "operate-drafts.md" in out


def test_new_refuses_to_overwrite(kb: Path) -> None:
    assert run("new", "paper", "LoRA", "--root", str(kb), "--id", "lora")[0] == 1
    assert "lora" in (kb / "content/papers/lora.md").read_text().lower()
    assert run("new", "decision", "Same id other kind", "--id", "lora", "--root", str(kb))[0] == 1
    assert run("new", "paper", "!!!", "--root", str(kb))[0] == 1  # no id derivable
    assert run("new", "paper", "A title", "--id", "Bad Id", "--root", str(kb))[0] == 1


def test_new_quotes_titles_safely(kb: Path) -> None:
    title = 'Colons: "quotes", #hash and {{ jinja }}'
    assert run("new", "prediction", title, "--root", str(kb))[0] == 0
    (path,) = (kb / "content/predictions").glob("colons-*.md")
    from generator.parse import parse_record

    assert parse_record(path.read_bytes(), "x").data["title"] == title  # type: ignore[index]


def test_new_derives_ids_from_accented_titles(kb: Path) -> None:
    # Found by a new user: 'für' became 'f-r' (accented letters were dropped as punctuation).
    from generator.scaffold import derive_id

    assert derive_id("Über-schnelle Attention für LLMs") == "uber-schnelle-attention-fur-llms"
    assert derive_id("Straße, Œuvre, Łódź, naïve café") == "strasse-oeuvre-lodz-naive-cafe"
    code, out = run("new", "decision", "Évaluer ColBERT", "--root", str(kb))
    assert code == 0, out
    assert (kb / "content/decisions/evaluer-colbert.md").is_file()


def test_schema_files_are_current() -> None:
    code, out = run("schema", "--check", "--root", str(REPO))
    assert code == 0, out


def test_schema_check_detects_stale(tmp_path: Path) -> None:
    assert run("schema", "--check", "--out", str(tmp_path))[0] == 1
    assert run("schema", "--out", str(tmp_path))[0] == 0
    assert run("schema", "--check", "--out", str(tmp_path))[0] == 0
    doc = json.loads((tmp_path / "decision.schema.json").read_text())
    assert doc["properties"]["status"]["enum"] == ["ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP"]
    assert "pass" in json.loads((tmp_path / "paper.schema.json").read_text())["properties"]


def test_every_command_has_help() -> None:
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert command.help and len(command.help) > 20, name
        assert run(name, "--help")[0] == 0


def test_due_and_radar(kb: Path) -> None:
    code, out = run("due", "--root", str(kb), "--as-of", "2027-06-01")
    assert code == 0 and "W-PREDICTION-DUE" in out and "fa-default.md" in out
    code, out = run("radar", "--root", str(kb), "--format", "json")
    rows = json.loads(out)
    assert [(r["technique"], r["ring"]) for r in rows] == [("FlashAttention", "ADOPT")]
    assert rows[0]["last_move"]["from"] == "ASSESS"


def test_every_command_is_documented() -> None:
    docs = (REPO / "docs/cli.md").read_text()
    assert isinstance(main, click.Group)
    for name in main.commands:
        assert f"## assay {name}\n" in docs, name
