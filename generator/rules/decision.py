"""Decision rules: what each radar ring and pipeline stage requires, gates, time-boxes."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic
from ..model import Entry
from ..schema import Decision
from .base import Context, days, err, warn

_SKIP_MIN = 40
#: A skip detail is concrete when it names an alternative, a constraint or evidence.
_CONCRETE = re.compile(
    r"\d|%|\b(because|since|instead|than|requires?|needs?|incompatible|constraint|"
    r"benchmark|measured|evidence|cost|latency|memory|throughput|accuracy|recall|alternative|"
    r"already|supersed\w*|replac\w*|support\w*|depends?|license|hardware|gpu|cpu|budget)\b",
    re.IGNORECASE,
)


def _need(e: Entry, what: str, field: str, code: str, hint: str) -> Diagnostic:
    return err(e, (field,), code, f"{what} needs {field}: {hint}", at=("status",))


def check(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.checked
    assert isinstance(r, Decision)
    out: list[Diagnostic] = []
    if e.has("status"):
        out += _status_rules(e, r)
    out += _stage_rules(e, r)
    out += _gate_rules(e, r)
    if r.time_box and r.time_box.end < r.time_box.start:
        out.append(
            err(
                e,
                ("time_box", "end"),
                "E-DATE-ORDER",
                f"the time-box ends ({r.time_box.end}) before it starts ({r.time_box.start})",
            )
        )
    if r.skip and len(r.skip.detail) >= _SKIP_MIN and not _CONCRETE.search(r.skip.detail):
        out.append(
            warn(
                e,
                ("skip", "detail"),
                "W-SKIP-VAGUE",
                "the skip detail names no alternative, constraint or evidence: say what "
                "we use instead, which constraint rules it out, or what we measured",
            )
        )
    if e.id not in ctx.superseded and e.has("stage") and r.stage != "closed":
        out += _due(e, r, ctx)
    return out


def _status_rules(e: Entry, r: Decision) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    what = f"{'an' if r.status[0] in 'AEIOU' else 'a'} {r.status} decision"
    if r.status == "TRIAL":
        code = "E-TRIAL-INCOMPLETE"
        if not r.hypothesis:
            out.append(
                _need(
                    e,
                    what,
                    "hypothesis",
                    code,
                    "what the trial should show, e.g. 'reduces P99 latency by >20% "
                    "without losing >1% accuracy'",
                )
            )
        if not any(c.measurable for c in r.success_criteria or ()):
            out.append(
                _need(
                    e,
                    what,
                    "success_criteria",
                    code,
                    "at least one measurable criterion {metric, op, value, unit}",
                )
            )
        if not r.kill_criteria:
            out.append(
                _need(
                    e,
                    what,
                    "kill_criteria",
                    code,
                    "at least one condition that stops the trial, decided before it starts",
                )
            )
        if r.time_box is None:
            out.append(_need(e, what, "time_box", code, "{start, end}: when the trial must decide"))
        if r.next_action is None:
            out.append(_need(e, what, "next_action", code, "{action, owner, due}"))
    elif r.status == "ASSESS":
        code = "E-ASSESS-INCOMPLETE"
        if r.next_action is None:
            out.append(_need(e, what, "next_action", code, "{action, owner, due}: who looks next"))
        if r.revisit_on is None:
            out.append(_need(e, what, "revisit_on", code, "the date to look at it again"))
    elif r.status == "ADOPT":
        code = "E-ADOPT-INCOMPLETE"
        if not any(c.measurable for c in r.success_criteria or ()):
            out.append(
                _need(
                    e,
                    what,
                    "success_criteria",
                    code,
                    "at least one measurable criterion {metric, op, value, unit}",
                )
            )
        if not r.benchmarks:
            out.append(_need(e, what, "benchmarks", code, "at least one benchmark record id"))
        if not r.alternatives:
            out.append(_need(e, what, "alternatives", code, "at least one {name, why_not}"))
        if r.runbook is None:
            out.append(_need(e, what, "runbook", code, "the id of the runbook that operates it"))
        if not r.gate_yes("validation"):
            out.append(
                _need(
                    e,
                    what,
                    "gates",
                    code,
                    "a validation gate answered YES ({gate: validation, on, answer: YES, by})",
                )
            )
    elif r.status == "HOLD":
        if r.revisit_on is None:
            out.append(
                _need(e, what, "revisit_on", "E-HOLD-INCOMPLETE", "the date to look at it again")
            )
    elif r.status == "SKIP":
        code = "E-SKIP-INCOMPLETE"
        if r.skip is None:
            out.append(
                _need(
                    e,
                    what,
                    "skip",
                    code,
                    "{reason, detail}: why we do not invest, in at least 40 characters",
                )
            )
        else:
            if len(r.skip.detail) < _SKIP_MIN:
                out.append(
                    err(
                        e,
                        ("skip", "detail"),
                        code,
                        f"the skip detail has {len(r.skip.detail)} characters; write at "
                        f"least {_SKIP_MIN}: what rules it out and what we use instead",
                    )
                )
            if r.skip.reason == "superseded" and not r.alternatives:
                out.append(
                    _need(
                        e,
                        "a decision skipped as superseded",
                        "alternatives",
                        code,
                        "name what supersedes it ({name, why_not})",
                    )
                )
    return out


_STAGE_GATE = {"validation": "discovery", "integration": "validation", "production": "integration"}


def _stage_rules(e: Entry, r: Decision) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    gate = _STAGE_GATE.get(r.stage)
    if gate and not r.gate_yes(gate):  # type: ignore[arg-type]
        out.append(
            err(
                e,
                ("gates",),
                "E-STAGE-INCOMPLETE",
                f"stage {r.stage} needs a {gate} gate answered YES: add "
                f"{{gate: {gate}, on: DATE, answer: YES, by: WHO}} to gates",
                at=("stage",),
            )
        )
    if r.stage == "production" and r.runbook is None:
        out.append(
            err(
                e,
                ("runbook",),
                "E-STAGE-INCOMPLETE",
                "stage production needs a runbook: the id of the runbook that operates it",
                at=("stage",),
            )
        )
    return out


def _gate_rules(e: Entry, r: Decision) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    gates = r.gates or []
    for i, g in enumerate(gates):
        if g.answer == "NOT-YET" and not (g.conditions or "").strip():
            out.append(
                err(
                    e,
                    ("gates", i, "conditions"),
                    "E-GATE-CONDITIONS",
                    "a NOT-YET answer needs conditions: what must be true to pass the gate",
                    at=("gates", i, "answer"),
                )
            )
        if i and g.on < gates[i - 1].on:
            out.append(
                err(
                    e,
                    ("gates", i, "on"),
                    "E-GATE-ORDER",
                    f"gates are chronological: {g.on} comes before the previous gate's "
                    f"{gates[i - 1].on}; reorder the list",
                )
            )
    return out


def _due(e: Entry, r: Decision, ctx: Context) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    today = ctx.as_of
    tb = r.time_box
    decided_since = tb is not None and any(g.on >= tb.end for g in r.gates or ())
    trial = e.has("status") and e.has("gates") and r.status == "TRIAL"
    if trial and tb and tb.end < today and not decided_since:
        out.append(
            warn(
                e,
                ("time_box", "end"),
                "W-TIMEBOX-EXPIRED",
                f"the time-box ended {days((today - tb.end).days)} ago ({tb.end}) with "
                "no gate decided since: decide continue, pivot or kill, and record the gate",
            )
        )
    if r.next_action and r.next_action.due < today:
        out.append(
            warn(
                e,
                ("next_action", "due"),
                "W-ACTION-OVERDUE",
                f"'{r.next_action.action}' ({r.next_action.owner}) was due "
                f"{r.next_action.due}, {days((today - r.next_action.due).days)} ago: do it, "
                "or set a new action and due date",
            )
        )
    if r.revisit_on and r.revisit_on < today:
        out.append(
            warn(
                e,
                ("revisit_on",),
                "W-REVISIT-DUE",
                f"the revisit date {r.revisit_on} has passed: review the decision, then "
                "record a new decision or move revisit_on",
            )
        )
    return out
