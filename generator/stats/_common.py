"""Small numeric helpers shared by the statistics modules.

Responsible for the engine's output guarantee: every float that leaves the engine is finite
or None. `finite` is the single gate; `quiet` silences numpy/scipy runtime warnings so the
pure functions never print to stderr on degenerate data (we report problems in `notes`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from scipy import stats

CONFIDENCE = 0.95

Interval = tuple[float | None, float | None]
NO_INTERVAL: Interval = (None, None)


def finite(x: object) -> float | None:
    """`x` as a plain float if it is a finite real number, else None."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
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


@contextmanager
def quiet() -> Iterator[None]:
    """Silence floating-point and scipy runtime warnings inside the block."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def as_array(xs: Sequence[float]) -> np.ndarray:
    return np.asarray(list(xs), dtype=float)


def is_constant(a: np.ndarray) -> bool:
    """All values exactly equal (compared directly: a computed sd can be 1e-17 for constants)."""
    return a.size > 0 and bool(np.all(a == a[0]))


def sd(a: np.ndarray) -> float | None:
    """Sample standard deviation (ddof=1); exactly 0.0 for constant samples."""
    if a.size < 2:
        return None
    if is_constant(a):
        return 0.0
    with quiet():
        return finite(np.std(a, ddof=1))


def mean(a: np.ndarray) -> float | None:
    if a.size == 0:
        return None
    with quiet():
        return finite(np.mean(a))


def mean_ci(a: np.ndarray) -> Interval:
    """95 % t-interval of the mean; a point interval for constant samples; none for n < 2."""
    m, s = mean(a), sd(a)
    if m is None or s is None:
        return NO_INTERVAL
    with quiet():
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, a.size - 1) * s / math.sqrt(a.size)
    return interval(m - half, m + half)


def json_interval(ci: Interval) -> list[float | None]:
    return [ci[0], ci[1]]
