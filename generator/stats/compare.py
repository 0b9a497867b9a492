"""Comparison of two samples of runs: difference, interval, test, rank test, effect size.

One function, `compare_samples(a, b, paired)`, used both for method-vs-baseline comparisons
(a = method, b = baseline) and for ablations (a = full method, b = variant). The sign
convention is always a − b.

Design choices (documented for the report):
* Main test: Welch's t-test (unpaired) or the paired t-test, from scipy; the 95 % interval of
  the difference is the one belonging to that test.
* Rank test (robustness check), chosen to reproduce R's `wilcox.test` defaults: exact
  distribution when both samples have < 50 runs and there are no ties (and, when paired, no
  zero differences); otherwise the normal approximation with tie and continuity correction.
  Zero differences are dropped ("wilcox" zero method, as R does).
* Effect size: Hedges' g (pooled sd, exact small-sample correction J = Γ(ν/2)/(√(ν/2)·Γ((ν−1)/2)),
  ν = n_a + n_b − 2) unpaired; d_z = mean difference / sd of differences paired.
* Degenerate data: when there is no run-to-run variation (both samples constant, or all
  paired differences equal) the t statistic is undefined. "Constant" uses R's tolerance in
  `t.test`: the standard error below 10 machine epsilons times the largest |mean| involved,
  so differences equal up to floating-point rounding count as equal (R stops with "data are
  essentially constant"; we answer instead). If the difference is non-zero it
  is then exact — every run shows it — so p = 0.0 with statistic and df None; if it is zero,
  p = 1.0. Both cases are explained in `notes`. Rank tests with nothing to rank (all values
  equal, or all paired differences zero) get rank_p = 1.0 with a note.
* A paired design whose samples differ in length is analysed unpaired (with a note).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from ._common import NO_INTERVAL, Interval, finite, interval
from ._numeric import as_array, is_constant, mean, quiet, run_test, sd
from .results import SampleComparison as SampleComparison

_EXACT_LIMIT = 50  # R's wilcox.test uses the exact distribution below 50 observations


def compare_samples(
    a_runs: Sequence[float], b_runs: Sequence[float], paired: bool
) -> SampleComparison:
    """Compare sample a with sample b (a − b). Never raises; undefined values are None."""
    return compare_with_test(a_runs, b_runs, paired)[0]


def compare_with_test(
    a_runs: Sequence[float], b_runs: Sequence[float], paired: bool
) -> tuple[SampleComparison, Any]:
    """`compare_samples`, plus scipy's t-test result object (None when no t-test was run),
    whose `confidence_interval` gives the difference's interval at other levels without
    running the test again."""
    with quiet():  # one warnings filter for the whole comparison (issue 9)
        return _compare(as_array(a_runs), as_array(b_runs), paired)


def _compare(a: np.ndarray, b: np.ndarray, paired: bool) -> tuple[SampleComparison, Any]:
    notes: list[str] = []
    if paired and a.size != b.size:
        notes.append(
            f"paired design but run counts differ ({a.size} vs {b.size}): analysed unpaired"
        )
        paired = False
    ma, mb = mean(a), mean(b)
    if a.size < 2 or b.size < 2:
        notes.append(f"too few runs to test (n = {a.size} and {b.size}; at least 2 each needed)")
        diff = None if ma is None or mb is None else finite(ma - mb)
        core = _Core(diff=diff)
    elif ma is None or mb is None or sd(a) is None or sd(b) is None:
        notes.append(
            "values too large for floating-point arithmetic: no t-test, interval or effect "
            "size; the rank test does not need that arithmetic and is reported"
        )
        if paired:
            with quiet():
                rank_p = _wilcoxon(a - b, notes) if np.all(np.isfinite(a - b)) else None
        else:
            rank_p = _mann_whitney(a, b, notes)
        core = _Core(rank_p=rank_p)
    else:
        core = _paired(a, b, notes) if paired else _unpaired(a, b, notes)
    with quiet():
        var_a = finite(np.var(a, ddof=1)) if a.size > 1 else None
        var_b = finite(np.var(b, ddof=1)) if b.size > 1 else None
        cov = finite(np.cov(a, b)[0, 1]) if paired and a.size > 1 else None
    comparison = SampleComparison(
        n_a=int(a.size),
        n_b=int(b.size),
        mean_a=ma,
        mean_b=mb,
        diff=core.diff,
        diff_ci=core.test.ci,
        test="paired-t" if paired else "welch-t",
        statistic=core.test.statistic,
        df=core.test.df,
        p=core.test.p,
        rank_test="wilcoxon-signed-rank" if paired else "mann-whitney-u",
        rank_p=core.rank_p,
        effect_size=core.effect_size,
        effect_size_kind="d_z" if paired else "hedges_g",
        noise_sd=core.noise_sd,
        paired=paired,
        notes=tuple(notes),
        var_a=var_a,
        var_b=var_b,
        cov_ab=cov,
        exact=core.exact,
    )
    return comparison, core.ttest


@dataclass(frozen=True)
class _Test:
    ci: Interval = NO_INTERVAL
    statistic: float | None = None
    df: float | None = None
    p: float | None = None


@dataclass(frozen=True)
class _Core:
    diff: float | None = None
    test: _Test = _Test()
    effect_size: float | None = None
    noise_sd: float | None = None
    rank_p: float | None = None
    exact: bool = False
    ttest: Any = None  # scipy's t-test result, when the t-test was run


_TOLERANCE = 10 * np.finfo(float).eps  # R's t.test: "data are essentially constant"


def essentially_constant(se: float | None, *means: float | None) -> bool:
    """R's test: the standard error is below 10 machine epsilons times the largest |mean|."""
    if se is None:
        return False
    scale = max((abs(m) for m in means if m is not None), default=0.0)
    return bool(se == 0.0 or se < _TOLERANCE * scale)


def _exact_difference(diff: float | None, notes: list[str], what: str) -> _Test:
    """Test results when `what` shows no variation at all (see module docstring)."""
    if diff is None:
        notes.append("difference too large for floating-point arithmetic: not tested")
        return _Test()
    if diff == 0.0:
        notes.append(f"{what}: no difference at all; p set to 1")
        return _Test(ci=(0.0, 0.0), p=1.0)
    notes.append(
        f"{what}: the difference of {diff:.6g} is exact (no run-to-run noise observed); "
        "p set to 0 and no t statistic"
    )
    return _Test(ci=(diff, diff), p=0.0)


def _t_result(res: Any, notes: list[str]) -> _Test:
    with quiet():
        ci = res.confidence_interval(confidence_level=0.95)
        out = _Test(
            ci=interval(ci.low, ci.high),
            statistic=finite(res.statistic),
            df=finite(res.df),
            p=finite(res.pvalue),
        )
    if out.p is None:
        notes.append("t-test gave no finite p-value (numerically degenerate data)")
    return out


def _unpaired(a: np.ndarray, b: np.ndarray, notes: list[str]) -> _Core:
    with quiet():
        se = finite(math.sqrt(np.var(a, ddof=1) / a.size + np.var(b, ddof=1) / b.size))
    exact = (is_constant(a) and is_constant(b)) or essentially_constant(
        se, float(np.mean(a)), float(np.mean(b))
    )
    res: Any = None
    if exact:
        with quiet():
            diff = finite(np.mean(a) - np.mean(b))
        what = "both samples are constant" + (
            "" if is_constant(a) and is_constant(b) else " up to floating-point rounding"
        )
        test = _exact_difference(diff, notes, what)
    else:
        with quiet():
            diff = finite(np.mean(a) - np.mean(b))
            res = run_test(stats.ttest_ind, a, b, equal_var=False)
            test = _t_result(res, notes)
    sa, sb = (0.0, 0.0) if exact else (sd(a) or 0.0, sd(b) or 0.0)
    nu = a.size + b.size - 2
    with quiet():
        pooled = finite(math.sqrt(((a.size - 1) * sa**2 + (b.size - 1) * sb**2) / nu))
    effect = None
    if pooled is None or pooled == 0.0 or diff is None:
        notes.append("effect size undefined: no run-to-run variation")
    else:
        # exact Hedges correction, via log-gamma so it stays finite for large samples
        j = math.exp(special.gammaln(nu / 2) - special.gammaln((nu - 1) / 2)) / math.sqrt(nu / 2)
        effect = finite(j * diff / pooled)
    return _Core(diff, test, effect, pooled, _mann_whitney(a, b, notes), exact, res)


def _paired(a: np.ndarray, b: np.ndarray, notes: list[str]) -> _Core:
    with quiet():
        d = a - b
        se = finite(np.std(d, ddof=1) / math.sqrt(d.size))
    exact = is_constant(d) or essentially_constant(se, float(np.mean(d)))
    res: Any = None
    if exact:
        with quiet():
            diff = finite(np.mean(d))
        what = "all paired differences are equal" + (
            "" if is_constant(d) else " up to floating-point rounding"
        )
        test = _exact_difference(diff, notes, what)
    else:
        with quiet():
            diff = finite(np.mean(d))
            res = run_test(stats.ttest_rel, a, b)
            test = _t_result(res, notes)
    sdd = 0.0 if exact else sd(d)
    effect = None
    if sdd is None or sdd == 0.0 or diff is None:
        notes.append("effect size undefined: the paired differences do not vary")
    else:
        effect = finite(diff / sdd)
    return _Core(diff, test, effect, sdd, _wilcoxon(d, notes), exact, res)


def _mann_whitney(a: np.ndarray, b: np.ndarray, notes: list[str]) -> float | None:
    pooled = np.concatenate([a, b])
    if is_constant(pooled):
        notes.append("rank test: all values are equal, nothing to rank; rank_p set to 1")
        return 1.0
    ties = np.unique(pooled).size < pooled.size
    exact = not ties and a.size < _EXACT_LIMIT and b.size < _EXACT_LIMIT
    with quiet():
        res = run_test(
            stats.mannwhitneyu, a, b, alternative="two-sided",
            method="exact" if exact else "asymptotic", use_continuity=True,
        )  # fmt: skip
    p = finite(res.pvalue)
    if p is None:
        notes.append("rank test gave no finite p-value")
    return p


def _wilcoxon(d: np.ndarray, notes: list[str]) -> float | None:
    nonzero = d[d != 0.0]
    if nonzero.size == 0:
        notes.append("rank test: all paired differences are zero, nothing to rank; rank_p set to 1")
        return 1.0
    magnitudes = np.abs(nonzero)
    ties = np.unique(magnitudes).size < magnitudes.size
    exact = not ties and nonzero.size == d.size and d.size < _EXACT_LIMIT
    with quiet():
        res = run_test(
            stats.wilcoxon, d, zero_method="wilcox", correction=True, alternative="two-sided",
            method="exact" if exact else "asymptotic",
        )  # fmt: skip
    p = finite(res.pvalue)
    if p is None:
        notes.append("rank test gave no finite p-value")
    return p
