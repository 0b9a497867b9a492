"""prediction — a forecast to score when it resolves (SPEC §3.4)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import Day, Record, RecordId, Strict, Text


class Resolution(Strict):
    outcome: bool | Literal["ambiguous"]
    resolved_on: Day
    note: str | None = None


class Prediction(Record):
    kind: Literal["prediction"] | None = None
    owner: Text
    made_on: Day
    probability: Annotated[float, Field(ge=0.01, le=0.99)]
    resolve_on: Day
    criteria: Annotated[str, Field(min_length=20)]
    reasoning: str | None = None
    technique: str | None = None
    papers: list[RecordId] | None = None
    decisions: list[RecordId] | None = None
    resolution: Resolution | None = None
