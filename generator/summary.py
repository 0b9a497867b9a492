"""`assay summary`: what a pull request changes, computed by comparing two knowledge bases.

`summarize` is pure: it takes the base and the working tree's knowledge bases and the paths
git reports as changed, and returns a `Summary` — records added / changed / removed, radar
moves, the verdicts of new or changed benchmarks, predictions resolved with the calibration
they move, and the diagnostics the change introduces or fixes. `to_markdown` writes it for a
GitHub job summary, `to_json` for scripts. Reading the base with git is `gitbase.py`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import compute
from .diagnostics import Diagnostic
from .model import Entry, KnowledgeBase
from .radar import radar_rows
from .schema import Benchmark, Prediction
from .terminal import printable

#: At most this many rows are listed per table in Markdown (the counts stay exact, JSON has
#: everything): GitHub refuses a job summary over 1 MiB, and `assay check` prints them all.
MAX_LISTED = 100
#: Longest text shown in one Markdown cell (an invalid record's title can be any length).
MAX_CELL = 300


@dataclass(frozen=True)
class RecordChange:
    change: str  # added · changed · removed
    kind: str
    id: str
    path: str
    title: str
    valid: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "kind": self.kind,
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "valid": self.valid,
        }


@dataclass(frozen=True)
class RadarPosition:
    ring: str
    stage: str
    decision: str

    def to_json(self) -> dict[str, str]:
        return {"ring": self.ring, "stage": self.stage, "decision": self.decision}


@dataclass(frozen=True)
class RadarMove:
    """A technique's current decision before and after (None: not on the radar)."""

    technique: str
    area: str
    before: RadarPosition | None
    after: RadarPosition | None

    def to_json(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "area": self.area,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
        }


@dataclass(frozen=True)
class Verdict:
    metric: str
    method: str
    baseline: str
    verdict: str
    verdict_before: str | None  # None: the comparison is new (or the base record was invalid)
    rel_diff: float | None
    rel_diff_ci: tuple[float | None, float | None]
    p_holm: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "method": self.method,
            "baseline": self.baseline,
            "verdict": self.verdict,
            "verdict_before": self.verdict_before,
            "rel_diff": self.rel_diff,
            "rel_diff_ci": list(self.rel_diff_ci),
            "p_holm": self.p_holm,
        }


@dataclass(frozen=True)
class BenchmarkVerdicts:
    id: str
    title: str
    change: str  # added · changed
    comparisons: tuple[Verdict, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "change": self.change,
            "comparisons": [c.to_json() for c in self.comparisons],
        }


@dataclass(frozen=True)
class Resolution:
    id: str
    title: str
    owner: str
    probability: float
    outcome: str
    outcome_before: str | None  # a resolution changed by the pull request

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "probability": self.probability,
            "outcome": self.outcome,
            "outcome_before": self.outcome_before,
        }


@dataclass(frozen=True)
class Calibration:
    """One owner's (or everyone's, owner None) scored predictions and Brier score, before and
    after the pull request."""

    owner: str | None
    n_before: int
    n_after: int
    brier_before: float | None
    brier_after: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "n_scored_before": self.n_before,
            "n_scored_after": self.n_after,
            "brier_before": self.brier_before,
            "brier_after": self.brier_after,
        }


@dataclass
class Summary:
    base_ref: str
    base_commit: str
    as_of: str
    records: int
    changes: list[RecordChange] = field(default_factory=list)
    radar: list[RadarMove] = field(default_factory=list)
    benchmarks: list[BenchmarkVerdicts] = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    calibration: list[Calibration] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    new_diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: int = 0

    def to_json(self) -> dict[str, Any]:
        def diag(d: Diagnostic) -> dict[str, Any]:
            return {
                "path": d.path,
                "line": d.line,
                "col": d.col,
                "severity": d.severity,
                "code": d.code,
                "field": d.field,
                "message": d.message,
            }

        return {
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "as_of": self.as_of,
            "records": self.records,
            "changes": {
                what: [c.to_json() for c in self.changes if c.change == what]
                for what in ("added", "changed", "removed")
            },
            "radar_moves": [m.to_json() for m in self.radar],
            "benchmarks": [b.to_json() for b in self.benchmarks],
            "predictions_resolved": [r.to_json() for r in self.resolved],
            "calibration": [c.to_json() for c in self.calibration],
            "diagnostics": {
                "errors": self.errors,
                "warnings": self.warnings,
                "new_errors": [diag(d) for d in self.new_diagnostics if d.severity == "error"],
                "new_warnings": [diag(d) for d in self.new_diagnostics if d.severity == "warning"],
                "fixed": self.fixed,
            },
        }


def _title(e: Entry) -> str:
    if e.record is not None:
        return e.record.title
    data = e.parsed.data or {}
    title = data.get("title")
    return title if isinstance(title, str) and title.strip() else e.id


def _diag_key(d: Diagnostic) -> tuple[str, str, str, str, str]:
    # Lines move when a file is edited; the same problem keeps its code, field and message.
    return (d.path, d.severity, d.code, d.field, d.message)


def _radar(base: KnowledgeBase, head: KnowledgeBase) -> list[RadarMove]:
    def positions(kb: KnowledgeBase) -> dict[str, tuple[str, RadarPosition]]:
        return {
            r["technique"]: (r["area"], RadarPosition(r["ring"], r["stage"], r["id"]))
            for r in radar_rows(kb)
        }

    before, after = positions(base), positions(head)
    moves = []
    for technique in sorted(before.keys() | after.keys()):
        b, a = before.get(technique), after.get(technique)
        if b is None or a is None or b[1] != a[1]:
            area = (a or b or ("", None))[0]
            moves.append(RadarMove(technique, area, b[1] if b else None, a[1] if a else None))
    return moves


def _benchmarks(
    base: KnowledgeBase, head: KnowledgeBase, changes: list[RecordChange]
) -> list[BenchmarkVerdicts]:
    out = []
    base_by_path = {e.path: e for e in base.entries}
    for c in changes:
        if c.kind != "benchmark" or c.change == "removed":
            continue
        entry = next(e for e in head.entries if e.path == c.path)
        if not isinstance(entry.record, Benchmark):
            continue  # invalid: its errors are listed
        before: dict[tuple[str, str], str] = {}
        old = base_by_path.get(c.path)
        if old is not None and isinstance(old.record, Benchmark):
            for comp in compute.benchmark_stats(old.id, old.record).comparisons:
                before[(comp.metric, comp.method)] = comp.verdict
        stats = compute.benchmark_stats(entry.id, entry.record)
        out.append(
            BenchmarkVerdicts(
                entry.id,
                entry.record.title,
                c.change,
                tuple(
                    Verdict(
                        comp.metric,
                        comp.method,
                        comp.baseline,
                        comp.verdict,
                        before.get((comp.metric, comp.method)),
                        comp.rel_diff,
                        comp.rel_diff_ci,
                        comp.p_holm,
                    )
                    for comp in stats.comparisons
                ),
            )
        )
    return out


def _outcome(value: object) -> str:
    return str(value).lower()  # True → "true", as the record writes it


def _predictions(
    base: KnowledgeBase, head: KnowledgeBase
) -> tuple[list[Resolution], list[Calibration]]:
    before = {e.id: e.record for e in base.of_kind("prediction")}
    resolved = []
    for e in head.of_kind("prediction"):
        p = e.record
        assert isinstance(p, Prediction)
        if p.resolution is None:
            continue
        old = before.get(e.id)
        old_outcome = (
            _outcome(old.resolution.outcome)
            if isinstance(old, Prediction) and old.resolution is not None
            else None
        )
        outcome = _outcome(p.resolution.outcome)
        if old_outcome == outcome:
            continue
        resolved.append(Resolution(e.id, p.title, p.owner, p.probability, outcome, old_outcome))
    calibration = []
    if resolved:
        for owner in [None, *sorted({r.owner for r in resolved})]:
            b = compute.prediction_stats(base, owner)
            a = compute.prediction_stats(head, owner)
            calibration.append(Calibration(owner, b.n_resolved, a.n_resolved, b.brier, a.brier))
    return resolved, calibration


def summarize(
    base: KnowledgeBase, head: KnowledgeBase, changed: set[str], base_ref: str, base_commit: str
) -> Summary:
    """Compare the knowledge base at the base ref with the working tree's. `changed`: paths
    (relative to the knowledge base root) whose bytes differ between the two."""
    base_by_path = {e.path: e for e in base.entries}
    head_by_path = {e.path: e for e in head.entries}
    changes: list[RecordChange] = []
    for path in sorted(base_by_path.keys() | head_by_path.keys()):
        old, new = base_by_path.get(path), head_by_path.get(path)
        if new is None:
            assert old is not None
            changes.append(
                RecordChange("removed", old.kind, old.id, path, _title(old), old.record is not None)
            )
        elif old is None or path in changed:
            what = "added" if old is None else "changed"
            changes.append(
                RecordChange(what, new.kind, new.id, path, _title(new), new.record is not None)
            )
    old_keys = {_diag_key(d) for d in base.diagnostics}
    new_keys = {_diag_key(d) for d in head.diagnostics}
    resolved, calibration = _predictions(base, head)
    return Summary(
        base_ref=base_ref,
        base_commit=base_commit,
        as_of=head.as_of.isoformat(),
        records=len(head.entries),
        changes=changes,
        radar=_radar(base, head),
        benchmarks=_benchmarks(base, head, changes),
        resolved=resolved,
        calibration=calibration,
        errors=len(head.errors),
        warnings=len(head.warnings),
        new_diagnostics=[d for d in head.diagnostics if _diag_key(d) not in old_keys],
        fixed=len(old_keys - new_keys),
    )


# --- Markdown for the GitHub job summary -------------------------------------------------

#: The characters that could start HTML, a link, an image, emphasis, code, math, an entity
#: or a table cell in GitHub-flavoured Markdown.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>|~&!#$])")


def md(value: object) -> str:
    """Record text as literal Markdown: one line, control characters shown escaped, the
    Markdown and HTML characters backslash-escaped (no HTML, links, emphasis, table breaks)."""
    return _MD_SPECIAL.sub(r"\\\1", _shorten(printable(" ".join(str(value).split()))))


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def code(value: object) -> str:
    """Record text as an inline code span (which shows backslashes literally, so it gets its
    own escaping): one line, no backtick to end the span early, pipes escaped for tables."""
    text = _shorten(printable(" ".join(str(value).split()))).replace("`", "'").replace("|", "\\|")
    return f"`{text}`"


def _table(header: list[str], rows: list[list[str]], more: str = "run with --format json") -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(f"\n… and {len(rows) - MAX_LISTED} more: {more}.")
    return "\n".join(lines) + "\n"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} %"


def _interval(ci: tuple[float | None, float | None]) -> str:
    lo, hi = ci
    if lo is None or hi is None:
        return ""
    return f" [{lo * 100:+.1f}, {hi * 100:+.1f}]"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _position(p: RadarPosition | None) -> tuple[str, str]:
    return ("–", "–") if p is None else (p.ring, p.stage)


def to_markdown(s: Summary) -> str:
    """The summary as GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY`."""
    new_errors = [d for d in s.new_diagnostics if d.severity == "error"]
    new_warnings = [d for d in s.new_diagnostics if d.severity == "warning"]
    counts = {
        w: sum(1 for c in s.changes if c.change == w) for w in ("added", "changed", "removed")
    }
    out = [
        "## Assay: what this pull request changes\n",
        f"Compared with {code(s.base_ref)} ({s.base_commit[:12]}) as of {s.as_of}.\n",
        f"**{_plural(s.errors, 'error')}** ({len(new_errors)} new) · "
        f"**{_plural(s.warnings, 'warning')}** ({len(new_warnings)} new)"
        + (f" · {s.fixed} fixed" if s.fixed else "")
        + f" · records: {counts['added']} added, {counts['changed']} changed, "
        f"{counts['removed']} removed ({s.records} in all)\n",
    ]
    if s.new_diagnostics:
        rows = [
            [
                "error" if d.severity == "error" else "warning",
                code(f"{d.path}:{d.line}:{d.col}"),
                code(d.code),
                md(d.field or "–"),
                md(d.message),
            ]
            for d in s.new_diagnostics
        ]
        out.append("### New errors and warnings\n")
        out.append(_table(["", "Where", "Code", "Field", "Message"], rows, "run `assay check`"))
    if not s.changes:
        out.append("No record is added, changed or removed.\n")
    else:
        out.append("### Records\n")
        out.append(
            _table(
                ["Change", "Kind", "Record", "Id"],
                [
                    [
                        c.change + ("" if c.valid or c.change == "removed" else " (invalid)"),
                        c.kind,
                        md(c.title),
                        code(c.id),
                    ]
                    for c in s.changes
                ],
            )
        )
    if s.radar:
        out.append("### Radar moves\n")
        rows = []
        for m in s.radar:
            (r0, s0), (r1, s1) = _position(m.before), _position(m.after)
            ring = f"new → {r1}" if m.before is None else f"{r0} → {r1}" if r0 != r1 else r1
            stage = s1 if s0 == s1 or m.before is None else f"{s0} → {s1}"
            if m.after is None:
                ring, stage = f"{r0} → off the radar", s0
            decision = m.after.decision if m.after else (m.before.decision if m.before else "")
            rows.append([md(m.technique), md(m.area), ring, stage, code(decision)])
        out.append(_table(["Technique", "Area", "Ring", "Stage", "Decision"], rows))
    if s.benchmarks:
        out.append("### Benchmark verdicts\n")
        for b in s.benchmarks[:MAX_LISTED]:
            out.append(f"**{md(b.title)}** ({code(b.id)}, {b.change})\n")
            rows = [
                [
                    md(v.metric),
                    f"{md(v.method)} vs {md(v.baseline)}",
                    _pct(v.rel_diff) + _interval(v.rel_diff_ci),
                    "n/a" if v.p_holm is None else f"{v.p_holm:.3g}",
                    (
                        f"{v.verdict_before} → **{v.verdict}**"
                        if v.verdict_before and v.verdict_before != v.verdict
                        else f"**{v.verdict}**"
                    ),
                ]
                for v in b.comparisons
            ]
            out.append(
                _table(
                    ["Metric", "Method vs baseline", "Change [95 % CI]", "Holm p", "Verdict"],
                    rows,
                )
            )
    if s.resolved:
        out.append("### Predictions resolved\n")
        out.append(
            _table(
                ["Prediction", "Owner", "Said", "Outcome"],
                [
                    [
                        f"{md(r.title)} ({code(r.id)})",
                        md(r.owner),
                        f"{r.probability * 100:.0f} %",
                        f"{r.outcome_before} → **{r.outcome}**"
                        if r.outcome_before
                        else f"**{r.outcome}**",
                    ]
                    for r in s.resolved
                ],
            )
        )
        out.append("Calibration (Brier score: 0 is perfect, always saying 50 % scores 0.25):\n")
        out.append(
            _table(
                ["Who", "Scored", "Brier before", "Brier after"],
                [
                    [
                        "everyone" if c.owner is None else md(c.owner),
                        f"{c.n_before} → {c.n_after}",
                        _num(c.brier_before),
                        _num(c.brier_after),
                    ]
                    for c in s.calibration
                ],
            )
        )
    return "\n".join(out)
