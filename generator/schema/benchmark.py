"""benchmark — raw trial data of a comparison; Assay computes every statistic (SPEC §3.3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .common import FiniteFloat, Record, RecordId, Strict, Text

Runs = dict[str, list[FiniteFloat]]


class Metric(Strict):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    unit: str | None = None
    better: Literal["higher", "lower"]
    min_effect: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="smallest change that matters, as a fraction of the baseline mean"
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
