"""benchmark — raw trial data of a comparison; Assay computes every statistic (SPEC §3.3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .common import FiniteFloat, Record, RecordId, Strict, Text

Runs = dict[str, list[FiniteFloat]]

#: Metric names as benchmarking tools write them (`p99_latency_ms`, `acc_norm`, `top1_acc`,
#: `step-latency`): SPEC §3.3. `assay import` applies the same pattern.
METRIC_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MetricName = Annotated[str, StringConstraints(pattern=METRIC_NAME_PATTERN)]


class Metric(Strict):
    name: MetricName = Field(
        description="lower-case letters, digits, '-' and '_', at most 64 characters"
    )
    unit: str | None = None
    better: Literal["higher", "lower"]
    min_effect: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="smallest change that matters, as a fraction of the baseline mean"
    )
    guardrail: bool = Field(
        False,
        description="the metric must not get worse by min_effect or more (non-inferiority "
        "test); requires min_effect",
    )


class Method(Strict):
    name: Text
    baseline: bool = False
    runs: Runs


class Variant(Strict):
    name: Text
    removes: list[Text] = Field(default_factory=list)
    runs: Runs


class Ablations(Strict):
    of: Text
    variants: Annotated[list[Variant], Field(min_length=1)]


class Benchmark(Record):
    kind: Literal["benchmark"] | None = None
    owner: Text
    run_on: date
    hardware: Text
    paired: bool
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05
    decision: RecordId | None = None
    protocol: str | None = None
    metrics: Annotated[list[Metric], Field(min_length=1)]
    methods: Annotated[list[Method], Field(min_length=2)]
    ablations: Ablations | None = None
