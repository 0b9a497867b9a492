"""paper — the structured note for a paper that survived a first-pass read (SPEC §3.1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import MAX_DAY, Day, FiniteFloat, HttpUrl, Record, Strict, Text

RedFlagKind = Literal[
    "weak-baselines",
    "cherry-picked",
    "new-metric",
    "toy-datasets",
    "missing-ablations",
    "reproducibility",
    "compute-advantage",
]
Score = Annotated[int, Field(ge=1, le=5)]


class Claim(Strict):
    metric: Text
    baseline: Text
    claimed: FiniteFloat
    unit: str | None = None
    source: str | None = Field(None, description='where in the paper, e.g. "Table 2"')
    reproduced: FiniteFloat | None = Field(None, description="what we measured; null = not tried")


class RedFlag(Strict):
    flag: RedFlagKind
    evidence: Text


class ViabilityScore(Strict):
    score: Score
    note: Text


class Viability(Strict):
    efficiency: ViabilityScore
    integration: ViabilityScore
    robustness: ViabilityScore
    maintainability: ViabilityScore


class Paper(Record):
    kind: Literal["paper"] | None = None
    authors: Annotated[list[Text], Field(min_length=1)]
    year: Annotated[int, Field(ge=1950, le=MAX_DAY.year)]
    venue: str | None = None
    url: HttpUrl
    code: HttpUrl | None = Field(
        None, description='official code; null = "checked: no code released"'
    )
    read_on: Day
    pass_: Annotated[int, Field(alias="pass", ge=1, le=3, description="reading pass reached")]
    relevance: Score
    summary: Annotated[str, Field(min_length=1, max_length=300)]
    verdict: Literal["likely-viable", "needs-validation", "probably-not"]
    key_insight: Text | None = None
    claims: list[Claim] | None = None
    red_flags: list[RedFlag] | None = None
    viability: Viability | None = None


__all__ = ["Claim", "Paper", "RedFlag", "Viability"]
