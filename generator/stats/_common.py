"""Small value helpers shared by the statistics modules and the result types.

Responsible for the engine's output guarantee: every float that leaves the engine is finite
or None. `finite` is the single gate. Nothing here imports numpy or scipy: the result types
(`results.py`) and the pages that format them use these helpers on a warm build, where the
statistics come from the cache and scipy is never imported (issue 9). The numeric helpers
that need numpy and scipy are in `_numeric.py`.
"""

from __future__ import annotations

import math

CONFIDENCE = 0.95

Interval = tuple[float | None, float | None]
NO_INTERVAL: Interval = (None, None)


def finite(x: object) -> float | None:
    """`x` as a plain float if it is a finite real number, else None."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond floats
        return None
    return v if math.isfinite(v) else None


def interval(lo: object, hi: object) -> Interval:
    """A (lo, hi) pair of finite floats, or (None, None) if either end is unusable."""
    a, b = finite(lo), finite(hi)
    if a is None or b is None:
        return NO_INTERVAL
    return (a, b)


def scale_interval(ci: Interval, factor: float | None) -> Interval:
    """Both ends multiplied by `factor` (None-safe)."""
    if factor is None or ci[0] is None or ci[1] is None:
        return NO_INTERVAL
    return interval(ci[0] * factor, ci[1] * factor)


def json_interval(ci: Interval) -> list[float | None]:
    return [ci[0], ci[1]]
