"""W-PLACEHOLDER: text that `assay new` writes as a prompt, left in a record (issue 12).

A template checks without errors so that people can start from it; what it writes in place
of real content (``owner: your-name``, "First Author", an arXiv id of zeros, example runs)
must not then pass unnoticed. This rule reads the parsed values, so it also runs on records
with schema errors. The list below is kept in sync with ``generator/templates/new/`` by
``tests/test_placeholder.py``.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic
from ..model import Entry
from ..parse import Path_
from .base import warn

#: Values the templates write where the author must put their own (exact text).
PLACEHOLDER_TEXTS = frozenset(
    {
        # every kind
        "your-name",
        # paper
        "First Author",
        "One sentence that says what the paper does and why it matters to us.",
        # decision
        "Why we look at this now, and what would make us move it to TRIAL or SKIP.",
        "Read the paper to pass 2 and list the claims we can check",
        "Why we trial this now, and what the trial must show before we adopt it.",
        "Reduces P99 latency by more than 20 % without losing more than 1 % accuracy.",
        "Accuracy drops by more than 1 % on the nightly evaluation.",
        "Run the benchmark against the production baseline",
        "Why we stop investing for now, and what would make us look again.",
        "Why we do not invest in this technique.",
        "Name what rules it out (a constraint, a measurement) and what we use instead.",
        "What the validation showed, and why we adopt it now.",
        "the-benchmark-id",
        "the-runbook-id",
        "the-alternative",
        "Why we did not choose it.",
        # benchmark
        "The GPU model and count, driver and CUDA versions",
        "Five seeds per method on the same 2,000 production queries; warm-up excluded.",
        # prediction
        "Say exactly what observation on resolve_on makes this true or false.",
        "Why you believe it, written now, before the outcome is known.",
        # runbook
        "the-decision-id",
        "How to check that it works, as a command or an observable result.",
        "What people see when it breaks.",
        "Why it usually happens.",
        "What to do about it.",
        "The metric or log line to watch.",
        "When it pages someone, and whom.",
        "The first step to turn it off safely.",
        # postmortem
        "What happened first.",
        "What happened next.",
        "What went wrong, concretely.",
        "Why did it happen?",
        "Why was that so?",
        "Why did nobody catch it?",
        "The cause that, fixed, would have prevented the outcome.",
        "The change that prevents a repeat.",
    }
)
#: A placeholder inside a value (the template's arXiv id).
PLACEHOLDER_PARTS = ("0000.00000",)
#: The example runs of the benchmark template: fabricated numbers, never a measurement.
PLACEHOLDER_RUNS = (
    (42.1, 41.7, 42.4, 41.9, 42.0),
    (36.0, 36.3, 35.8, 36.1, 35.9),
)
#: Prompt lines the templates write in the Markdown body.
PLACEHOLDER_BODY_LINES = frozenset(
    {
        "What problem this technique would solve for us, and what we use today.",
        "Why this paper came up, and what problem of ours it might address.",
        "What the paper does not show.",
        "The first experiment worth running, and on which data.",
        "Replace the example runs with your raw measurements, one number per run. Assay computes",
    }
)

_BODY_STARTS = frozenset(line[:12] for line in PLACEHOLDER_BODY_LINES)

_WHAT = {
    "owner": "the name or handle of the person responsible",
    "authors": "the paper's authors, one per item",
    "url": "the paper's URL (its arXiv abs page or DOI link)",
    "runs": "your raw measurements, one number per run",
    "decision": "the id of the decision record this runbook operates",
    "benchmarks": "the ids of the benchmark records that validated it",
    "runbook": "the id of the runbook that operates it",
    "hardware": "the hardware you ran on",
}


_URL_KEYS = frozenset({"url", "code"})
_RUN_STARTS = frozenset(f"{runs[0]:.1f}" for runs in PLACEHOLDER_RUNS)


def _found(data: Any) -> list[tuple[Path_, Any]]:
    """(path, value) of each placeholder in the front matter values.

    This runs on every record of every check, so it builds a path only for a hit."""
    hits: list[tuple[Path_, Any]] = []
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, value in items:
            kind = type(value)
            if kind is str:
                if value in PLACEHOLDER_TEXTS or (
                    key in _URL_KEYS and any(p in value for p in PLACEHOLDER_PARTS)
                ):
                    hits.append(((*path, key), value))
            elif kind is list:
                if (
                    value
                    and type(value[0]) is str
                    and value[0] in _RUN_STARTS
                    and _is_example_runs(value)
                ):
                    hits.append(((*path, key), value))
                else:
                    stack.append(((*path, key), value))
            elif kind is dict:
                stack.append(((*path, key), value))
    return sorted(hits, key=lambda hit: [str(p) for p in hit[0]])


def _is_example_runs(values: list[Any]) -> bool:
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return False
    return numbers in PLACEHOLDER_RUNS


def check(e: Entry) -> list[Diagnostic]:
    """A warning for each placeholder left in the record's front matter and body."""
    out: list[Diagnostic] = []
    for path, value in _found(e.parsed.data or {}):
        if isinstance(value, list):
            shown = "these are the template's example runs"
        else:
            shown = f"'{value}' is the template's placeholder"
        name = (
            "runs"
            if isinstance(value, list)
            else next((p for p in reversed(path) if isinstance(p, str)), "")
        )
        what = _WHAT.get(name, "your own text")
        them = "them" if isinstance(value, list) else "it"
        out.append(warn(e, path, "W-PLACEHOLDER", f"{shown}: replace {them} with {what}"))
    body = e.parsed.body
    lines = body.split("\n") if any(p in body for p in _BODY_STARTS) else ()
    for offset, line in enumerate(lines):
        if line.strip() in PLACEHOLDER_BODY_LINES:
            d = warn(
                e,
                (),
                "W-PLACEHOLDER",
                "this paragraph of the body is the template's prompt: replace it with your "
                "own text, or delete it",
            )
            out.append(
                type(d)(
                    d.path, e.parsed.body_line + offset, 1, d.severity, d.code, "body", d.message
                )
            )
    return out
