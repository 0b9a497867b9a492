"""Completeness rules that depend on several fields: pass, status, stage, dates (SPEC §3).

Rules run on records that passed schema validation, after the link stage, so they can use
"today" (``--as-of``) and know which decisions are superseded. Each kind has its module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..diagnostics import Diagnostic
from ..model import Entry, Graph
from . import benchmark, decision, paper, tracking
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
        if e.record is not None:
            diags += _RULES[e.kind](e, ctx)
    return diags


__all__ = ["Context", "apply_rules"]
