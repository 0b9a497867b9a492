"""Simulated coverage of the relative-change interval (Fieller, generator/stats/ratio.py).

The evidence that the interval is honest: normal data over the grid of issue 10 — n from 3
to 20 runs, true ratios 0.3 to 3, coefficients of variation 2 % to 30 %, independent and
paired samples (correlation 0.5) — 2,000 seeded data sets per cell, run through the same
vectorised function the engine uses. Every cell must cover the true ratio at least 93 % of
the time among the data sets that get an interval (when the baseline mean's interval
includes 0 there is no bounded interval and none is reported). The old interval, the
difference interval divided by the observed baseline mean, is simulated alongside to show
the test can fail: it drops below 90 %.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from generator.stats.ratio import fieller_interval

SIMULATIONS = 2000
GRID_N = (3, 5, 10, 20)
GRID_RATIO = (0.3, 1.0, 3.0)
GRID_CV = (0.02, 0.10, 0.30)
CORRELATION = 0.5


def _simulate(
    paired: bool, n: int, ratio: float, cv: float, rng: np.random.Generator
) -> tuple[float, float, float]:
    """(Fieller coverage among reported intervals, share reported, naive coverage)."""
    mean_b = 100.0
    z1 = rng.standard_normal((SIMULATIONS, n))
    z2 = rng.standard_normal((SIMULATIONS, n))
    if paired:
        z2 = CORRELATION * z1 + np.sqrt(1 - CORRELATION**2) * z2
    a, b = ratio * mean_b * (1 + cv * z1), mean_b * (1 + cv * z2)
    ma, mb = a.mean(axis=1), b.mean(axis=1)
    va, vb = a.var(axis=1, ddof=1), b.var(axis=1, ddof=1)
    cov = ((a - ma[:, None]) * (b - mb[:, None])).sum(axis=1) / (n - 1)
    lo, hi = fieller_interval(ma, mb, va, vb, cov, n, n, paired, 0.95)
    reported = np.isfinite(lo) & np.isfinite(hi)
    covered = (lo <= ratio) & (ratio <= hi)
    if paired:
        half = stats.t.ppf(0.975, n - 1) * (a - b).std(axis=1, ddof=1) / np.sqrt(n)
    else:
        se2 = va / n + vb / n
        df = se2**2 / ((va / n) ** 2 / (n - 1) + (vb / n) ** 2 / (n - 1))
        half = stats.t.ppf(0.975, df) * np.sqrt(se2)
    naive_lo, naive_hi = 1 + (ma - mb - half) / mb, 1 + (ma - mb + half) / mb
    naive = float(np.mean((naive_lo <= ratio) & (ratio <= naive_hi)))
    return float(np.mean(covered[reported])), float(np.mean(reported)), naive


@pytest.mark.parametrize("paired", [False, True], ids=["independent", "paired"])
def test_fieller_coverage_over_the_grid(paired: bool) -> None:
    rng = np.random.default_rng(20260101 + paired)
    worst, naive_worst = 1.0, 1.0
    for n in GRID_N:
        for ratio in GRID_RATIO:
            for cv in GRID_CV:
                coverage, reported, naive = _simulate(paired, n, ratio, cv, rng)
                assert coverage >= 0.93, (n, ratio, cv, coverage)
                assert reported >= (0.75 if n == 3 and cv == 0.30 else 0.99), (n, ratio, cv)
                worst, naive_worst = min(worst, coverage), min(naive_worst, naive)
    assert worst < 0.97  # the simulation is not trivially over-covering either
    assert naive_worst < 0.93  # the interval it replaces fails this test
