"""Field types and the base model shared by every record kind (SPEC §3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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
#: The days a record may name (docs/design.md): wide enough for any real record, narrow
#: enough that adding any allowed day count stays far from `date.max` (no OverflowError).
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)
#: The longest interval a record may give in days (`review_every_days`): ten years.
MAX_DAYS = 3660


def _day_in_range(value: date) -> date:
    if not MIN_DAY <= value <= MAX_DAY:
        raise ValueError(
            f"{value.isoformat()} is out of range: dates must lie between {MIN_DAY} and "
            f"{MAX_DAY} (a typo in the year?)"
        )
    return value


#: A date field of a record: ISO `YYYY-MM-DD`, between MIN_DAY and MAX_DAY.
Day = Annotated[date, AfterValidator(_day_in_range)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Strict(BaseModel):
    """Base of every record part: unknown keys are errors, never silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class Record(Strict):
    """Fields every kind has."""

    title: Title
    tags: list[Slug] | None = None
