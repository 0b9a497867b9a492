"""The fast paths of the statistics (issue 9) give scipy.stats' own answers, bit for bit.

`_numeric.t_ppf` & co. call the scipy.special ufunc a scipy.stats distribution method
evaluates, without the method's argument handling; `run_test` calls a scipy.stats test
without its `_axis_nan_policy` decorator. Each is compared here with the scipy.stats call it
replaces, over ordinary and edge arguments (those must fall back to scipy.stats), with exact
equality: the same number, the same sign of zero, NaN where scipy gives NaN.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from generator.stats import _numeric
from generator.stats._numeric import (
    nct_cdf,
    nct_sf,
    quiet,
    run_test,
    t_cdf,
    t_ppf,
    t_ppf_array,
    t_sf,
)

PROBS = [0.0, 1e-300, 1e-12, 0.025, 0.2, 0.5, 0.8, 0.975, 0.9999999, 1.0, -0.1, 1.1, math.nan]
DFS = [0.5, 1.0, 2.0, 3.5, 9.0, 30.0, 1e6, math.inf, 0.0, -1.0, math.nan]
XS = [-math.inf, -40.0, -2.0, -0.0, 0.0, 1e-8, 1.96, 5.0, 40.0, math.inf, math.nan]
NCS = [0.0, -0.0, 0.5, -3.0, 2.8, 20.0, 40.0, 100.0, math.inf, -math.inf, math.nan]


def same(a: float, b: Any) -> bool:
    """Exactly the same double (NaN matches NaN; 0.0 does not match −0.0)."""
    b = float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def reference(f: Any, *args: float) -> float:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(f(*args))


def test_same_tells_values_apart() -> None:
    assert same(0.1, 0.1) and same(math.nan, math.nan)
    assert not same(0.0, -0.0) and not same(1.0, math.nextafter(1.0, 2.0))
    assert not same(1.0, math.nan)


@pytest.mark.parametrize(("q", "df"), list(itertools.product(PROBS, DFS)))
def test_t_ppf_is_scipy_stats_t_ppf(q: float, df: float) -> None:
    assert same(t_ppf(q, df), reference(stats.t.ppf, q, df))


@pytest.mark.parametrize(("x", "df"), list(itertools.product(XS, DFS)))
def test_t_sf_and_cdf_are_scipy_stats(x: float, df: float) -> None:
    assert same(t_sf(x, df), reference(stats.t.sf, x, df))
    assert same(t_cdf(x, df), reference(stats.t.cdf, x, df))


@pytest.mark.parametrize(("x", "df", "nc"), list(itertools.product(XS, DFS[::2], NCS)))
def test_nct_sf_and_cdf_are_scipy_stats(x: float, df: float, nc: float) -> None:
    assert same(nct_sf(x, df, nc), reference(stats.nct.sf, x, df, nc))
    assert same(nct_cdf(x, df, nc), reference(stats.nct.cdf, x, df, nc))


@settings(max_examples=300, deadline=None)
@given(
    x=st.floats(-60, 60),
    df=st.floats(0.01, 1e7),
    nc=st.floats(-60, 60),
    q=st.floats(0.0, 1.0),
)
def test_fast_paths_match_scipy_stats_anywhere(x: float, df: float, nc: float, q: float) -> None:
    assert same(t_ppf(q, df), reference(stats.t.ppf, q, df))
    assert same(t_sf(x, df), reference(stats.t.sf, x, df))
    assert same(t_cdf(x, df), reference(stats.t.cdf, x, df))
    assert same(nct_sf(x, df, nc), reference(stats.nct.sf, x, df, nc))
    assert same(nct_cdf(x, df, nc), reference(stats.nct.cdf, x, df, nc))


def test_the_nct_survival_function_ufunc_is_used() -> None:
    # Without it nct_sf falls back to the distribution object: still right, but slow.
    assert _numeric._nct_sf is not None


@pytest.mark.parametrize(
    "df",
    [
        np.array([1.0, 2.5, 30.0, 1e5]),
        np.array(4.0),
        np.array([3.0, np.nan, 7.0]),  # one bad entry: the whole array goes to scipy.stats
        np.array([[2.0, 0.0], [np.inf, 5.0]]),
        np.array([], dtype=float),
    ],
)
@pytest.mark.parametrize("q", [0.975, 0.5, 0.0, 1.0])
def test_t_ppf_array_is_scipy_stats_t_ppf(df: np.ndarray, q: float) -> None:
    got = t_ppf_array(q, df)
    with np.errstate(all="ignore"):
        want = np.asarray(stats.t.ppf(q, df), dtype=float)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert all(same(float(g), w) for g, w in zip(got.ravel(), want.ravel(), strict=True))


# ------------------------------------------------------------------------ run_test


def _fields(res: Any) -> list[Any]:
    out = [res.statistic, res.pvalue]
    if hasattr(res, "df"):
        out.append(res.df)
        for level in (0.5, 0.9, 0.95, 0.99375, 0.9999):
            ci = res.confidence_interval(confidence_level=level)
            out += [ci.low, ci.high]
    return out


def _assert_same_result(a: Any, b: Any) -> None:
    fa, fb = _fields(a), _fields(b)
    assert len(fa) == len(fb)
    assert all(same(float(x), y) for x, y in zip(fa, fb, strict=True)), (fa, fb)


def _cases(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for n_a, n_b in [(2, 2), (3, 5), (5, 5), (8, 3), (12, 12), (60, 55)]:
        a = rng.normal(10.0, 2.0, n_a)
        b = rng.normal(10.5, 1.0, n_b)
        out.append((a, b))
        out.append((np.round(a), np.round(b)))  # ties
    out.append((np.array([1.0, 1.0, 2.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0, 2.0, 3.0])))
    out.append((np.array([1e300, -1e300, 5.0]), np.array([2.0, 3.0, 4.0])))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_run_test_gives_the_decorated_tests_results(seed: int) -> None:
    rng = np.random.default_rng(seed)
    with quiet():
        for a, b in _cases(rng):
            for method in ("exact", "asymptotic"):
                kw: dict[str, Any] = {"alternative": "two-sided", "method": method}
                _assert_same_result(
                    run_test(stats.mannwhitneyu, a, b, use_continuity=True, **kw),
                    stats.mannwhitneyu(a, b, use_continuity=True, **kw),
                )
            _assert_same_result(
                run_test(stats.ttest_ind, a, b, equal_var=False),
                stats.ttest_ind(a, b, equal_var=False),
            )
            _assert_same_result(
                run_test(stats.kendalltau, np.arange(a.size, dtype=float), a),
                stats.kendalltau(np.arange(a.size), a),
            )
            if a.size == b.size:
                _assert_same_result(run_test(stats.ttest_rel, a, b), stats.ttest_rel(a, b))
                d = a - b
                d[0] = 0.0  # a zero difference, dropped by zero_method="wilcox"
                for method in ("exact", "asymptotic"):
                    kw = {"zero_method": "wilcox", "correction": True, "method": method}
                    if method == "exact" and d.size > 50:
                        continue
                    _assert_same_result(run_test(stats.wilcoxon, d, **kw), stats.wilcoxon(d, **kw))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (np.array([1.0, np.nan, 3.0]), np.array([1.0, 2.0, 4.0])),  # NaN: the decorator's NaN
        (np.array([1.0, np.inf, 3.0]), np.array([1.0, 2.0, 4.0])),
        (np.array([1.0]), np.array([1.0, 2.0, 4.0])),  # too small for the decorator
        (np.array([1, 2, 3]), np.array([1.0, 2.0, 5.0])),  # integers: promoted by it
    ],
)
def test_run_test_leaves_other_input_to_the_decorator(a: np.ndarray, b: np.ndarray) -> None:
    with quiet():
        _assert_same_result(
            run_test(stats.ttest_ind, a, b, equal_var=False),
            stats.ttest_ind(a, b, equal_var=False),
        )
        _assert_same_result(
            run_test(stats.mannwhitneyu, a, b, method="asymptotic"),
            stats.mannwhitneyu(a, b, method="asymptotic"),
        )


def test_run_test_bypasses_the_decorator_only_for_plain_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def decorated(*samples: np.ndarray) -> str:
        calls.append("decorated")
        return "decorated"

    def raw(*samples: np.ndarray) -> str:
        return "raw"

    decorated.__wrapped__ = raw  # type: ignore[attr-defined]
    _numeric._undecorated.cache_clear()
    plain = np.array([1.0, 2.0, 3.0])
    assert run_test(decorated, plain, plain) == "raw"
    assert run_test(decorated, plain, np.array([1.0, np.nan])) == "decorated"
    assert run_test(decorated, plain, np.array([2.0])) == "decorated"
    assert run_test(decorated, plain, np.array([[1.0, 2.0]])) == "decorated"
    assert run_test(decorated, plain, np.array([1, 2])) == "decorated"
    assert calls == ["decorated"] * 4
    _numeric._undecorated.cache_clear()


# --------------------------------------------------------------------------- quiet


def _numpy_warns() -> bool:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        np.log(np.zeros(1))
    return bool(seen)


def test_quiet_nests_and_restores() -> None:
    assert _numpy_warns()
    with quiet():
        assert not _numpy_warns() and np.geterr()["divide"] == "ignore"
        with quiet():
            assert not _numpy_warns()
        # the inner block's end does not end the silence
        assert np.geterr()["divide"] == "ignore" and not _numpy_warns()
    assert np.geterr()["divide"] != "ignore"
    assert _numpy_warns()


def test_quiet_restores_after_an_exception() -> None:
    before = np.geterr()
    with pytest.raises(ZeroDivisionError), quiet(), quiet():
        raise ZeroDivisionError
    assert np.geterr() == before
    assert _numeric._state.depth == 0
    assert _numpy_warns()


def test_an_analysis_prints_no_warning() -> None:
    from generator.stats import Benchmark, Method, Metric, analyse_benchmark

    methods = [
        Method("base", {"m": [1e308, -1e308, 1e308]}, True),
        Method("new", {"m": [1e308, 1e308, 1e308]}),
        Method("flat", {"m": [0.0, 0.0, 0.0]}),
    ]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        analyse_benchmark(Benchmark("b", False, 0.05, [Metric("m", "higher", None, 0.1)], methods))
    assert seen == []
