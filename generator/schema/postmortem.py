"""postmortem — what a failed or troubled adoption teaches (SPEC §3.6)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import Day, Record, RecordId, Strict, Text

Pattern = Literal[
    "benchmark-production-gap",
    "scale-surprise",
    "integration-underestimation",
    "sunk-cost-continuation",
    "missing-expertise",
]


class Event(Strict):
    on: Day
    event: Text


class Failure(Strict):
    category: Literal["paper-evaluation", "prototype", "integration", "process"]
    what: Text


class Action(Strict):
    action: Text
    owner: Text
    due: Day
    done: bool


class Postmortem(Record):
    kind: Literal["postmortem"] | None = None
    owner: Text
    occurred_on: Day
    decision: RecordId | None = None
    outcome: Literal["killed", "rolled-back", "over-budget", "failed-in-production", "other"]
    timeline: Annotated[list[Event], Field(min_length=2)]
    failures: Annotated[list[Failure], Field(min_length=1)]
    whys: Annotated[list[Text], Field(min_length=3)]
    root_cause: Text
    patterns: list[Pattern] | None = None
    actions: Annotated[list[Action], Field(min_length=1)]
