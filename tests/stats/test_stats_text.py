"""Terminal reports: p-value formatting and the verdict sentences."""

from __future__ import annotations

from generator.stats import (
    Ablations,
    AblationVariant,
    Benchmark,
    Method,
    Metric,
    Prediction,
    analyse_benchmark,
    analyse_predictions,
    benchmark_text,
    format_p,
    predictions_text,
    verdict_meaning,
)


def test_format_p() -> None:
    assert format_p(0.00001) == "< 0.0001"
    assert format_p(0.0004) == "0.0004"
    assert format_p(0.07939) == "0.079"
    assert format_p(1.0) == "1.000"
    assert format_p(None) == "n/a"


def test_benchmark_text() -> None:
    b = Benchmark(
        "attn",
        paired=False,
        alpha=0.05,
        metrics=[Metric("latency_ms", "lower", "ms", 0.05)],
        methods=[
            Method("baseline", {"latency_ms": [100.0, 102.0, 98.0, 101.0, 99.0]}, True),
            Method("flash-attn-2", {"latency_ms": [69.0, 70.0, 68.0, 71.0, 67.0]}),
            Method("tiny", {"latency_ms": [99.0, 103.0]}),
        ],
        ablations=Ablations(
            "flash-attn-2",
            [AblationVariant("no-tiling", ["tiling"], {"latency_ms": [80.0, 81.0, 79.0]})],
        ),
    )
    text = benchmark_text(analyse_benchmark(b), {"latency_ms": "ms"})
    assert (
        "flash-attn-2 vs baseline on latency_ms (smallest change that matters: 5 %): BETTER" in text
    )
    assert "It is 31.0 % lower (" in text and "after Holm" in text and "g = " in text
    assert "Meaning: a real improvement, at least as large as the smallest change" in text
    assert "the component helps" in text
    assert "tiny vs baseline on latency_ms" in text and "TOO-FEW-RUNS" in text
    assert "few runs: tiny has 2 run(s) on latency_ms" in text
    assert "nan" not in text.lower()
    header = next(line for line in text.splitlines() if line.startswith("metric"))
    assert "mean" in header and "95 % CI" in header


def test_benchmark_text_zero_baseline_uses_units() -> None:
    b = Benchmark(
        "z",
        paired=False,
        alpha=0.05,
        metrics=[Metric("delta", "higher", "pt", 0.1)],
        methods=[
            Method("base", {"delta": [-1.0, 0.0, 1.0]}, True),
            Method("new", {"delta": [5.0, 6.0, 7.0]}),
        ],
    )
    text = benchmark_text(analyse_benchmark(b), {"delta": "pt"})
    assert "It is 6 pt higher (" in text  # absolute, in the metric's unit
    assert "baseline mean (0) is negligible" in text


def test_predictions_text() -> None:
    s = analyse_predictions(
        [Prediction("a", "ann", 0.3, ["x"], True), Prediction("b", "ann", 0.9, [], "ambiguous")]
    )
    text = predictions_text(s)
    assert "2 total, 1 scored, 1 ambiguous, 0 open" in text
    assert "0.3–0.4" in text
    assert "Brier skill" in text  # the note about the undefined skill score


def _one(base: list[float], new: list[float], **metric: object) -> str:
    b = Benchmark(
        "t", paired=True, alpha=0.05,
        metrics=[Metric("accuracy", "higher", "%", **metric)],  # type: ignore[arg-type]
        methods=[Method("int8", {"accuracy": base}, True), Method("int4", {"accuracy": new})],
    )  # fmt: skip
    return benchmark_text(analyse_benchmark(b), {"accuracy": "%"})


def test_inconclusive_says_how_many_runs_would_settle_it() -> None:
    text = _one([85.9, 84.1, 85.6, 84.7, 85.7], [85.4, 85.0, 87.3, 85.2, 86.1], min_effect=0.01)
    assert "INCONCLUSIVE" in text and "Meaning: the data cannot tell" in text
    assert "To settle it: about 10 runs per method would detect a change of 1 %" in text
    assert "about 10 would show equivalence within ±1 % if nothing changes" in text
    assert "with the 5 runs at hand only changes of 1.6 % or more show reliably" in text
    assert "It is 0.7 % higher (95 % CI: -0.5 to +1.9 %)" in text


def test_guardrail_and_equivalence_are_explained() -> None:
    base, new = [85.9, 84.1, 85.6, 84.7, 85.7], [85.4, 85.0, 87.3, 85.2, 86.1]
    text = _one(base, new, min_effect=0.01, guardrail=True)
    assert "(guardrail: must not get worse by 1 % or more): NON-INFERIOR" in text
    assert "90 % CI; its ends are the one-sided 95 % bounds" in text
    assert "Meaning: the guardrail holds" in text
    # Both one-sided tests say in words what they concluded (found by a new user: "test of
    # 'worse by the margin or more' p = 0.0076" left open whether that was good or bad).
    assert "('worse by the margin or more' ruled out at alpha = 0.05)" in text
    assert "('worse by more than the margin' not shown at alpha = 0.05)" in text
    eq = _one(base, new, min_effect=0.05)
    assert "EQUIVALENT" in eq and "Meaning: no change that matters" in eq
    assert "90 % CI, the interval of the equivalence test" in eq


def test_ablation_contribution_in_percentage_points() -> None:
    b = Benchmark(
        "a", paired=False, alpha=0.05,
        metrics=[Metric("recall", "higher", "%", 0.03)],
        methods=[
            Method("base", {"recall": [70.0, 71.0, 70.5]}, True),
            Method("full", {"recall": [85.0, 85.5, 84.5]}),
        ],
        ablations=Ablations("full", [AblationVariant("no-x", ["x"], {"recall": [80.0, 80.5, 79.5]})]),
    )  # fmt: skip
    text = benchmark_text(analyse_benchmark(b), {"recall": "%"})
    row = next(line for line in text.splitlines() if line.startswith("recall") and "no-x" in line)
    assert "+5 pp" in row and "+6.2 %" in row  # 5 points of recall = 6.25 % of the variant


def test_better_without_min_effect_does_not_claim_a_size_that_matters() -> None:
    # A metric without min_effect (what `assay import` writes) has no "smallest change
    # that matters": the verdict may say the change is real, never that it is large enough.
    b = Benchmark(
        "t", paired=False, alpha=0.05,
        metrics=[Metric("time", "lower", "s", None)],
        methods=[
            Method("old", {"time": [10.0, 10.2, 9.9, 10.1, 10.0]}, True),
            Method("new", {"time": [8.0, 8.1, 7.9, 8.2, 8.0]}),
        ],
        ablations=Ablations("new", [AblationVariant("no-x", ["x"], {"time": [9.0, 9.1, 8.9, 9.0, 9.1]})]),
    )  # fmt: skip
    text = benchmark_text(analyse_benchmark(b), {"time": "s"})
    assert "new vs old on time: BETTER" in text
    assert "at least as large as the smallest change" not in text
    assert "by at least the smallest change" not in text
    assert "Meaning: a real improvement; no min_effect is set on this metric" in text
    assert "Meaning: the component helps; no min_effect is set on this metric" in text


def test_verdict_meaning_names_min_effect_only_where_set() -> None:
    assert "at least as large as the smallest change" in verdict_meaning("better", [True])
    assert verdict_meaning("worse", [False]).startswith("a real deterioration; no min_effect")
    mixed = verdict_meaning("better", [True, False])
    assert "at least as large" in mixed and "sets no min_effect" in mixed
    assert verdict_meaning("inconclusive", [False]).startswith("the data cannot tell")
