"""Field types and the base model shared by every record kind (SPEC §3)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A record id: the file stem, unique across the knowledge base (SPEC §1).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,80}$"
RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1)]
Title = Annotated[str, StringConstraints(min_length=3, max_length=200)]
HttpUrl = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[^\s/?#]+\.[^\s]+$"),
    Field(json_schema_extra={"format": "uri"}),
]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Strict(BaseModel):
    """Base of every record part: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class Record(Strict):
    """Fields every kind has."""

    title: Title
    tags: list[Slug] | None = None
