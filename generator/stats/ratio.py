"""The ratio of two means: Fieller's interval and tests of a ratio against a margin.

A relative change is a ratio of means, ρ = μ_a / μ_b (relative change = ρ − 1 for a positive
baseline). Dividing the interval of the difference by the observed baseline mean treats that
mean as known and under-covers badly with noisy baselines. Fieller's method (Fieller 1954,
*J. R. Stat. Soc. B* 16:175) inverts the test of the linear contrast μ_a − θ·μ_b = 0: the
interval is every θ that the t-test of that contrast does not reject. It accounts for both
means' uncertainty and is exact for normal data (paired); for independent samples the
contrast is tested with Welch's statistic and Welch–Satterthwaite degrees of freedom at θ,
which is what R's `t.test(a, theta * b)` does (Tamhane & Logan 2004 use the same
construction). The coverage is checked by simulation in tests/stats/test_stats_coverage.py.

For the paired design, with v the variances and covariance of the means (sample variances
over n), the boundary solves the quadratic

    (ā − θ b̄)² = q² (v_aa − 2θ v_ab + θ² v_bb),   q = t quantile at n − 1 df,

and for independent samples v_ab = 0 and q depends on θ through the Welch df, which is
solved by a fixed-point iteration on each end. The interval is bounded exactly when the
baseline mean is itself distinguishable from 0 at the level (b̄² > q² v_bb, with q at the
baseline's own df); otherwise the set of plausible ratios is unbounded and we report none.

Every function here is vectorised over numpy arrays so that the coverage simulation runs the
production code on thousands of data sets at once.
"""

from __future__ import annotations

import numpy as np

from ._numeric import quiet, t_ppf_array

_ITERATIONS = 60


def welch_df(v_a: np.ndarray, v_b: np.ndarray, df_a: np.ndarray, df_b: np.ndarray) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of v_a + v_b (variances of means)."""
    with quiet():
        return np.asarray((v_a + v_b) ** 2 / (v_a**2 / df_a + v_b**2 / df_b), dtype=float)


def _roots(
    ma: np.ndarray,
    mb: np.ndarray,
    vaa: np.ndarray,
    vbb: np.ndarray,
    vab: np.ndarray,
    q: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Both roots of the Fieller quadratic for critical value q; NaN where unbounded.

    Written in terms of ρ̂ = ā / b̄ and h = q² v / b̄² so that the large ρ̂² terms cancel
    algebraically instead of numerically."""
    with quiet():
        rho = ma / mb
        q2 = q * q / (mb * mb)
        g, h_ab, h_aa = q2 * vbb, q2 * vab, q2 * vaa
        a = 1.0 - g
        b = rho - h_ab
        disc = g * rho * rho - 2.0 * rho * h_ab + h_aa + h_ab * h_ab - g * h_aa
        root = np.sqrt(np.maximum(disc, 0.0))
        lo = np.where(a > 0.0, (b - root) / a, np.nan)
        hi = np.where(a > 0.0, (b + root) / a, np.nan)
    return lo, hi


def fieller_interval(
    mean_a: np.ndarray | float,
    mean_b: np.ndarray | float,
    var_a: np.ndarray | float,
    var_b: np.ndarray | float,
    cov_ab: np.ndarray | float,
    n_a: np.ndarray | float,
    n_b: np.ndarray | float,
    paired: bool,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Fieller interval for μ_a / μ_b at `confidence`; NaN ends where there is none.

    var_a, var_b, cov_ab are sample (co)variances of the runs (ddof = 1); cov_ab is ignored
    unless `paired`. Both samples constant (no variance at all) gives the point ā / b̄."""
    ma, mb = np.asarray(mean_a, dtype=float), np.asarray(mean_b, dtype=float)
    na, nb = np.asarray(n_a, dtype=float), np.asarray(n_b, dtype=float)
    with quiet():
        vaa = np.asarray(var_a, dtype=float) / na
        vbb = np.asarray(var_b, dtype=float) / nb
        vab = np.asarray(cov_ab, dtype=float) / na if paired else np.zeros_like(vaa)
    tail = 0.5 + confidence / 2.0
    if paired:
        q = t_ppf_array(tail, na - 1.0)
        lo, hi = _roots(ma, mb, vaa, vbb, vab, q)
        q_inf = q
    else:
        df_a, df_b = na - 1.0, nb - 1.0
        with quiet():
            rho = ma / mb
        q = t_ppf_array(tail, welch_df(vaa, rho * rho * vbb, df_a, df_b))
        lo, hi = _roots(ma, mb, vaa, vbb, vab, q)
        for _ in range(_ITERATIONS):  # each end solves |T(θ)| = q(df(θ)): a fixed point
            ends = np.stack(np.broadcast_arrays(lo, hi))
            q_ends = t_ppf_array(tail, welch_df(vaa, ends * ends * vbb, df_a, df_b))
            new_lo = _roots(ma, mb, vaa, vbb, vab, q_ends[0])[0]
            new_hi = _roots(ma, mb, vaa, vbb, vab, q_ends[1])[1]
            with quiet():
                moved = np.abs(np.stack([new_lo - ends[0], new_hi - ends[1]]))
                settled = np.all(~(moved > 1e-12 * (1.0 + np.abs(ends))))
            lo, hi = new_lo, new_hi
            if settled:
                break
        q_inf = t_ppf_array(tail, df_b)  # the df as θ → ±∞
    with quiet():
        bounded = mb * mb > q_inf * q_inf * vbb  # the baseline mean is clear of 0
        point = (vaa == 0.0) & (vbb == 0.0) & (vab == 0.0)
        rho = ma / mb
        lo = np.where(point, rho, np.where(bounded, lo, np.nan))
        hi = np.where(point, rho, np.where(bounded, hi, np.nan))
        ok = np.isfinite(lo) & np.isfinite(hi)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def contrast_t(
    a: np.ndarray, b: np.ndarray, theta: float, paired: bool
) -> tuple[float, float, float]:
    """(estimate, standard error, df) of ā − θ·b̄: the statistic of R's
    `t.test(a - theta * b)` (paired) or `t.test(a, theta * b)` (Welch)."""
    with quiet():
        if paired:
            d = a - theta * b
            return float(np.mean(d)), float(np.std(d, ddof=1) / np.sqrt(d.size)), d.size - 1.0
        va = float(np.var(a, ddof=1)) / a.size
        vb = theta * theta * float(np.var(b, ddof=1)) / b.size
        df = float(
            welch_df(
                np.asarray(va), np.asarray(vb), np.asarray(a.size - 1.0), np.asarray(b.size - 1.0)
            )
        )
        return float(np.mean(a) - theta * np.mean(b)), float(np.sqrt(va + vb)), df
