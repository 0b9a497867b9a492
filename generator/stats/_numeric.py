"""Numeric helpers of the analyses (numpy and scipy): imported only when something is
computed, never by the result types or the pages that format them.

`quiet` silences numpy/scipy runtime warnings so the pure functions never print to stderr
on degenerate data (we report problems in `notes`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from scipy import stats

from ._common import CONFIDENCE, NO_INTERVAL, Interval, finite, interval


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
