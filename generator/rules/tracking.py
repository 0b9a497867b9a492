"""Rules for the records that track what happened: predictions, runbooks, post-mortems."""

from __future__ import annotations

from ..dates import shift
from ..diagnostics import Diagnostic
from ..model import Entry
from ..schema import Postmortem, Prediction, Runbook
from .base import Context, days, err, warn


def check_prediction(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.checked
    assert isinstance(r, Prediction)
    out: list[Diagnostic] = []
    dates = e.has("made_on") and e.has("resolve_on")
    if dates and r.resolve_on <= r.made_on:
        out.append(
            err(
                e,
                ("resolve_on",),
                "E-DATE-ORDER",
                f"resolve_on ({r.resolve_on}) must be after made_on ({r.made_on})",
            )
        )
    if not e.has("resolution"):
        return out
    if r.resolution is not None:
        if e.has("made_on") and r.resolution.resolved_on < r.made_on:
            out.append(
                err(
                    e,
                    ("resolution", "resolved_on"),
                    "E-DATE-ORDER",
                    f"resolved_on ({r.resolution.resolved_on}) is before made_on ({r.made_on})",
                )
            )
    elif e.has("resolve_on") and r.resolve_on < ctx.as_of:
        out.append(
            warn(
                e,
                ("resolve_on",),
                "W-PREDICTION-DUE",
                f"due {r.resolve_on}, {days((ctx.as_of - r.resolve_on).days)} ago, and not "
                "resolved: add resolution {outcome: true|false|ambiguous, resolved_on}",
            )
        )
    return out


def check_runbook(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.checked
    assert isinstance(r, Runbook)
    out: list[Diagnostic] = []
    if not (e.has("last_reviewed") and e.has("review_every_days")):
        return out
    if r.last_reviewed > ctx.as_of:
        out.append(
            err(
                e,
                ("last_reviewed",),
                "E-DATE-FUTURE",
                f"last_reviewed {r.last_reviewed} is after today ({ctx.as_of})",
            )
        )
    due = shift(r.last_reviewed, r.review_every_days)
    if due < ctx.as_of:
        out.append(
            warn(
                e,
                ("last_reviewed",),
                "W-RUNBOOK-STALE",
                f"last reviewed {r.last_reviewed}; reviews are due every "
                f"{days(r.review_every_days)}, so it is {days((ctx.as_of - due).days)} "
                "overdue: walk through it, fix what changed, update last_reviewed",
            )
        )
    return out


def check_postmortem(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.checked
    assert isinstance(r, Postmortem)
    out: list[Diagnostic] = []
    for i in range(1, len(r.timeline) if e.has("timeline") else 0):
        if r.timeline[i].on < r.timeline[i - 1].on:
            out.append(
                err(
                    e,
                    ("timeline", i, "on"),
                    "E-DATE-ORDER",
                    f"the timeline is in date order: {r.timeline[i].on} comes before the "
                    f"previous event's {r.timeline[i - 1].on}",
                )
            )
    for i, a in enumerate(r.actions if e.has("actions") else ()):
        if not a.done and a.due < ctx.as_of:
            out.append(
                warn(
                    e,
                    ("actions", i, "due"),
                    "W-ACTION-OVERDUE",
                    f"'{a.action}' ({a.owner}) was due {a.due} and is not done: do it and "
                    "set done: true, or agree a new due date",
                )
            )
    return out
