"""Run diagnostics: what a reviewer should look at before trusting a benchmark's tests.

Three checks, each reported as a warning with a stable code (documented in the guide's
rules page) and the runs field it concerns:

* `W-RUN-TREND` — the values drift over run order (warm-up, thermal throttling, a cache
  filling up, a neighbour on the machine). Kendall's τ between run index and value, exact
  p-value for small samples (scipy.stats.kendalltau), flagged at the record's alpha with at
  least 5 runs (with 4 or fewer even a perfect trend has two-sided p ≥ 0.08). In a paired
  design the run index is a seed or shard, not time, so the paired differences are checked
  (a drift between methods); unpaired, each method's own series.
* `W-RUN-OUTLIER` — a run far from the others: the modified z-score of Iglewicz & Hoaglin
  (1993), 0.6745·|x − median| / MAD, above 3.5. Robust: one wild run cannot hide itself by
  inflating the spread. Skipped when more than half the runs are equal (MAD = 0). Paired:
  on the differences; unpaired: each series. More than three in one series (thousands of
  imported rounds) make one warning that counts them and names the three farthest.
* `W-TESTS-DISAGREE` — the t-test and the rank test disagree on significance at alpha
  (unadjusted p of both): a sign of outliers, skew or heavy tails driving one of them. Only
  raised when the rank test could reach p < alpha with this many runs at all (an exact
  Wilcoxon test on 5 pairs cannot go below 0.0625).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from ._common import finite
from ._numeric import quiet, run_test
from .results import RunDiagnostic as RunDiagnostic

TREND_MIN_RUNS = 5
OUTLIER_Z = 3.5
MAX_LISTED_OUTLIERS = 3  # more outliers in one series are reported as one counted warning
_MAD_TO_Z = 0.6745  # Φ⁻¹(0.75): makes the MAD comparable with a standard deviation


def trend(values: Sequence[float]) -> tuple[float, float] | None:
    """(Kendall's τ, two-sided p) of the values against their run order; None if undefined."""
    a = np.asarray(values, dtype=float)
    if a.size < TREND_MIN_RUNS or not np.all(np.isfinite(a)) or np.all(a == a[0]):
        return None
    with quiet():
        # float run indices: what kendalltau's decorator would promote them to
        res = run_test(stats.kendalltau, np.arange(a.size, dtype=float), a)
    tau, p = finite(res.statistic), finite(res.pvalue)
    return None if tau is None or p is None else (tau, p)


def outliers(values: Sequence[float]) -> list[tuple[int, float]]:
    """(index, modified z-score) of every run whose modified z exceeds 3.5."""
    a = np.asarray(values, dtype=float)
    if a.size < 3 or not np.all(np.isfinite(a)):
        return []
    with quiet():
        med = float(np.median(a))
        mad = float(np.median(np.abs(a - med)))
        if not math.isfinite(mad) or mad == 0.0:
            return []
        z = _MAD_TO_Z * np.abs(a - med) / mad
    return [(int(i), float(z[i])) for i in np.flatnonzero(z > OUTLIER_Z)]


def smallest_rank_p(n_a: int, n_b: int, paired: bool) -> float:
    """The smallest two-sided p the exact rank test can give: 2/2ⁿ (signed-rank) or
    2/C(n_a + n_b, n_a) (rank-sum)."""
    if paired:
        return min(1.0, 2.0 * 2.0**-n_a)  # underflows to 0.0 for large n, never overflows
    try:
        return min(1.0, 2.0 / math.comb(n_a + n_b, n_a))
    except OverflowError:  # the binomial exceeds a double (thousands of runs): the bound is 0
        return 0.0


def series_diagnostics(
    values: Sequence[float], metric: str, who: str, field: str, alpha: float, what: str
) -> list[RunDiagnostic]:
    """Trend and outlier warnings for one series; `what` says what the values are."""
    out: list[RunDiagnostic] = []
    t = trend(values)
    if t is not None and t[1] < alpha:
        tau, p = t
        direction = "rise" if tau > 0 else "fall"
        out.append(
            RunDiagnostic(
                "W-RUN-TREND",
                metric,
                who,
                field,
                f"{what} {direction} steadily with run order (Kendall's tau = {tau:.2f}, "
                f"p = {p:.2g}): warm-up or drift? Discard warm-up runs, interleave the methods "
                "or randomise their order, and re-run; the tests assume runs are exchangeable.",
            )
        )
    far = outliers(values)
    if len(far) > MAX_LISTED_OUTLIERS:
        # Thousands of imported rounds (pytest-benchmark) can hold dozens of outliers: one
        # warning that counts them and names the farthest, not one line each.
        worst = sorted(far, key=lambda iz: -iz[1])[:MAX_LISTED_OUTLIERS]
        named = ", ".join(f"run {i + 1} ({values[i]:.6g}, z = {z:.1f})" for i, z in worst)
        out.append(
            RunDiagnostic(
                "W-RUN-OUTLIER",
                metric,
                who,
                field,
                f"{len(far)} of the {len(values)} runs of {what} are far from the others "
                f"(robust z above {OUTLIER_Z}; the farthest: {named}): look for what disturbed "
                "them (other load, garbage collection, frequency scaling); if they were "
                "disturbed, re-run rather than delete them, and say so in the record.",
            )
        )
        far = []
    for i, z in far:
        out.append(
            RunDiagnostic(
                "W-RUN-OUTLIER",
                metric,
                who,
                field,
                f"run {i + 1} of {what} ({values[i]:.6g}) is far from the others (robust "
                f"z = {z:.1f}, above {OUTLIER_Z}): check that run's log; if it was disturbed, "
                "re-run it rather than delete it, and say so in the record.",
            )
        )
    return out


def disagreement(
    p: float | None,
    rank_p: float | None,
    n_a: int,
    n_b: int,
    paired: bool,
    alpha: float,
    metric: str,
    who: str,
    field: str,
    rank_test: str,
) -> RunDiagnostic | None:
    """A warning when exactly one of the t-test and the rank test is significant at alpha."""
    if p is None or rank_p is None or smallest_rank_p(n_a, n_b, paired) >= alpha:
        return None
    t_sig, r_sig = p < alpha, rank_p < alpha
    if t_sig == r_sig:
        return None
    name = "Wilcoxon signed-rank" if rank_test == "wilcoxon-signed-rank" else "Mann–Whitney U"
    if t_sig:
        why = "one or two extreme runs or skewed data may be carrying the t-test"
    else:
        why = "heavy tails or an outlier may be inflating the t-test's variance"
    return RunDiagnostic(
        "W-TESTS-DISAGREE",
        metric,
        who,
        field,
        f"the t-test (p = {p:.2g}) and the {name} test (p = {rank_p:.2g}) disagree at "
        f"alpha = {alpha:g}: {why}. Look at the runs chart before trusting the verdict.",
    )
