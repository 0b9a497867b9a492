"""Numeric helpers of the analyses (numpy and scipy): imported only when something is
computed, never by the result types or the pages that format them.

`quiet` silences numpy/scipy runtime warnings so the pure functions never print to stderr
on degenerate data (we report problems in `notes`).

The distribution functions below (`t_ppf`, `t_sf`, `t_cdf`, `nct_sf`, `nct_cdf`) return what
`scipy.stats.t` and `scipy.stats.nct` return, bit for bit: those methods check and broadcast
their arguments (about 50–100 µs a call) and then evaluate a scipy.special ufunc, which these
helpers call directly (1–2 µs) when the arguments are ordinary — finite, inside the
distribution's support, a probability strictly between 0 and 1. Any other argument goes to
the scipy.stats method itself, so edge cases keep scipy's answers. The analyses call them
thousands of times per knowledge base (power searches, Fieller's fixed point), issue 9.

`run_test` calls a scipy.stats test function without its `_axis_nan_policy` layer when that
layer has nothing to do (see there).
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import Any

import numpy as np
from scipy import special, stats

from ._common import CONFIDENCE, NO_INTERVAL, Interval, finite, interval

try:  # the survival function scipy.stats.nct.sf evaluates (Boost's complement of the cdf)
    from scipy.special._ufuncs import _nct_sf
except ImportError:  # pragma: no cover - another scipy layout: use the distribution object
    _nct_sf = None

_state = threading.local()  # quiet() nesting depth of this thread


class _Quiet:
    """The context manager of `quiet()`: only the outermost block of a thread does work."""

    __slots__ = ("_stack",)

    def __init__(self) -> None:
        self._stack: ExitStack | None = None

    def __enter__(self) -> None:
        depth = getattr(_state, "depth", 0)
        if depth == 0:
            stack = ExitStack()
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
            stack.enter_context(np.errstate(all="ignore"))
            self._stack = stack
        _state.depth = depth + 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _state.depth -= 1
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.__exit__(exc_type, exc, tb)


def quiet() -> _Quiet:
    """Silence floating-point and scipy runtime warnings inside the block.

    Blocks nest: an inner block inside an outer one (an analysis wraps all its work in one)
    costs a counter update, not a new warnings filter and numpy error state."""
    return _Quiet()


def _ordinary(x: float, df: float) -> bool:
    return math.isfinite(x) and 0.0 < df < math.inf


def t_ppf(q: float, df: float) -> float:
    """`scipy.stats.t.ppf(q, df)` for scalars."""
    if 0.0 < q < 1.0 and 0.0 < df < math.inf:
        # ppf returns _ppf * scale + loc: "+ 0.0" keeps that (it turns −0.0 into 0.0)
        return float(special.stdtrit(df, q)) + 0.0
    with quiet():
        return float(stats.t.ppf(q, df))


def t_ppf_array(q: float, df: np.ndarray) -> np.ndarray:
    """`scipy.stats.t.ppf(q, df)` for an array of degrees of freedom (as an array)."""
    if 0.0 < q < 1.0 and bool(np.all((df > 0.0) & (df < np.inf))):
        return np.asarray(special.stdtrit(df, q) + 0.0, dtype=float)
    with quiet():
        return np.asarray(stats.t.ppf(q, df), dtype=float)


def t_sf(x: float, df: float) -> float:
    """`scipy.stats.t.sf(x, df)` for scalars."""
    if _ordinary(x, df):
        return float(special.stdtr(df, -x))
    with quiet():
        return float(stats.t.sf(x, df))


def t_cdf(x: float, df: float) -> float:
    """`scipy.stats.t.cdf(x, df)` for scalars."""
    if _ordinary(x, df):
        return float(special.stdtr(df, x))
    with quiet():
        return float(stats.t.cdf(x, df))


def nct_sf(x: float, df: float, nc: float) -> float:
    """`scipy.stats.nct.sf(x, df, nc)` for scalars (clipped to [0, 1] as nct.sf does)."""
    if _nct_sf is not None and _ordinary(x, df) and math.isfinite(nc):
        with quiet():  # nct.sf ignores overflow in Boost's series (scipy gh-17432)
            v = float(_nct_sf(x, df, nc))
        return 0.0 if v < 0.0 else 1.0 if v > 1.0 else v  # NaN stays NaN, as with np.clip
    with quiet():
        return float(stats.nct.sf(x, df, nc))


def nct_cdf(x: float, df: float, nc: float) -> float:
    """`scipy.stats.nct.cdf(x, df, nc)` for scalars."""
    if _ordinary(x, df) and math.isfinite(nc):
        return float(special.nctdtr(df, nc, x))
    with quiet():
        return float(stats.nct.cdf(x, df, nc))


@functools.cache
def _undecorated(test: Callable[..., Any]) -> Callable[..., Any]:
    raw: Callable[..., Any] = inspect.unwrap(test)
    return raw


def run_test(test: Callable[..., Any], *samples: np.ndarray, **options: Any) -> Any:
    """`test(*samples, **options)` for a scipy.stats test (ttest_ind, ttest_rel,
    mannwhitneyu, wilcoxon, kendalltau), skipping its `_axis_nan_policy` decorator when every
    sample is a 1-D float64 array of at least 2 finite values. For such samples the decorator
    only inspects the signature, broadcasts, finds no NaN and no too-small sample, and calls
    the function it wraps with the same samples and options (minus `axis`, `nan_policy` and
    `keepdims`, which the callers here never pass); that bookkeeping is about a third of a
    call. Any other input goes through the decorator, so NaN, tiny samples and other shapes
    keep scipy's handling."""
    direct = all(
        s.ndim == 1 and s.dtype == np.float64 and s.size >= 2 and bool(np.all(np.isfinite(s)))
        for s in samples
    )
    return (_undecorated(test) if direct else test)(*samples, **options)


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
        half = t_ppf(0.5 + CONFIDENCE / 2, a.size - 1) * s / math.sqrt(a.size)
    return interval(m - half, m + half)
