"""Statistics v2 (issue 10): power at Holm's level, detectable effects, guardrails, run
diagnostics, the bootstrap median, verdict/interval agreement, metric names and the schema."""

from __future__ import annotations

import json
import math
import warnings
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.kb import analyse, compile_entries
from generator.stats import (
    Ablations,
    AblationVariant,
    Benchmark,
    Method,
    Metric,
    analyse_benchmark,
    benchmark_text,
)
from generator.stats.benchmark import bootstrap_median_ci, is_quantile_metric
from generator.stats.power import detectable_effect, runs_needed
from generator.stats.rundiag import outliers, smallest_rank_p, trend


def test_runs_needed_at_holms_first_step() -> None:
    # Eight comparisons in one record, each with pooled sd 1 and min_effect × baseline mean = 1.
    # R 4.2.2: power.t.test(delta = 1, sd = 1, sig.level = 0.05/8, power = 0.8, strict = TRUE)
    #   -> n = 27.49148248 -> 28 runs per method (at alpha = 0.05 it would be 16.71 -> 17)
    methods = [Method("base", {"m": [9.0, 10.0, 11.0]}, True)]
    methods += [Method(f"m{i}", {"m": [9.2, 10.2, 11.2]}) for i in range(8)]
    s = analyse_benchmark(Benchmark("b", False, 0.05, [Metric("m", "higher", None, 0.1)], methods))
    assert len(s.comparisons) == 8
    for c in s.comparisons:
        assert c.runs_needed == 28
        assert c.judgement.runs_needed_alpha == pytest.approx(0.05 / 8)
        assert c.verdict == "inconclusive"
        assert c.judgement.verdict_interval.level == pytest.approx(1 - 0.05 / 8)


def test_detectable_effect_matches_r() -> None:
    # R 4.2.2, with uniroot's tolerance tightened (the default, eps^0.25, moves the 6th digit):
    # power.t.test(n = 5, sd = 1, sig.level = 0.05, power = 0.8, strict = TRUE,
    #              tol = 1e-12)$delta -> 2.02443933938; with type = "paired" -> 1.68199696595;
    # power.t.test(n = 8, sd = 1, power = 0.8, type = "one.sample", alternative = "one.sided",
    #              tol = 1e-12)$delta -> 0.978156085535
    assert detectable_effect(5, 5, 1.0, 0.05, paired=False) == pytest.approx(
        2.02443933938, rel=1e-9
    )
    assert detectable_effect(5, 5, 1.0, 0.05, paired=True) == pytest.approx(1.68199696595, rel=1e-9)
    one = detectable_effect(8, 8, 1.0, 0.05, paired=True, sides=1)
    assert one == pytest.approx(0.978156085535, rel=1e-9)
    assert detectable_effect(5, 5, 0.0, 0.05, paired=False) == 0.0


def test_one_sided_runs_needed_matches_r() -> None:
    # R 4.2.2: power.t.test(delta = 0.5, sd = 1, power = 0.8, type = "paired",
    #                        alternative = "one.sided")$n -> 26.13751011 -> 27
    assert runs_needed(0.5, 1.0, 0.05, paired=True, sides=1) == (27, None)


def _guard(base: list[float], new: list[float], m: float = 0.01) -> object:
    b = Benchmark(
        "g", True, 0.05, [Metric("acc", "higher", "%", m, True)],
        [Method("int8", {"acc": base}, True), Method("new", {"acc": new})],
    )  # fmt: skip
    return analyse_benchmark(b).comparisons[0]


def test_inferior_guardrail() -> None:
    c = _guard([85.9, 84.1, 85.6, 84.7, 85.7], [83.6, 82.2, 83.9, 82.5, 83.1])
    assert c.verdict == "inferior"  # type: ignore[attr-defined]
    hi = c.judgement.verdict_interval.rel[1]  # type: ignore[attr-defined]
    assert hi is not None and hi < -0.01


def test_guardrail_for_lower_is_better() -> None:
    # latency must not rise by 10 %: runs 2 % faster are non-inferior
    b = Benchmark(
        "l", False, 0.05, [Metric("p99_latency_ms", "lower", "ms", 0.1, True)],
        [Method("a", {"p99_latency_ms": [100.0, 101.0, 99.0, 100.5, 99.5]}, True),
         Method("b", {"p99_latency_ms": [98.0, 99.0, 97.0, 98.5, 97.5]})],
    )  # fmt: skip
    c = analyse_benchmark(b).comparisons[0]
    assert c.verdict == "non-inferior"
    assert c.judgement.p_noninferiority is not None and c.judgement.p_noninferiority < 0.05


# Verdict and the interval shown beside it never disagree (random data, every verdict kind).
runs = st.lists(st.floats(50.0, 150.0), min_size=3, max_size=8)


@settings(max_examples=80, deadline=None)
@given(base=runs, new=runs, paired=st.booleans(), guardrail=st.booleans(),
       m=st.sampled_from([0.01, 0.05, 0.2]), better=st.sampled_from(["higher", "lower"]))  # fmt: skip
def test_verdict_never_contradicts_its_interval(
    base: list[float], new: list[float], paired: bool, guardrail: bool, m: float, better: str
) -> None:
    if paired:
        n = min(len(base), len(new))
        base, new = base[:n], new[:n]
    b = Benchmark(
        "p", paired, 0.05, [Metric("x", better, None, m, guardrail)],  # type: ignore[arg-type]
        [Method("a", {"x": base}, True), Method("b", {"x": new})],
    )  # fmt: skip
    c = analyse_benchmark(b).comparisons[0]
    json.dumps(c.to_json(), allow_nan=False)
    lo, hi = c.judgement.verdict_interval.rel
    if lo is None or hi is None:
        return
    tol = 1e-7
    u_lo, u_hi = (lo, hi) if better == "higher" else (-hi, -lo)  # improvement scale
    if c.verdict in {"better", "worse", "below-min-effect"}:
        assert lo > -tol or hi < tol
    if c.verdict == "equivalent":
        assert -m - tol <= lo and hi <= m + tol
    if c.verdict == "non-inferior":
        assert u_lo > -m - tol
    if c.verdict == "inferior":
        assert u_hi < -m + tol
    if c.verdict == "inconclusive" and guardrail:
        assert u_lo <= -m + tol <= u_hi + 2 * tol
    if c.verdict == "inconclusive" and not guardrail:
        assert lo <= tol and hi >= -tol  # includes 0
        assert not (-m + tol < lo and hi < m - tol)  # and is not within the margins


def test_trend_and_outlier_diagnostics() -> None:
    warm = [130.0, 118.0, 111.0, 106.0, 103.0, 101.0, 100.5, 100.0]
    tau, p = trend(warm) or (0.0, 1.0)
    assert tau == pytest.approx(-1.0) and p < 0.001
    assert trend([1.0, 3.0, 2.0, 4.0]) is None  # fewer than 5 runs
    assert outliers([10.0, 10.2, 9.9, 10.1, 25.0]) == [(4, pytest.approx(0.6745 * 14.9 / 0.1))]
    assert outliers([5.0, 5.0, 5.0, 9.0]) == []  # MAD = 0: not judged
    assert smallest_rank_p(5, 5, paired=True) == pytest.approx(0.0625)
    assert smallest_rank_p(3, 3, paired=False) == pytest.approx(0.1)
    b = Benchmark(
        "d", False, 0.05, [Metric("latency", "lower", "ms")],
        [Method("base", {"latency": [100.0, 101.0, 99.0, 100.5, 99.5, 100.2]}, True),
         Method("new", {"latency": warm})],
    )  # fmt: skip
    s = analyse_benchmark(b)
    codes = {(d.code, d.method, d.field) for d in s.diagnostics}
    assert ("W-RUN-TREND", "new", "methods.1.runs.latency") in codes
    assert ("W-RUN-OUTLIER", "new", "methods.1.runs.latency") in codes
    assert not any(d.method == "base" for d in s.diagnostics)
    assert all(set(d.to_json()) == {"code", "metric", "method", "field", "message"}
               for d in s.diagnostics)  # fmt: skip


def test_runs_needed_is_never_below_the_runs_a_verdict_needs() -> None:
    # Found by a new user: `assay stats fa2-vs-sdpa-ranking-encoder` said "runs needed 2"
    # for peak memory (tiny noise), but 2 runs per method give too-few-runs, not a verdict.
    base = [61.8, 61.2, 62.4, 61.0, 62.1, 61.6, 62.3, 61.6]
    noise = [0.05, -0.04, 0.02, 0.0, -0.03, 0.04, -0.02, 0.01]
    new = [b - 23.3 + d for b, d in zip(base, noise, strict=True)]
    b = Benchmark(
        "mem", True, 0.05, [Metric("mem", "lower", "GiB", 0.1)],
        [Method("base", {"mem": base}, True), Method("new", {"mem": new})],
    )  # fmt: skip
    (c,) = analyse_benchmark(b).comparisons
    assert c.verdict == "better"
    assert c.runs_needed == 3
    assert c.judgement.runs_needed_equivalence == 3


def test_many_outliers_in_one_series_make_one_counted_warning() -> None:
    # Found by a new user: 3,073 imported pytest-benchmark rounds gave 77 W-RUN-OUTLIER
    # lines. More than three in a series: one warning, with the count and the three farthest.
    from generator.stats.rundiag import series_diagnostics

    values = [10.0 + 0.01 * (i % 10) for i in range(200)]
    for i, v in ((20, 30.0), (50, 90.0), (80, 40.0), (120, 60.0), (160, 35.0)):
        values[i] = v
    diags = [d for d in series_diagnostics(values, "t", "m", "f", 0.05, "the runs")
             if d.code == "W-RUN-OUTLIER"]  # fmt: skip
    assert len(diags) == 1
    msg = diags[0].message
    assert msg.startswith("5 of the 200 runs of the runs are far from the others")
    assert "run 51 (90," in msg and "run 121 (60," in msg and "run 81 (40," in msg
    assert "run 21 " not in msg and "run 161 " not in msg  # only the three farthest
    three = [10.0 + 0.01 * (i % 10) for i in range(200)]
    three[5] = three[9] = three[13] = 50.0
    assert len([d for d in series_diagnostics(three, "t", "m", "f", 0.05, "x")
                if d.code == "W-RUN-OUTLIER"]) == 3  # fmt: skip


def test_tests_disagree_diagnostic() -> None:
    # One huge run makes Welch's t-test lose significance that the rank test keeps.
    base = [10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7]
    new = [11.0, 11.1, 11.2, 11.3, 11.4, 11.5, 11.6, 60.0]
    s = analyse_benchmark(
        Benchmark(
            "t",
            False,
            0.05,
            [Metric("m", "higher")],
            [Method("a", {"m": base}, True), Method("b", {"m": new})],
        )
    )
    c = s.comparisons[0]
    assert c.p is not None and c.p > 0.05 and c.rank_p is not None and c.rank_p < 0.05
    assert [d.code for d in s.diagnostics if d.code == "W-TESTS-DISAGREE"] == ["W-TESTS-DISAGREE"]


def test_bootstrap_median_is_deterministic() -> None:
    a = np.array([45.4, 46.1, 47.0, 45.8, 46.5, 45.9])
    first, second = bootstrap_median_ci(a), bootstrap_median_ci(a)
    assert first == second
    lo, hi = first
    assert lo is not None and hi is not None and lo <= float(np.median(a)) <= hi
    assert min(a) <= lo and hi <= max(a)
    assert bootstrap_median_ci(np.array([3.0, 3.0, 3.0])) == (3.0, 3.0)
    for name in ("p99_latency_ms", "p50", "latency-p999", "median-ms", "ttft_quantile"):
        assert is_quantile_metric(name)
    for name in ("accuracy", "top1_acc", "peak-memory", "p", "pass-rate"):
        assert not is_quantile_metric(name)


BENCH = """---
title: Names as tools write them
owner: ann
run_on: 2026-05-06
hardware: one box
paired: false
metrics:
  - {{name: {name}, better: lower{extra}}}
methods:
  - name: a
    baseline: true
    runs: {{{name}: [1.0, 2.0, 3.0]}}
  - name: b
    runs: {{{name}: [1.5, 2.5, 3.5]}}
---
"""


def _check(name: str, extra: str = "") -> list[tuple[str, str]]:
    raw = BENCH.format(name=name, extra=extra).encode()
    kb = analyse(compile_entries([("benchmark", "content/benchmarks/names-bench.md", raw, None)]),
                 date(2026, 11, 25))  # fmt: skip
    return [(d.code, d.field) for d in kb.diagnostics if d.severity == "error"]


@pytest.mark.parametrize("name", ["p99_latency_ms", "acc_norm", "top1_acc", "step-latency", "x"])
def test_metric_names_tools_write_are_accepted(name: str) -> None:
    assert _check(name) == []


@pytest.mark.parametrize("name", ["P99", "_acc", "-acc", "a" * 65, "acc.norm", "acc norm"])
def test_bad_metric_names_are_rejected(name: str) -> None:
    errors = _check(json.dumps(name))
    assert errors and errors[0][1] == "metrics.0.name"


def test_guardrail_needs_min_effect() -> None:
    assert _check("acc", ", guardrail: true") == [("E-BENCHMARK-GUARDRAIL", "metrics.0.guardrail")]
    assert _check("acc", ", guardrail: true, min_effect: 0.01") == []


def test_no_figure_is_absurd_for_near_constant_paired_runs() -> None:
    base = [0.1 * i for i in range(1, 9)]
    s = analyse_benchmark(
        Benchmark(
            "c",
            True,
            0.05,
            [Metric("m", "higher", None, 0.05)],
            [Method("a", {"m": base}, True), Method("b", {"m": [x + 0.3 for x in base]})],
        )
    )
    c = s.comparisons[0]
    assert c.statistic is None and c.effect_size is None  # not 1e16
    for v in (c.rel_diff, *c.rel_diff_ci, *c.judgement.verdict_interval.rel):
        assert v is not None and math.isfinite(v) and abs(v) < 10


def test_runs_needed_for_equivalence() -> None:
    # TOST at alpha with each one-sided test at 90 % power, true change 0 (P(both) ≥ 0.8).
    # R 4.2.2: power.t.test(delta = 1, sd = 1, sig.level = 0.05, power = 0.9, type = "paired",
    #                        alternative = "one.sided")$n -> 10.08 -> 11 pairs
    c = analyse_benchmark(
        Benchmark(
            "e",
            True,
            0.05,
            [Metric("m", "higher", None, 0.1)],
            [Method("a", {"m": [10.0, 10.0, 10.0]}, True), Method("b", {"m": [9.0, 10.0, 11.0]})],
        )
    ).comparisons[0]
    assert c.judgement.runs_needed_equivalence == 11


extreme = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e3, 1e3),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e300, 1.7e308]),
)
extreme_sample = st.one_of(
    st.lists(extreme, min_size=2, max_size=7),
    st.tuples(extreme, st.integers(2, 6)).map(lambda t: [t[0]] * t[1]),
)


@settings(max_examples=150, deadline=None)
@given(base=extreme_sample, other=extreme_sample, variant=extreme_sample, paired=st.booleans(),
       better=st.sampled_from(["higher", "lower"]), m=st.one_of(st.none(), st.floats(1e-9, 10)),
       guardrail=st.booleans())  # fmt: skip
def test_extreme_values_never_give_absurd_output(
    base: list[float], other: list[float], variant: list[float], paired: bool, better: str,
    m: float | None, guardrail: bool,
) -> None:  # fmt: skip
    # The whole float range, constants, subnormals and overflow, with guardrails and
    # ablations: no exception, no warning printed, no NaN/inf, no relative change in the
    # millions of percent, and text without "nan".
    if paired:
        n = min(len(base), len(other), len(variant))
        base, other, variant = base[:n], other[:n], variant[:n]
    b = Benchmark(
        "x", paired, 0.05, [Metric("x", better, "%", m, guardrail and m is not None)],  # type: ignore[arg-type]
        [Method("a", {"x": base}, True), Method("b", {"x": other})],
        Ablations("b", [AblationVariant("v", ["c"], {"x": variant})]),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = analyse_benchmark(b)
        j = s.to_json()
        json.dumps(j, allow_nan=False)
        text = benchmark_text(s, {"x": "%"})
    assert "nan" not in text.lower()
    for c in s.comparisons:
        assert c.rel_diff is None or abs(c.rel_diff) < 1e7
    for a in s.ablations:
        assert a.rel_contribution is None or abs(a.rel_contribution) < 1e7


def test_paired_diagnostics_look_at_the_differences() -> None:
    # Shards differ a lot (run i is a shard, not a time), but the method's advantage drifts
    # steadily: the trend is in the differences, and that is what is flagged.
    base = [80.0, 90.0, 70.0, 85.0, 75.0, 95.0, 72.0]
    new = [b + d for b, d in zip(base, [3.0, 2.6, 2.1, 1.7, 1.2, 0.8, 0.3], strict=True)]
    s = analyse_benchmark(
        Benchmark(
            "p",
            True,
            0.05,
            [Metric("acc", "higher")],
            [Method("base", {"acc": base}, True), Method("new", {"acc": new})],
        )
    )
    (d,) = [d for d in s.diagnostics if d.code == "W-RUN-TREND"]
    assert d.method == "new" and "paired differences new − base fall" in d.message
