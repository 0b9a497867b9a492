"""Published reference values reproduced by the engine (each source named next to it)."""

from __future__ import annotations

import pytest
from scipy.optimize import brentq

from generator.stats import (
    Benchmark,
    Method,
    Metric,
    analyse_benchmark,
    compare_samples,
    holm_adjust,
    runs_needed,
    t_test_power,
    wilson_interval,
)

# Student (1908) / Cushny & Peebles sleep data, as in R's `datasets::sleep`.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def printed(text: str) -> object:
    """A value as R prints it: equal up to half a unit in its last printed digit."""
    mantissa = text.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    return pytest.approx(float(text), abs=0.5 * 10 ** (exponent - decimals) * (1 + 1e-9))


def test_welch_matches_r_sleep() -> None:
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 percent confidence interval: -3.3654832  0.2054832
    c = compare_samples(SLEEP_1, SLEEP_2, paired=False)
    assert c.test == "welch-t"
    assert c.statistic == printed("-1.8608")
    assert c.df == printed("17.776")
    assert c.p == printed("0.07939")
    assert c.diff_ci[0] == pytest.approx(-3.3654832, abs=1e-6)
    assert c.diff_ci[1] == pytest.approx(0.2054832, abs=1e-6)


def test_paired_t_matches_r_sleep() -> None:
    # R: t.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE)
    # -> t = -4.0621, df = 9, p-value = 0.002833; 95 % CI -2.4598858 -0.7001142
    c = compare_samples(SLEEP_1, SLEEP_2, paired=True)
    assert c.test == "paired-t"
    assert c.statistic == printed("-4.0621")
    assert c.df == 9
    assert c.p == printed("0.002833")
    assert c.diff_ci[0] == pytest.approx(-2.4598858, abs=1e-6)
    assert c.diff_ci[1] == pytest.approx(-0.7001142, abs=1e-6)


def test_sleep_through_analyse_benchmark() -> None:
    b = Benchmark(
        "sleep",
        paired=True,
        alpha=0.05,
        metrics=[Metric("extra", "higher")],
        methods=[Method("drug1", {"extra": SLEEP_1}, True), Method("drug2", {"extra": SLEEP_2})],
    )
    (c,) = analyse_benchmark(b).comparisons
    assert c.diff == pytest.approx(1.58)
    assert c.p == printed("0.002833")
    assert c.p_holm == c.p  # a family of one
    assert c.verdict == "better"


def test_holm_matches_r() -> None:
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    assert holm_adjust([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx(
        [0.05, 0.08, 0.09, 0.09, 0.09]
    )


def test_holm_unsorted_by_hand() -> None:
    # By hand: sorted 0.001, 0.03, 0.04, 0.2 -> ×4, ×3, ×2, ×1 = 0.004, 0.09, 0.08, 0.2;
    # running max -> 0.004, 0.09, 0.09, 0.2; back in input order:
    assert holm_adjust([0.04, 0.001, 0.03, 0.2]) == pytest.approx([0.09, 0.004, 0.09, 0.2])
    # capping at 1: 0.6×2 = 1.2 -> 1; 0.5×3 = 1.5 -> 1 as well (running max)
    assert holm_adjust([0.6, 0.5, 0.01]) == pytest.approx([1.0, 1.0, 0.03])
    assert holm_adjust([]) == []


def test_mann_whitney_matches_r_exact() -> None:
    # R ?wilcox.test example (Hollander & Wolfe 1973, p. 69): permeability constants
    # wilcox.test(x, y, alternative = "greater") -> W = 35, p-value = 0.1272 (exact);
    # our two-sided exact p is twice that (the exact null distribution is symmetric).
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    c = compare_samples(x, y, paired=False)
    assert c.rank_test == "mann-whitney-u"
    assert c.rank_p == pytest.approx(2 * 0.1272, abs=2e-4)


def test_mann_whitney_matches_r_ties_normal_approximation() -> None:
    # R (endmemo.com/r/wilcoxon.php): wilcox.test(x, y) with ties ->
    # "Wilcoxon rank sum test with continuity correction", W = 51.5, p-value = 0.5966;
    # and with y2: W = 0, p-value = 0.001364.
    x = [1, 5, 9, 24, 56, 21, 3, 7, 21, 4]
    y = [12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5]
    y2 = [1233, 4356, 987, 39999, 1111, 200000]
    assert compare_samples(x, y, paired=False).rank_p == printed("0.5966")
    assert compare_samples(x, y2, paired=False).rank_p == printed("0.001364")


def test_wilcoxon_signed_rank_matches_r() -> None:
    # R ?wilcox.test example (Hollander & Wolfe 1973, p. 29f, depression scale):
    # wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p-value = 0.01953
    # (exact; by hand: 10 of the 2^9 sign patterns give V >= 40, 10/512 = 0.01953125);
    # the two-sided exact p is twice that.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    c = compare_samples(x, y, paired=True)
    assert c.rank_test == "wilcoxon-signed-rank"
    assert c.rank_p == pytest.approx(2 * 0.01953125, rel=1e-9)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        # Newcombe (1998) Stat Med 17:857, Table I, method 3 (Wilson score, no correction);
        # = R prop.test(x, n, correct = FALSE)$conf.int
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(k: int, n: int, lo: float, hi: float) -> None:
    ci = wilson_interval(k, n)
    assert ci[0] == pytest.approx(lo, abs=5e-5)
    assert ci[1] == pytest.approx(hi, abs=5e-5)


def test_power_matches_r_power_t_test() -> None:
    # R: power.t.test(delta = 1, sd = 1, power = 0.8) -> n = 16.71477 (two-sample, per group)
    # R: power.t.test(delta = 1, sd = 1, power = 0.8, type = "paired") -> n = 9.93785
    # We count both rejection tails (R's strict = TRUE); the lower tail shifts n only in the
    # 6th significant digit, so agreement is to 5 digits.
    n2 = brentq(lambda n: t_test_power(n, 1.0, 1.0, 0.05, paired=False) - 0.8, 2, 100)
    n1 = brentq(lambda n: t_test_power(n, 1.0, 1.0, 0.05, paired=True) - 0.8, 2, 100)
    assert n2 == pytest.approx(16.71477, rel=1e-5)
    assert n1 == pytest.approx(9.93785, rel=1e-5)
    assert runs_needed(1.0, 1.0, 0.05, paired=False) == (17, None)
    assert runs_needed(1.0, 1.0, 0.05, paired=True) == (10, None)
