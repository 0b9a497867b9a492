"""decision — an adoption decision: the radar entry and its decision record (SPEC §3.2)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .common import Day, FiniteFloat, NonNegative, Record, RecordId, Strict, Text

Status = Literal["ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP"]
Stage = Literal["discovery", "validation", "integration", "production", "closed"]
GateName = Literal["discovery", "validation", "integration"]
STATUSES: tuple[Status, ...] = ("ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP")
STAGES: tuple[Stage, ...] = ("discovery", "validation", "integration", "production", "closed")


class Criterion(Strict):
    """Either measurable (metric, op, value, unit?) or a plain-language condition."""

    metric: Text | None = None
    op: Literal["<", "<=", ">", ">="] | None = None
    value: FiniteFloat | None = None
    unit: str | None = None
    condition: Text | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        measurable = (self.metric, self.op, self.value)
        if self.condition is not None:
            if any(v is not None for v in (*measurable, self.unit)):
                raise ValueError(
                    "a criterion is either {condition} or {metric, op, value, unit?}, not both"
                )
        elif any(v is None for v in measurable):
            missing = [
                n for n, v in zip(("metric", "op", "value"), measurable, strict=True) if v is None
            ]
            raise ValueError(
                "a criterion needs either `condition: <text>` or all of metric, op and value "
                f"(missing: {', '.join(missing)})"
            )
        return self

    @property
    def measurable(self) -> bool:
        return self.metric is not None


class Gate(Strict):
    gate: GateName
    on: Day
    answer: Literal["YES", "NO", "NOT-YET"]
    by: Text
    conditions: str | None = None


class TimeBox(Strict):
    start: Day
    end: Day


class NextAction(Strict):
    action: Text
    owner: Text
    due: Day


class Alternative(Strict):
    name: Text
    why_not: Text


class Skip(Strict):
    reason: Literal[
        "superseded", "not-our-problem", "incompatible", "complexity", "evidence-against"
    ]
    detail: Text


#: Bounds that keep cost-benefit arithmetic finite (a product of two is at most 1e19).
Weeks = Annotated[NonNegative, Field(le=10_000)]
Amount = Annotated[NonNegative, Field(le=1e15)]


class CostBenefit(Strict):
    implementation_weeks: Weeks
    engineer_week_cost: Amount
    one_time_cost: Amount = 0.0
    monthly_cost: Amount
    monthly_benefit: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"


class Decision(Record):
    kind: Literal["decision"] | None = None
    technique: Text
    area: Text
    status: Status
    stage: Stage
    owner: Text
    decided_on: Day
    rationale: Text
    papers: list[RecordId] | None = None
    benchmarks: list[RecordId] | None = None
    runbook: RecordId | None = None
    supersedes: list[RecordId] | None = None
    hypothesis: Text | None = None
    success_criteria: list[Criterion] | None = None
    kill_criteria: list[Criterion] | None = None
    time_box: TimeBox | None = None
    next_action: NextAction | None = None
    alternatives: list[Alternative] | None = None
    skip: Skip | None = None
    revisit_on: Day | None = None
    gates: list[Gate] | None = None
    cost_benefit: CostBenefit | None = None

    def gate_yes(self, name: GateName) -> bool:
        return any(g.gate == name and g.answer == "YES" for g in self.gates or ())


__all__ = ["STAGES", "STATUSES", "Criterion", "Decision", "Gate"]
