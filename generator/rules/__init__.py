"""Completeness rules that depend on several fields: pass, status, stage, dates (SPEC §3).

Rules run after the link stage, so they can use "today" (``--as-of``) and know which
decisions are superseded. Each kind has its module. A record with schema errors is checked
too, on its well-typed fields (`Entry.partial`), so one run reports every problem; rules
say nothing about a field that is missing or invalid (`Entry.broken`): its schema error is
the diagnostic, and whatever a rule would add about it could be wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from ..diagnostics import Diagnostic
from ..model import Entry, Graph
from . import benchmark, decision, paper, placeholder, tracking
from .base import Context

_RULES: dict[str, Callable[[Entry, Context], list[Diagnostic]]] = {
    "paper": paper.check,
    "decision": decision.check,
    "benchmark": benchmark.check,
    "prediction": tracking.check_prediction,
    "runbook": tracking.check_runbook,
    "postmortem": tracking.check_postmortem,
}


def apply_rules(entries: list[Entry], graph: Graph, as_of: date) -> list[Diagnostic]:
    ctx = Context(as_of=as_of, superseded=frozenset(graph.superseded_by))
    diags: list[Diagnostic] = []
    for e in entries:
        diags += placeholder.check(e)
        if e.checked is None or not all(e.has(f) for f in _NEEDS.get(e.kind, ())):
            continue
        # The rules read `record`: hand them the well-typed part of an invalid record.
        view = e if e.record is not None else replace(e, record=e.partial)
        found = _RULES[e.kind](view, ctx)
        if e.broken:
            found = [d for d in found if _top(d.field) not in e.broken]
        diags += found
    return diags


#: Fields without which a kind's rules cannot run at all.
_NEEDS: dict[str, tuple[str, ...]] = {"benchmark": ("metrics", "methods")}


def _top(field: str) -> str:
    top = field.split(".", 1)[0]
    return "pass_" if top == "pass" else top


__all__ = ["Context", "apply_rules"]
