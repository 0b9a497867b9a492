"""Power of t-tests and the number of runs needed to detect a minimum effect.

Power comes from the noncentral t distribution (scipy.stats.nct), two-sided, counting both
rejection tails (R's `power.t.test(..., strict = TRUE)`; the lower tail is negligible for any
effect worth detecting, so results agree with R's default to the digits it prints).

* unpaired (two-sample, pooled sd s):   df = 2n − 2, ncp = δ / (s·√(2/n))
* paired (one-sample on differences):   df = n − 1,  ncp = δ / (s_d/√n)

`runs_needed` is the smallest integer n ≥ 2 (runs per method) whose power reaches the target;
`detectable_effect` is the smallest effect that reaches it with the runs at hand (unequal
group sizes allowed: df = n_a + n_b − 2, ncp = δ / (s·√(1/n_a + 1/n_b))). Both take `sides`:
2 for the two-sided test of a difference, 1 for a one-sided test (non-inferiority, where δ is
the distance between the true change and the margin).
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist

from scipy import optimize

from ._common import finite
from ._numeric import nct_cdf, nct_sf, quiet, t_ppf

MAX_RUNS = 100_000
TARGET_POWER = 0.8
# Beyond this noncentrality nct's numerics may return NaN although the power is 1 to double
# precision (the critical value sits dozens of standard errors below the centre).
_HUGE_NCP = 40.0


@functools.lru_cache(maxsize=4096)
def _t_critical(alpha: float, df: float) -> float:
    """Two-sided critical value of t. The bisection of `runs_needed` visits the same degrees
    of freedom for every comparison (its first midpoints do not depend on the data)."""
    return t_ppf(1.0 - alpha / 2.0, df)


def t_test_power(
    n: float, delta: float, sd: float, alpha: float, paired: bool, sides: int = 2
) -> float:
    """Power of a t-test with `n` runs per group (n may be fractional); two-sided by default."""
    return group_power(n, n, delta, sd, alpha, paired, sides)


def group_power(
    n_a: float, n_b: float, delta: float, sd: float, alpha: float, paired: bool, sides: int = 2
) -> float:
    """Power with n_a and n_b runs (paired: n_a pairs). One-sided power counts one tail."""
    if paired:
        df = n_a - 1.0
        ncp = delta / (sd / math.sqrt(n_a))
    else:
        df = n_a + n_b - 2.0
        ncp = delta / (sd * math.sqrt(1.0 / n_a + 1.0 / n_b))
    ncp = abs(ncp)  # two-sided power is symmetric in the sign of the effect
    q = _t_critical(alpha * (2.0 / sides), df)
    upper = finite(nct_sf(q, df, ncp))
    lower = finite(nct_cdf(-q, df, ncp)) if sides == 2 else 0.0
    if upper is None:
        upper = 1.0 if ncp > _HUGE_NCP else 0.0
    if lower is None:
        # scipy's nct.cdf returns NaN far in the tail (e.g. ncp ≥ 20); for ncp ≥ 0 the
        # wrong-sign tail is below P(Z < −ncp), i.e. 0 to double precision there.
        lower = 0.0
    return min(1.0, max(0.0, upper + lower))


def runs_needed(
    delta: float | None,
    sd: float | None,
    alpha: float,
    paired: bool,
    power: float = TARGET_POWER,
    max_runs: int = MAX_RUNS,
    sides: int = 2,
) -> tuple[int | None, str | None]:
    """Smallest n ≥ 2 reaching `power` for effect `delta` given noise `sd`, plus a note.

    Returns (None, reason) when it cannot be answered.
    """
    if delta is None or sd is None:
        return None, "runs needed undefined: effect or noise estimate missing"
    delta = abs(delta)
    if delta == 0.0:
        return None, "runs needed undefined: the minimum effect is 0"
    if not 0.0 < alpha < 1.0:
        return None, f"runs needed undefined: alpha = {alpha} is not in (0, 1)"
    if sd == 0.0:
        return 2, "no run-to-run noise observed: 2 runs suffice if that holds, but check"
    if t_test_power(max_runs, delta, sd, alpha, paired, sides) < power:
        return (
            None,
            f"more than {max_runs} runs per method would be needed for {power * 100:.0f} % power",
        )
    # Start at the normal approximation and walk to the exact answer: power grows with n, so
    # the answer is the first n whose power reaches the target (a few evaluations, not ~17).
    z = _z(alpha, sides) + NormalDist().inv_cdf(power)
    n = min(max_runs, max(2, math.ceil((2.0 if not paired else 1.0) * (z * sd / delta) ** 2)))
    if t_test_power(n, delta, sd, alpha, paired, sides) >= power:
        while n > 2 and t_test_power(n - 1, delta, sd, alpha, paired, sides) >= power:
            n -= 1
        return n, None
    lo, hi = n, max_runs  # power(lo) < target <= power(hi)
    step = 1
    while lo + step < hi:  # gallop upwards, then bisect
        if t_test_power(lo + step, delta, sd, alpha, paired, sides) >= power:
            hi = lo + step
            break
        lo, step = lo + step, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if t_test_power(mid, delta, sd, alpha, paired, sides) >= power:
            hi = mid
        else:
            lo = mid
    return hi, None


def _z(alpha: float, sides: int) -> float:
    return NormalDist().inv_cdf(1.0 - alpha / sides)


def detectable_effect(
    n_a: int,
    n_b: int,
    sd: float | None,
    alpha: float,
    paired: bool,
    sides: int = 2,
    power: float = TARGET_POWER,
) -> float | None:
    """Smallest |δ| detected with `power` given the runs at hand; None when undefined.

    Exactly 0 when no noise was observed (any non-zero difference would show)."""
    if sd is None or n_a < 2 or n_b < 2 or not 0.0 < alpha < 1.0:
        return None
    if sd == 0.0:
        return 0.0

    def gap(delta: float) -> float:
        return group_power(n_a, n_b, delta, sd, alpha, paired, sides) - power

    # A bracket around the t-approximation (t quantiles at the test's df), widened if needed.
    df = n_a - 1.0 if paired else n_a + n_b - 2.0
    se = sd / math.sqrt(n_a) if paired else sd * math.sqrt(1.0 / n_a + 1.0 / n_b)
    guess = (_t_critical(alpha * 2.0 / sides, df) + t_ppf(power, df)) * se
    lo, hi = 0.9 * guess, 1.1 * guess
    while gap(lo) > 0.0:
        lo /= 2.0
    while gap(hi) < 0.0:
        hi *= 2.0
        if not math.isfinite(hi) or hi > sd * 1e12:
            return None
    with quiet():
        return finite(optimize.brentq(gap, lo, hi, xtol=sd * 1e-10, rtol=1e-10))
