"""What each part of a record looks like, for messages that teach the shape (issue 12).

When a value has the wrong shape (a sentence where a criterion mapping belongs, a typo in
an enum), the diagnostic says what is expected: the keys, an example line, the closest
allowed value. The examples are YAML a user can paste.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel

#: An example for each nested part, written as a flow mapping (one line of YAML).
EXAMPLES: dict[str, str] = {
    "Criterion": '{metric: p99-latency, op: "<", value: 80, unit: ms}',
    "Gate": '{gate: validation, on: 2026-03-01, answer: "YES", by: lena}',
    "TimeBox": "{start: 2026-03-01, end: 2026-04-15}",
    "NextAction": "{action: Run the benchmark on production traffic, owner: priya, due: 2026-03-15}",
    "Alternative": "{name: xformers, why_not: Slower on our GPUs in the benchmark}",
    "Skip": "{reason: complexity, detail: Needs a custom CUDA build; we keep SDPA instead}",
    "CostBenefit": (
        "{implementation_weeks: 3, engineer_week_cost: 5000, monthly_cost: 500, "
        "monthly_benefit: 8000}"
    ),
    "Claim": '{metric: accuracy, baseline: BERT-base, claimed: 91.2, unit: "%", source: Table 2}',
    "RedFlag": "{flag: weak-baselines, evidence: Table 3 compares against an untuned baseline}",
    "ViabilityScore": "{score: 4, note: Drop-in kernel, no retraining}",
    "Viability": "{efficiency: {score: 4, note: …}, integration: {score: 3, note: …}, …}",
    "Metric": "{name: p99-latency, unit: ms, better: lower, min_effect: 0.05}",
    "Method": "{name: candidate, runs: {p99-latency: [35.0, 35.4, 34.8]}}",
    "Variant": "{name: no-cache, removes: [cache], runs: {p99-latency: [45.0, 44.2, 44.9]}}",
    "Ablations": "{of: candidate, variants: [{name: no-cache, removes: [cache], runs: {…}}]}",
    "Event": "{on: 2026-03-01, event: Rolled out to 10 % of traffic}",
    "Failure": "{category: integration, what: The kernel needed a driver we could not deploy}",
    "Action": "{action: Add a canary stage, owner: priya, due: 2026-04-01, done: false}",
    "FailureMode": "{symptom: NaN losses, cause: fp16 overflow, remediation: Switch to bf16}",
    "Signal": "{signal: p99 latency, alert: Page on-call above 90 ms for 10 minutes}",
    "Resolution": "{outcome: true, resolved_on: 2026-06-01, note: Measured in the Q2 review}",
}


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types inside Optional / Union / Annotated."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def types_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[Any]:
    """The types a value at `loc` (a path into the data) may have."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in _unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(part, int) and origin is list:
                    nxt.append(typing.get_args(t)[0])
                elif isinstance(part, str) and isinstance(t, type) and issubclass(t, BaseModel):
                    for name, info in t.model_fields.items():
                        if (info.alias or name) == part:
                            nxt.append(info.annotation)
                elif isinstance(part, str) and origin is dict:
                    nxt.append(typing.get_args(t)[1])
        current = nxt
    return [t for tp in current for t in _unwrap(tp)]


def models_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[type[BaseModel]]:
    return [t for t in types_at(model, loc) if isinstance(t, type) and issubclass(t, BaseModel)]


def allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys a mapping at `loc` accepts, for suggestions."""
    return [
        info.alias or name for m in models_at(model, loc) for name, info in m.model_fields.items()
    ]


def mapping_shape(model: type[BaseModel], loc: tuple[str | int, ...], given: Any) -> str | None:
    """What a mapping expected at `loc` looks like: its keys and an example line."""
    parts = models_at(model, loc)
    if not parts:
        return None
    part = parts[0]
    required = [info.alias or n for n, info in part.model_fields.items() if info.is_required()]
    optional = [info.alias or n for n, info in part.model_fields.items() if not info.is_required()]
    item = "- " if loc and isinstance(loc[-1], int) else f"{loc[-1]}: " if loc else ""
    if part.__name__ == "Criterion":
        keys = "either the keys metric, op, value (and optionally unit), or the key condition"
        if isinstance(given, str) and given.strip():
            return (
                f"a criterion is a mapping with {keys}: write this one as "
                f"'{item}condition: {given.strip()}', or make it measurable, e.g. "
                f"'{item}{EXAMPLES['Criterion']}'"
            )
        return f"a criterion is a mapping with {keys}, e.g. '{item}{EXAMPLES['Criterion']}'"
    keys = ", ".join(required) if required else ""
    if optional:
        keys += ("; optional: " if keys else "optional: ") + ", ".join(optional)
    example = EXAMPLES.get(part.__name__)
    shown = f", e.g. '{item}{example}'" if example else ""
    return f"expected a mapping with the keys {keys}{shown}"


def suggest(value: str, choices: list[str]) -> str | None:
    """The allowed value closest to `value` (same word in other case, or a near spelling)."""
    if len(value) > 100:  # a typo is short; difflib is quadratic
        return None
    for c in choices:
        if c.lower() == value.strip().lower():
            return c
    close = difflib.get_close_matches(value.strip(), choices, n=1, cutoff=0.6)
    if close:
        return close[0]
    # A shortened value ('sunk-cost' for 'sunk-cost-continuation'): one choice contains it.
    word = value.strip().lower()
    holding = [c for c in choices if len(word) >= 3 and word in c.lower()]
    if len(holding) == 1:
        return holding[0]
    upper = difflib.get_close_matches(
        value.strip().upper(), [c.upper() for c in choices], n=1, cutoff=0.6
    )
    return next((c for c in choices if upper and c.upper() == upper[0]), None)


def literal_values(expected: str) -> list[str]:
    """The values of a pydantic literal_error's ``expected``: "'A', 'B' or 'C'"."""
    return re.findall(r"'([^']*)'", expected)
