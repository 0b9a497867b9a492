"""runbook — how to operate, verify and roll back an adopted technique (SPEC §3.5)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import MAX_DAYS, Day, Record, RecordId, Strict, Text


class FailureMode(Strict):
    symptom: Text
    remediation: Text
    cause: str | None = None


class Signal(Strict):
    signal: Text
    alert: Text


class Runbook(Record):
    kind: Literal["runbook"] | None = None
    owner: Text
    decision: RecordId
    last_reviewed: Day
    review_every_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 90
    verify: Annotated[list[Text], Field(min_length=1)]
    failure_modes: Annotated[list[FailureMode], Field(min_length=1)]
    monitoring: Annotated[list[Signal], Field(min_length=1)]
    rollback: Annotated[list[Text], Field(min_length=1)]
