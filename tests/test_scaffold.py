"""`assay new`: templates per kind and status, W-PLACEHOLDER for what they leave to fill in,
and a new decision about an existing technique (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

import pytest
import yaml
from conftest import AS_OF

from generator.kb import analyse, compile_entries, load_knowledge_base
from generator.rules import placeholder
from generator.scaffold import STATUS_TEMPLATES, ScaffoldError, new_record, similar_technique

TEMPLATES = Path(__file__).resolve().parents[1] / "generator/templates/new"

#: Template values that are sensible defaults or examples of a shape, not prompts to
#: replace (a new template value must be added here or to placeholder.PLACEHOLDER_TEXTS).
DEFAULTS = {
    "inference", "ASSESS", "TRIAL", "ADOPT", "HOLD", "SKIP", "discovery", "validation",
    "integration", "closed", "needs-validation", "complexity", "YES", "latency-ms", "ms",
    "lower", "baseline", "candidate", "p99-latency", "<", "other", "process", "true",
    "false", "null", "0.05", "0.6", "1", "3", "5", "80", "90",
}  # fmt: skip


def _template_values(name: str) -> list[str]:
    source = (TEMPLATES / name).read_text("utf-8").replace("$supersedes_line\n", "")
    text = Template(source).substitute(
        title="T", technique="T", schema_path="s", today="2026-01-01", year=2026,
        in_two_weeks="2026-01-15", in_six_weeks="2026-02-12", in_three_months="2026-04-01",
    )  # fmt: skip
    data = yaml.load(text.split("---\n")[1], Loader=yaml.BaseLoader)
    out: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            out.append(v)

    walk(data)
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.md")))
def test_every_template_value_is_a_default_or_a_known_placeholder(name: str) -> None:
    for value in _template_values(name):
        if value in {"T", "s"} or re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d+(\.\d+)?|", value):
            continue
        known = value in placeholder.PLACEHOLDER_TEXTS or any(
            p in value for p in placeholder.PLACEHOLDER_PARTS
        )
        assert known or value in DEFAULTS, f"{name}: {value!r} is neither"


def _new_kb(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    return tmp_path


def _write(kb: Path, kind: str, title: str, **kw: object) -> tuple[Path, str | None]:
    loaded = load_knowledge_base(kb, AS_OF)
    return new_record(
        kb,
        kb / "content",
        kind,
        title,
        None,
        {e.id for e in loaded.entries},
        AS_OF,
        techniques=dict(loaded.graph.current),
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("kind", ["paper", "decision", "benchmark", "prediction", "postmortem"])
def test_each_fresh_template_warns_for_each_placeholder_and_nothing_else(
    tmp_path: Path, kind: str
) -> None:
    kb = _new_kb(tmp_path)
    path, _ = _write(kb, kind, f"A new {kind}")
    loaded = load_knowledge_base(kb, AS_OF)
    codes = {d.code for d in loaded.diagnostics}
    assert codes == {"W-PLACEHOLDER"}, loaded.diagnostics
    text = path.read_text()
    fields = {d.field for d in loaded.diagnostics}
    if "your-name" in text:
        assert "owner" in fields


def test_paper_placeholders_named_in_the_issue(tmp_path: Path) -> None:
    kb = _new_kb(tmp_path)
    _write(kb, "paper", "A paper")
    diags = [d for d in load_knowledge_base(kb, AS_OF).diagnostics if d.field != "body"]
    got = {(d.field, d.line) for d in diags}
    assert got == {("authors.0", 6), ("url", 9), ("summary", 14)}
    url = next(d for d in diags if d.field == "url")
    assert "0000.00000" in url.message and "the paper's URL" in url.message


@pytest.mark.parametrize("status", sorted(STATUS_TEMPLATES))
def test_decision_template_for_each_status_has_what_the_ring_requires(
    tmp_path: Path, status: str
) -> None:
    kb = _new_kb(tmp_path)
    path, _ = _write(kb, "decision", f"Something to {status.lower()}", status=status)
    assert f"status: {status}" in path.read_text()
    loaded = load_knowledge_base(kb, AS_OF)
    errors = [(d.code, d.field) for d in loaded.errors]
    if status == "ADOPT":  # its benchmark and runbook must exist: placeholders until then
        assert sorted(errors) == [("E-REF-MISSING", "benchmarks.0"), ("E-REF-MISSING", "runbook")]
    else:
        assert errors == []
    assert {d.code for d in loaded.warnings} == {"W-PLACEHOLDER"}


def test_new_decision_about_an_existing_technique_is_refused_with_the_command(
    tmp_path: Path,
) -> None:
    kb = _new_kb(tmp_path)
    _write(kb, "decision", "Speculative decoding")
    with pytest.raises(ScaffoldError) as exc:
        _write(kb, "decision", "Trial speculative decoding", status="TRIAL")
    message = str(exc.value)
    assert "'Speculative decoding' already has a decision (speculative-decoding)" in message
    assert 'assay new decision "Trial speculative decoding" --technique "Speculative decoding"' in (
        message
    )
    assert not (kb / "content/decisions/trial-speculative-decoding.md").exists()


def test_new_decision_with_the_technique_supersedes_the_current_one(tmp_path: Path) -> None:
    kb = _new_kb(tmp_path)
    _write(kb, "decision", "Speculative decoding")
    _, supersedes = _write(
        kb, "decision", "Trial speculative decoding", technique="Speculative decoding",
        status="TRIAL",
    )  # fmt: skip
    assert supersedes == "speculative-decoding"
    loaded = load_knowledge_base(kb, AS_OF)
    assert loaded.errors == []
    assert loaded.graph.current == {"Speculative decoding": "trial-speculative-decoding"}
    assert [(m.from_status, m.to_status) for m in loaded.graph.moves] == [("ASSESS", "TRIAL")]


def test_a_separate_technique_can_be_asked_for(tmp_path: Path) -> None:
    kb = _new_kb(tmp_path)
    _write(kb, "decision", "Speculative decoding")
    _, supersedes = _write(
        kb, "decision", "Trial speculative decoding", technique="Trial speculative decoding"
    )
    assert supersedes is None
    assert len(load_knowledge_base(kb, AS_OF).graph.current) == 2


@pytest.mark.parametrize(
    ("name", "existing", "expected"),
    [
        ("Trial speculative decoding", ["Speculative decoding"], "Speculative decoding"),
        ("speculative-decoding", ["Speculative decoding"], "Speculative decoding"),
        ("Speculative decodng", ["Speculative decoding"], "Speculative decoding"),
        ("Adopt FlashAttention for serving", ["FlashAttention"], "FlashAttention"),
        ("Speculative decoding", ["Speculative decoding"], None),  # the same: no notice
        ("LoRA fine-tuning", ["Speculative decoding"], None),
        ("Quantization", ["Quantization-aware training"], None),
    ],
)
def test_similar_technique(name: str, existing: list[str], expected: str | None) -> None:
    assert similar_technique(name, existing) == expected


def test_options_for_decisions_only(tmp_path: Path) -> None:
    kb = _new_kb(tmp_path)
    with pytest.raises(ScaffoldError, match="decisions only"):
        _write(kb, "paper", "A paper", status="TRIAL")


def test_placeholder_warns_on_records_with_schema_errors_too() -> None:
    raw = b"---\ntitle: A paper\nauthors: [First Author]\nyear: soon\n---\n"
    kb = analyse(compile_entries([("paper", "content/papers/p.md", raw, None)]), AS_OF)
    found = {(d.code, d.field) for d in kb.diagnostics}
    assert ("W-PLACEHOLDER", "authors.0") in found and ("E-SCHEMA", "year") in found


def test_cli_notes_a_separate_entry_close_to_an_existing_technique(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    kb = _new_kb(tmp_path)
    _write(kb, "decision", "Speculative decoding")
    result = CliRunner().invoke(
        main,
        ["new", "decision", "Trial it", "--technique", "speculative-decoding", "--root", str(kb)],
    )
    assert result.exit_code == 0, result.output
    assert "note: 'Speculative decoding' is an existing technique" in result.output
