"""analyse_benchmark: JSON shape, verdicts, Holm family, degenerate data, never NaN."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.stats import (
    Ablations,
    AblationVariant,
    Benchmark,
    BenchmarkStats,
    Method,
    Metric,
    analyse_benchmark,
    holm_adjust,
)

JUDGEMENT_KEYS = {
    "guardrail", "min_effect", "p_equivalence", "p_noninferiority", "p_inferiority",
    "verdict_interval", "runs_needed_alpha", "detectable_effect", "detectable_effect_rel",
    "runs_needed_equivalence",
}  # fmt: skip
COMPARISON_KEYS = {
    "metric", "method", "baseline", "n_method", "n_baseline", "mean_method", "mean_baseline",
    "diff", "rel_diff", "diff_ci", "rel_diff_ci", "test", "statistic", "df", "p", "p_holm",
    "rank_test", "rank_p", "effect_size", "effect_size_kind", "verdict", "runs_needed", "notes",
    *JUDGEMENT_KEYS,
}  # fmt: skip
ABLATION_KEYS = {
    "metric", "variant", "of", "removes", "n_full", "n_variant", "mean_full", "mean_variant",
    "contribution", "rel_contribution", "contribution_ci", "test", "statistic", "df", "p",
    "p_holm", "rank_test", "rank_p", "effect_size", "effect_size_kind", "verdict",
    "runs_needed", "notes", "rel_contribution_ci", *JUDGEMENT_KEYS,
}  # fmt: skip


def bench(
    base: list[float],
    other: list[float],
    *,
    paired: bool = False,
    better: str = "higher",
    min_effect: float | None = None,
) -> BenchmarkStats:
    return analyse_benchmark(
        Benchmark(
            "b",
            paired=paired,
            alpha=0.05,
            metrics=[Metric("m", better, None, min_effect)],  # type: ignore[arg-type]
            methods=[Method("base", {"m": base}, True), Method("new", {"m": other})],
        )
    )


def assert_clean(x: Any) -> None:
    """Plain JSON types only, and no NaN/inf anywhere."""
    if isinstance(x, float):
        assert math.isfinite(x)
    elif isinstance(x, dict):
        for k, v in x.items():
            assert isinstance(k, str)
            assert_clean(v)
    elif isinstance(x, list):
        for v in x:
            assert_clean(v)
    else:
        assert x is None or isinstance(x, str | int | bool)


def test_json_shape_and_holm_family() -> None:
    b = Benchmark(
        "rec",
        paired=False,
        alpha=0.05,
        metrics=[Metric("latency_ms", "lower", "ms", 0.05), Metric("acc", "higher")],
        methods=[
            Method("base", {"latency_ms": [100, 101, 99, 100.5], "acc": [0.8, 0.82, 0.81]}, True),
            Method("fast", {"latency_ms": [70, 71, 69, 70.5], "acc": [0.8, 0.79, 0.81]}),
        ],
        ablations=Ablations(
            "fast",
            [AblationVariant("no-tiling", ["tiling"], {"latency_ms": [90, 91, 89], "acc": [0.8]})],
        ),
    )
    s = analyse_benchmark(b)
    j = s.to_json()
    assert_clean(j)
    json.dumps(j, allow_nan=False)
    assert set(j) == {
        "id", "paired", "alpha", "summaries", "comparisons", "ablations", "warnings", "diagnostics",
    }  # fmt: skip
    assert set(j["summaries"][0]) == {
        "metric", "method", "n", "mean", "sd", "median", "ci", "median_ci", "median_ci_method",
    }  # fmt: skip
    assert all(set(c) == COMPARISON_KEYS for c in j["comparisons"])
    assert all(set(a) == ABLATION_KEYS for a in j["ablations"])
    # one family: 2 comparisons + 1 testable ablation (acc has a single variant run)
    rows = [*s.comparisons, *s.ablations]
    raw = [r.p for r in rows if r.p is not None]
    assert len(raw) == 3
    assert [r.p_holm for r in rows if r.p is not None] == pytest.approx(holm_adjust(raw))
    lat = s.comparisons[0]
    assert lat.verdict == "better"  # lower latency is better
    assert lat.rel_diff == pytest.approx(-30 / 100.125)
    lo, hi = lat.rel_diff_ci  # Fieller's interval (tests/stats/test_stats_reference.py)
    assert lo is not None and hi is not None and lo < lat.rel_diff < hi
    abl = {(a.metric, a.variant): a for a in s.ablations}
    assert abl["latency_ms", "no-tiling"].verdict == "better"  # removing tiling hurts
    assert abl["latency_ms", "no-tiling"].contribution == pytest.approx(70.125 - 90.0)
    assert abl["acc", "no-tiling"].verdict == "too-few-runs"
    assert abl["acc", "no-tiling"].p is None
    assert any("no-tiling" in w and "acc" in w for w in s.warnings)


def test_direction_honours_better() -> None:
    base, worse_higher = [10.0, 11.0, 10.5, 10.2], [20.0, 21.0, 20.5, 20.2]
    assert bench(base, worse_higher, better="higher").comparisons[0].verdict == "better"
    assert bench(base, worse_higher, better="lower").comparisons[0].verdict == "worse"


def test_below_min_effect() -> None:
    base = [100.0, 100.1, 99.9, 100.0, 100.05]
    new = [101.0, 101.1, 100.9, 101.0, 101.05]  # 1 % higher, very significant
    c = bench(base, new, min_effect=0.05).comparisons[0]
    assert c.p_holm is not None and c.p_holm < 0.05
    assert c.verdict == "below-min-effect"
    assert bench(base, new, min_effect=0.005).comparisons[0].verdict == "better"


def test_zero_variance_means_differ() -> None:
    c = bench([5.0, 5.0, 5.0], [7.0, 7.0, 7.0]).comparisons[0]
    assert c.p == 0.0 and c.p_holm == 0.0
    assert c.statistic is None and c.df is None
    assert c.diff == 2.0 and c.diff_ci == (2.0, 2.0)
    assert c.effect_size is None
    assert c.verdict == "better"
    assert any("exact" in n for n in c.notes)


def test_zero_variance_means_equal() -> None:
    c = bench([5.0, 5.0, 5.0], [5.0, 5.0, 5.0]).comparisons[0]
    assert c.p == 1.0 and c.rank_p == 1.0
    assert c.verdict == "inconclusive"  # no min_effect: no equivalence margin to test against
    assert c.diff == 0.0
    e = bench([5.0, 5.0, 5.0], [5.0, 5.0, 5.0], min_effect=0.01).comparisons[0]
    assert e.verdict == "equivalent" and e.judgement.p_equivalence == 0.0


def test_identical_paired_samples() -> None:
    # scipy's wilcoxon has nothing to rank when every difference is 0; we answer rank_p = 1
    c = bench([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], paired=True).comparisons[0]
    assert c.test == "paired-t" and c.rank_test == "wilcoxon-signed-rank"
    assert c.p == 1.0 and c.rank_p == 1.0
    assert c.verdict == "inconclusive"
    assert c.effect_size is None
    assert any("all paired differences are zero" in n for n in c.notes)


def test_paired_constant_offset_is_exact() -> None:
    c = bench([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], paired=True).comparisons[0]
    assert c.p == 0.0 and c.statistic is None
    assert c.verdict == "better"


def test_n_equals_two() -> None:
    s = bench([1.0, 2.0], [3.0, 4.5])
    c = s.comparisons[0]
    assert c.df is not None and c.p is not None and c.effect_size is not None
    assert c.verdict == "too-few-runs"  # tests are reported, but 2 runs settle nothing
    assert sum("few runs" in w for w in s.warnings) == 2
    assert any("new" in w and "m" in w and "5–10" in w for w in s.warnings)


def test_one_run_is_too_few() -> None:
    c = bench([1.0], [3.0, 4.5]).comparisons[0]
    assert c.verdict == "too-few-runs"
    assert c.p is None and c.p_holm is None and c.runs_needed is None


def test_baseline_mean_zero() -> None:
    c = bench([-1.0, 1.0, 0.0], [5.0, 6.0, 7.0], min_effect=0.05).comparisons[0]
    assert c.rel_diff is None and c.rel_diff_ci == (None, None)
    assert any("baseline mean (0) is negligible" in n for n in c.notes)
    assert c.runs_needed is None
    c = bench([-1.0, 1.2, 0.1], [5.0, 6.0, 7.0], min_effect=0.05).comparisons[0]
    assert c.rel_diff is None and c.rel_diff_ci == (None, None)
    assert any("baseline mean's 95 % interval includes 0" in n for n in c.notes)
    assert c.verdict == "better"  # significance alone decides


def test_runs_needed() -> None:
    # sd 1 in each group (pooled sd 1) and min_effect 10 % of a baseline mean of 10 = 1:
    # R's power.t.test(delta = 1, sd = 1, power = 0.8) gives n = 16.71 -> 17 runs per method
    c = bench([9.0, 10.0, 11.0], [9.2, 10.2, 11.2], min_effect=0.1).comparisons[0]
    assert c.runs_needed == 17
    # paired: sd of differences [0, 1, 2] is 1 -> type = "paired" gives 9.94 -> 10
    p = bench([10.0, 10.0, 10.0], [10.0, 11.0, 12.0], paired=True, min_effect=0.1)
    assert p.comparisons[0].runs_needed == 10
    assert bench([9.0, 10.0, 11.0], [9.2, 10.2, 11.2]).comparisons[0].runs_needed is None


def test_runs_needed_zero_min_effect() -> None:
    c = bench([9.0, 10.0, 11.0], [9.2, 10.2, 11.2], min_effect=0.0).comparisons[0]
    assert c.runs_needed is None
    assert any("minimum effect is 0" in n for n in c.notes)


def test_effect_sizes() -> None:
    # Hedges' g with exact correction; d_z = mean(d) / sd(d)
    c = bench([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]).comparisons[0]
    j = math.exp(math.lgamma(2) - math.lgamma(1.5)) / math.sqrt(2)
    assert c.effect_size_kind == "hedges_g"
    assert c.effect_size == pytest.approx(j * 1.0 / 1.0)
    p = bench([1.0, 2.0, 3.0], [2.0, 2.5, 5.0], paired=True).comparisons[0]
    d = [1.0, 0.5, 2.0]
    m = sum(d) / 3
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / 2)
    assert p.effect_size_kind == "d_z"
    assert p.effect_size == pytest.approx(m / sd)


def test_huge_values_give_none_not_inf() -> None:
    s = bench([1e308, 1e308, -1e308], [1e308, 1e308, 1e308])
    assert_clean(s.to_json())


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
sample = st.one_of(
    st.lists(finite, min_size=2, max_size=8),
    st.tuples(finite, st.integers(2, 6)).map(lambda t: [t[0]] * t[1]),  # constants
)


@settings(max_examples=60, deadline=None)
@given(
    base=sample,
    other=sample,
    paired=st.booleans(),
    better=st.sampled_from(["higher", "lower"]),
    min_effect=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_never_raises_never_nan(
    base: list[float], other: list[float], paired: bool, better: str, min_effect: float | None
) -> None:
    if paired:
        n = min(len(base), len(other))
        base, other = base[:n], other[:n]
    s = bench(base, other, paired=paired, better=better, min_effect=min_effect)
    j = s.to_json()
    assert_clean(j)
    json.dumps(j, allow_nan=False)
    (c,) = s.comparisons
    assert c.verdict in {
        "better", "worse", "below-min-effect", "equivalent", "inconclusive", "too-few-runs",
        "undetermined",
    }  # fmt: skip
    lo, hi = c.judgement.verdict_interval.diff
    if c.verdict in {"better", "worse", "below-min-effect"} and lo is not None and hi is not None:
        assert lo > 0 or hi < 0  # the interval beside a significant verdict excludes 0
