"""Published reference values reproduced by the engine (each source named next to it)."""

from __future__ import annotations

from typing import Any

import numpy as np
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
from generator.stats.ratio import fieller_interval

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


# ---------------------------------------------------------------- Statistics v2 (issue 10)
# ASAT values of female rats in a toxicity study (Hauschke 1999, the example data of R's
# `mratios` package, `data(ASAT)`): TREAT (15 rats) and KON, the control (19 rats).
ASAT_TREAT = [
    1.53,
    1.75,
    2.12,
    2.83,
    2.58,
    2.37,
    2.92,
    2.08,
    3.01,
    2.67,
    2.06,
    2.25,
    3.08,
    2.01,
    1.58,
]
ASAT_KON = [1.33, 1.78, 1.53, 1.95, 1.83, 1.47, 1.87, 1.55, 2.58, 2.17, 1.97, 1.62, 2.25,
            3.53, 2.92, 1.78, 2.22, 2.55, 2.75]  # fmt: skip
# Body weights of male rats, high dose vs control (mratios `data(rat.weight)`), the package's
# documented equivalence example.
WEIGHT_DOSE = [465, 492.2, 466.3, 555.5, 528.1, 483.8, 502.8, 468.1, 519.2, 500.2]
WEIGHT_CONTROL = [519.8, 535.7, 491.7, 508.7, 565.5, 485.8, 520.7, 507.5, 428.9, 466]
# The bundled int4-vs-int8 accuracy benchmark (content/benchmarks/quant-int4-vs-int8-accuracy.md).
INT4 = [85.4, 85.0, 87.3, 85.2, 86.1]
INT8 = [85.9, 84.1, 85.6, 84.7, 85.7]


def _two(
    a: list[float], b: list[float], *, paired: bool, better: str = "higher",
    min_effect: float | None = None, guardrail: bool = False,
) -> Any:  # fmt: skip
    rec = Benchmark(
        "ref", paired=paired, alpha=0.05,
        metrics=[Metric("m", better, None, min_effect, guardrail)],  # type: ignore[arg-type]
        methods=[Method("base", {"m": b}, True), Method("new", {"m": a})],
    )  # fmt: skip
    return analyse_benchmark(rec).comparisons[0]


def test_welch_fieller_matches_mratios_asat() -> None:
    # R 4.2.2 with mratios' t.test.ratio.default sourced and uniroot's tol set to 1e-14:
    #   t.test.ratio(x = TREAT, y = KON, var.equal = FALSE, iterativeCI = TRUE,
    #                conf.level = 0.95)$conf.int  -> 0.937424618568 1.325272586355
    #   ... conf.level = 0.90                     -> 0.965080981498 1.286168476587
    # (Fieller's interval with Welch-Satterthwaite df at each ratio; Tamhane & Logan 2004.)
    a, b = np.array(ASAT_TREAT), np.array(ASAT_KON)
    for level, ref in ((0.95, (0.937424618568, 1.325272586355)),
                       (0.90, (0.965080981498, 1.286168476587))):  # fmt: skip
        lo, hi = fieller_interval(
            a.mean(), b.mean(), a.var(ddof=1), b.var(ddof=1), 0.0, a.size, b.size, False, level
        )
        assert (float(lo), float(hi)) == pytest.approx(ref, abs=1e-9)
    c = _two(ASAT_TREAT, ASAT_KON, paired=False, better="lower")
    assert c.rel_diff == pytest.approx(1.11300546448 - 1, abs=1e-11)  # R: mean x / mean y
    assert c.rel_diff_ci == pytest.approx((0.937424618568 - 1, 1.325272586355 - 1), abs=1e-9)


def test_paired_fieller_matches_closed_form_sleep() -> None:
    # Fieller (1954) closed form with the covariance of the paired means, computed in R 4.2.2:
    #   a <- sleep$extra[1:10]; b <- sleep$extra[11:20]; n <- 10; q <- qt(0.975, 9)
    #   A <- mean(b)^2 - q^2*var(b)/n; B <- mean(a)*mean(b) - q^2*cov(a,b)/n
    #   C <- mean(a)^2 - q^2*var(a)/n; (B + c(-1, 1)*sqrt(B^2 - A*C))/A
    #   -> -0.484919775372  0.656596685286   (A = 3.377 > 0: bounded)
    # With the roles swapped A = -1.075 < 0: drug 1's mean is not clear of 0, no interval.
    c = _two(SLEEP_1, SLEEP_2, paired=True)
    assert c.rel_diff_ci == pytest.approx((-0.484919775372 - 1, 0.656596685286 - 1), abs=1e-9)
    swapped = _two(SLEEP_2, SLEEP_1, paired=True)
    assert swapped.rel_diff is None and swapped.rel_diff_ci == (None, None)
    assert any("95 % interval includes 0" in n for n in swapped.notes)


def test_non_inferiority_paired_int4_int8() -> None:
    # R 4.2.2: t.test(int4 - 0.99 * int8, alternative = "greater")
    #   -> t = 4.0696, df = 4, p-value = 0.007614   (the ratio test of "not 1 % worse")
    # and the difference itself: t.test(int4, int8, paired = TRUE) -> p-value = 0.1688
    c = _two(INT4, INT8, paired=True, min_effect=0.01, guardrail=True)
    assert c.p == printed("0.1688")
    assert c.judgement.p_noninferiority == printed("0.007614")
    assert c.verdict == "non-inferior"
    lo, hi = c.judgement.verdict_interval.rel  # 90 %: its lower end is the one-sided bound
    assert c.judgement.verdict_interval.level == pytest.approx(0.90)
    assert lo is not None and hi is not None and -0.01 < lo < 0 < hi
    plain = _two(INT4, INT8, paired=True, min_effect=0.01)  # not a guardrail: cannot tell
    assert plain.verdict == "inconclusive"


def test_non_inferiority_welch_asat() -> None:
    # Hauschke's question for the ASAT data: is TREAT not relevantly (25 %) higher than KON?
    # R 4.2.2: t.test(TREAT, 1.25 * KON, alternative = "less")
    #   -> t = -1.3642796, df = 31.750787, p-value = 0.09103621
    # (= mratios t.test.ratio(TREAT, KON, alternative = "less", rho = 1.25)).
    c = _two(ASAT_TREAT, ASAT_KON, paired=False, better="lower", min_effect=0.25, guardrail=True)
    assert c.judgement.p_noninferiority == printed("0.09103621")
    assert c.verdict == "inconclusive"  # not shown at alpha = 0.05, not shown inferior either
    assert c.judgement.p_inferiority == pytest.approx(1 - 0.09103621, abs=1e-8)


def test_tost_equivalence_rat_weight() -> None:
    # R 4.2.2, Welch's two one-sided tests of the ratio within 0.8 .. 1.2:
    #   t.test(dose, 0.8 * control, alternative = "greater")$p.value -> 5.98065220526e-07
    #   t.test(dose, 1.2 * control, alternative = "less")$p.value    -> 8.07757026009e-06
    #   t.test(dose, control)$p.value -> 0.750761 (no difference shown)
    #   t.test.ratio(dose, control, iterativeCI = TRUE, conf.level = 0.90)$conf.int
    #     -> 0.939657055198 1.044354004653   (mratios, uniroot tol 1e-14)
    c = _two(WEIGHT_DOSE, WEIGHT_CONTROL, paired=False, min_effect=0.2)
    assert c.p == printed("0.750761")
    assert c.judgement.p_equivalence == pytest.approx(8.07757026009e-06, rel=1e-8)
    assert c.verdict == "equivalent"
    vi = c.judgement.verdict_interval
    assert vi.basis == "tost" and vi.level == pytest.approx(0.90)
    assert vi.rel == pytest.approx((0.939657055198 - 1, 1.044354004653 - 1), abs=1e-9)
    narrow = _two(WEIGHT_DOSE, WEIGHT_CONTROL, paired=False, min_effect=0.05)
    assert narrow.verdict == "inconclusive"  # the 90 % interval reaches −6 %: not within ±5 %


def test_paired_differences_constant_up_to_rounding() -> None:
    # b + 0.1 - b is 0.1 only up to rounding (0.100000000000000089 ×3, 0.099999999999999645).
    # R 4.2.2: t.test(b + 0.1, b, paired = TRUE) -> Error: data are essentially constant.
    # Before: t = 3e16-style figures. Now: treated as constant, no t statistic, no effect size.
    b = [1.0, 2.0, 3.0, 4.0]
    c = _two([x + 0.1 for x in b], b, paired=True)
    assert c.statistic is None and c.effect_size is None and c.df is None
    assert c.diff == pytest.approx(0.1) and c.diff_ci[0] == c.diff_ci[1] == c.diff
    assert c.p == 0.0 and c.verdict == "better"
    assert any("up to floating-point rounding" in n for n in c.notes)


def test_baseline_mean_zero_up_to_rounding() -> None:
    # R 4.2.2: mean(c(0.1, 0.2, -0.3)) -> 9.251859e-18, and its t-interval straddles 0: the
    # old relative change was +2e18 %. Now relative figures are None with a note.
    c = _two([5.0, 6.0, 7.0], [0.1, 0.2, -0.3], paired=False, min_effect=0.05)
    assert c.rel_diff is None and c.rel_diff_ci == (None, None)
    assert c.judgement.verdict_interval.rel == (None, None)
    assert c.verdict == "better" and c.diff == pytest.approx(6.0)


def test_huge_values_are_undetermined_with_the_rank_test() -> None:
    # R 4.2.2: var(c(1e200, 2e200, 3e200)) -> Inf; t.test gives df = NaN, p = NA;
    #   wilcox.test(c(1e200, 2e200, 3e200), c(4e200, 5e200, 6e200)) -> W = 0, p-value = 0.1
    c = _two([1e200, 2e200, 3e200], [4e200, 5e200, 6e200], paired=False)
    assert c.verdict == "undetermined"
    assert c.p is None and c.statistic is None
    assert c.rank_p == pytest.approx(0.1)
    assert any("rank test" in n for n in c.notes)
