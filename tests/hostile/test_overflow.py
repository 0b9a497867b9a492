"""Overflow: dates and day counts at the edges of the calendar, huge integers and floats.
Every case is a located diagnostic (or a usage error for a bad option), never an
OverflowError traceback — through `check`, `due`, `radar`, `stats` and `build`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_kb import assay, assert_clean_exit, build, check_json, codes_at, make_kb

HUGE = "1" + "0" * 400

# (record file, regex to replace, replacement, field with the diagnostic)
CASES = {
    "review-every-days": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", "last_reviewed: 2026-10-01\nreview_every_days: 3000000", "review_every_days",
    ),
    "review-every-days-huge": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", f"last_reviewed: 2026-10-01\nreview_every_days: {HUGE}", "review_every_days",
    ),
    "review-every-days-negative": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", f"last_reviewed: 2026-10-01\nreview_every_days: -{HUGE}", "review_every_days",
    ),
    "last-reviewed-9999": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", "last_reviewed: 9999-12-31", "last_reviewed",
    ),
    "last-reviewed-year-1": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", "last_reviewed: 0001-01-01", "last_reviewed",
    ),
    "year-five-digits": (
        "runbooks/fa-runbook.md", r"last_reviewed: .*", "last_reviewed: 10000-01-01", "last_reviewed",
    ),
    "paper-year-huge": ("papers/lora.md", r"year: .*", f"year: {HUGE}", "year"),
    "paper-year-float": ("papers/lora.md", r"year: .*", "year: 1e400", "year"),
    "paper-read-on-max": ("papers/lora.md", r"read_on: .*", "read_on: 9999-12-31", "read_on"),
    "revisit-max": (
        "decisions/flash-attention-assess.md", r"revisit_on: .*", "revisit_on: 9999-12-31", "revisit_on",
    ),
    "due-max": (
        "decisions/flash-attention-assess.md", r"due: 2025-07-01", "due: 9999-12-31", "next_action.due",
    ),
    "decided-min": (
        "decisions/flash-attention-assess.md", r"decided_on: .*", "decided_on: 0001-01-01", "decided_on",
    ),
    "timebox-9999": (
        "decisions/flash-attention-assess.md", r"revisit_on: .*",
        "revisit_on: 2025-09-01\ntime_box: {start: 9999-12-30, end: 9999-12-31}", "time_box.start time_box.end",
    ),
    "prediction-resolve-max": (
        "predictions/fa-default.md", r"resolve_on: .*", "resolve_on: 9999-12-31", "resolve_on",
    ),
    "probability-underflow": (
        "predictions/fa-default.md", r"probability: .*", "probability: 1e-400", "probability",
    ),
    "probability-huge": (
        "predictions/fa-default.md", r"probability: .*", f"probability: {HUGE}", "probability",
    ),
    "postmortem-action-due-max": (
        "postmortems/custom-attention.md", r"due: 2025-12-01, done: true", "due: 9999-12-31, done: false", "actions.0.due",
    ),
    "timeline-min": (
        "postmortems/custom-attention.md", r"\{on: 2025-07-01", "{on: 0001-01-01", "timeline.0.on",
    ),
    "cost-weeks-huge": (
        "decisions/flash-attention-adopt.md", r"implementation_weeks: .*", "implementation_weeks: 1e308", "cost_benefit.implementation_weeks",
    ),
    "cost-int-huge": (
        "decisions/flash-attention-adopt.md", r"monthly_benefit: .*", f"monthly_benefit: {HUGE}", "cost_benefit.monthly_benefit",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_range_value_is_a_diagnostic(tmp_path: Path, case: str) -> None:
    rel, pattern, replacement, field = CASES[case]
    root = make_kb(tmp_path)
    path = root / "content" / rel
    text = path.read_text()
    new = re.sub(pattern, lambda m: replacement, text, count=1)
    assert new != text
    path.write_text(new)
    result, diags = check_json(root)
    assert result.code == 1
    mine = [d for d in diags if d["path"] == f"content/{rel}" and d["severity"] == "error"]
    assert [d["field"] for d in mine] == field.split(), diags
    assert mine[0]["code"] == "E-SCHEMA"
    assert_clean_exit(assay("due", "--root", str(root)))
    built = build(root, tmp_path / "site")
    assert_clean_exit(built)
    assert built.code == 1


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-30", "9999-12-31", "9999-12-01"])
def test_as_of_at_the_edges_is_a_usage_error(tmp_path: Path, day: str) -> None:
    root = make_kb(tmp_path)
    for command in ("check", "due", "build"):
        result = assay(command, "--root", str(root), "--as-of", day)
        assert_clean_exit(result)
        assert result.code == 2
        assert "--as-of" in result.err


def test_as_of_at_the_limits_of_the_range_works(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    for day in ("1900-01-01", "2999-12-31"):
        result = assay("due", "--root", str(root), "--as-of", day)
        assert_clean_exit(result)
        assert result.code == 0
    result = assay("check", "--root", str(root), "--as-of", "1900-01-01")
    assert_clean_exit(result)  # every record is "in the future" then: errors, not a crash


def test_largest_valid_interval_at_the_last_day(tmp_path: Path) -> None:
    """The largest values the schema accepts, combined, still compute without overflow."""
    root = make_kb(tmp_path)
    path = root / "content/runbooks/fa-runbook.md"
    path.write_text(
        path.read_text().replace(
            "last_reviewed: 2026-10-01", "last_reviewed: 2026-10-01\nreview_every_days: 3660"
        )
    )
    assess = root / "content/decisions/flash-attention-assess.md"
    assess.write_text(
        assess.read_text().replace(
            "revisit_on: 2025-09-01",
            "revisit_on: 2999-12-31\ntime_box: {start: 1900-01-01, end: 2999-12-31}",
        )
    )
    result, diags = check_json(root)
    assert result.code == 0, diags
    assert codes_at(diags, "content/runbooks/fa-runbook.md") == set()
    built = build(root, tmp_path / "site")
    assert_clean_exit(built)
    assert built.code == 0, built.text


def test_benchmark_runs_at_the_float_limits(tmp_path: Path) -> None:
    """Runs near the largest float: statistics stay finite or say why (no traceback)."""
    root = make_kb(tmp_path)
    path = root / "content/benchmarks/fa-latency.md"
    text = path.read_text()
    text = text.replace(
        "[101.2, 99.8, 100.5, 102.0, 100.9]", "[1e308, -1e308, 1.7e308, 1e-320, 5e-324]"
    )
    path.write_text(text)
    result, _ = check_json(root)
    stats = assay("stats", "fa-latency", "--root", str(root), "--format", "json")
    assert_clean_exit(stats)
    built = build(root, tmp_path / "site")
    assert_clean_exit(built)
    assert result.code in (0, 1)
