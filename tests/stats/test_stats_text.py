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
    assert "flash-attn-2 is 31.0 % lower on latency_ms than baseline (95 % CI" in text
    assert "after Holm, g = " in text and ": better" in text
    assert "the component helps" in text
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
    assert "new is 6 pt higher on delta than base" in text
    assert "baseline mean (0) is negligible" in text


def test_predictions_text() -> None:
    s = analyse_predictions(
        [Prediction("a", "ann", 0.3, ["x"], True), Prediction("b", "ann", 0.9, [], "ambiguous")]
    )
    text = predictions_text(s)
    assert "2 total, 1 scored, 1 ambiguous, 0 open" in text
    assert "0.3–0.4" in text
    assert "Brier skill" in text  # the note about the undefined skill score
