"""Date arithmetic that cannot overflow: a shifted day is clamped to `date.min`/`date.max`.

Record dates and day counts are range-checked by the schema (`schema.common.Day`,
`MAX_DAYS`), so with valid records nothing here ever clamps; the clamp keeps `--as-of`
extremes and any future field from turning into an OverflowError traceback. Clamping is the
right answer for every use: "due after date.max" means "never due".
"""

from __future__ import annotations

from datetime import date, timedelta


def shift(day: date, days: int) -> date:
    """`day` + `days`, clamped to the representable range."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
