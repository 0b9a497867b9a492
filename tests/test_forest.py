"""Forest plots: intervals and the min_effect band drawn exactly where the statistics put them,
verdict colours, paired per-run differences, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from generator import compute
from generator.charts.forest import (
    LABEL_W,
    PLOT_W,
    ROW_H,
    TOP,
    VERDICT_COLORS,
    ForestRow,
    forest_rows,
    forest_scale,
    forest_svg,
    pct,
)
from generator.schema import Benchmark

SVG = "{http://www.w3.org/2000/svg}"


def _benchmark(paired: bool, ablations: bool = False) -> Benchmark:
    data = {
        "title": "A benchmark",
        "owner": "ann",
        "run_on": date(2026, 1, 1),
        "hardware": "cpu",
        "paired": paired,
        "metrics": [{"name": "lat", "unit": "ms", "better": "lower", "min_effect": 0.05}],
        "methods": [
            {"name": "base", "baseline": True, "runs": {"lat": [100.0, 102.0, 98.0, 101.0]}},
            {"name": "fast", "runs": {"lat": [80.0, 83.0, 79.0, 82.0]}},
        ],
    }
    if ablations:
        data["ablations"] = {
            "of": "fast",
            "variants": [
                {
                    "name": "no-cache",
                    "removes": ["cache"],
                    "runs": {"lat": [90.0, 91.0, 88.0, 92.0]},
                }
            ],
        }
    return Benchmark.model_validate(data)


def _x(scale_lo: float, scale_hi: float, v: float) -> float:
    return LABEL_W + (v - scale_lo) / (scale_hi - scale_lo) * PLOT_W


def test_rows_take_the_interval_from_the_statistics_engine() -> None:
    b = _benchmark(paired=False, ablations=True)
    stats = compute.benchmark_stats("x", b)
    rows = forest_rows(stats, "lat", b)
    c = stats.comparisons[0]
    vi = c.judgement.verdict_interval  # the interval the verdict rests on, at its level
    assert vi.rel[0] is not None and vi.level > 0.95  # Holm-adjusted over 2 comparisons
    assert rows[0] == ForestRow(
        "fast", c.verdict, c.rel_diff, vi.rel[0], vi.rel[1], "method", (), vi.level
    )
    a = stats.ablations[0]
    assert rows[1].kind == "ablation" and rows[1].label == "no-cache"
    assert rows[1].rel == a.rel_contribution
    avi = a.judgement.verdict_interval
    assert (rows[1].lo, rows[1].hi, rows[1].level) == (avi.rel[0], avi.rel[1], avi.level)
    assert rows[0].runs == () and rows[1].runs == ()  # unpaired: no per-run differences


def test_paired_rows_carry_per_run_differences_over_the_reference_mean() -> None:
    b = _benchmark(paired=True, ablations=True)
    stats = compute.benchmark_stats("x", b)
    rows = forest_rows(stats, "lat", b)
    base_mean = 100.25  # (100 + 102 + 98 + 101) / 4
    assert rows[0].runs == pytest.approx(
        [-20 / base_mean, -19 / base_mean, -19 / base_mean, -19 / base_mean]
    )
    variant_mean = 90.25  # the ablation's reference is the variant: full − variant
    assert rows[1].runs == pytest.approx(
        [-10 / variant_mean, -8 / variant_mean, -9 / variant_mean, -10 / variant_mean]
    )


def test_interval_band_and_zero_line_are_drawn_at_their_values() -> None:
    rows = [
        ForestRow("fast", "better", -0.20, -0.23, -0.17),
        ForestRow("meh", "inconclusive", 0.01, -0.04, 0.06),
    ]
    svg = forest_svg("lat", "ms", "lower", 0.05, rows)
    root = ET.fromstring(svg)
    scale = forest_scale(rows, 0.05)
    assert scale.lo <= -0.23 and scale.hi >= 0.06 and 0.0 in scale.ticks
    x = lambda v: _x(scale.lo, scale.hi, v)  # noqa: E731
    band = root.find(f"{SVG}rect[@fill='#e8eaee']")
    assert band is not None
    assert float(band.get("x")) == pytest.approx(x(-0.05), abs=0.01)  # type: ignore[arg-type]
    assert float(band.get("width")) == pytest.approx(x(0.05) - x(-0.05), abs=0.02)  # type: ignore[arg-type]
    zero = [ln for ln in root.iter(f"{SVG}line") if ln.get("stroke") == "#1f2430"]
    assert len(zero) == 1 and float(zero[0].get("x1")) == pytest.approx(x(0.0), abs=0.01)  # type: ignore[arg-type]
    for i, r in enumerate(rows):
        y = TOP + ROW_H * i + ROW_H / 2
        colour = VERDICT_COLORS[r.verdict]
        bars = [
            ln
            for ln in root.iter(f"{SVG}line")
            if ln.get("stroke") == colour and ln.get("y1") == ln.get("y2") == f"{y:g}"
        ]
        assert len(bars) == 1
        assert float(bars[0].get("x1")) == pytest.approx(x(r.lo), abs=0.01)  # type: ignore[arg-type]
        assert float(bars[0].get("x2")) == pytest.approx(x(r.hi), abs=0.01)  # type: ignore[arg-type]
        diamond = [p for p in root.iter(f"{SVG}path") if p.get("fill") == colour]
        assert len(diamond) == 1
        top_x = float(re.match(r"M([-\d.]+) ", diamond[0].get("d", "")).group(1))  # type: ignore[union-attr]
        assert top_x == pytest.approx(x(r.rel), abs=0.01)  # type: ignore[arg-type]
    text = "".join(root.itertext())
    assert "−20.0 % (95 % CI −23.0 % to −17.0 %)" in text and "better" in text


def test_the_level_of_the_interval_is_written_beside_it() -> None:
    rows = [ForestRow("x", "inconclusive", 0.01, -0.02, 0.04, level=0.975)]
    text = "".join(ET.fromstring(forest_svg("m", None, "higher", 0.05, rows)).itertext())
    assert "+1.0 % (97.5 % CI −2.0 % to +4.0 %)" in text


def test_guardrail_rows_are_marked() -> None:
    b = _benchmark(paired=True)
    b.metrics[0].guardrail = True
    stats = compute.benchmark_stats("x", b)
    assert stats.comparisons[0].judgement.guardrail
    assert forest_rows(stats, "lat", b)[0].label == "fast (guardrail)"


def test_no_band_without_min_effect_and_rows_without_interval_have_no_bar() -> None:
    rows = [ForestRow("x", "too-few-runs", 0.1, None, None)]
    root = ET.fromstring(forest_svg("m", None, "higher", None, rows))
    assert root.find(f"{SVG}rect[@fill='#e8eaee']") is None
    assert not [
        ln for ln in root.iter(f"{SVG}line") if ln.get("stroke") == VERDICT_COLORS["too-few-runs"]
    ]


def test_ablation_rows_get_a_heading_after_methods() -> None:
    rows = [
        ForestRow("fast", "better", -0.2, -0.3, -0.1),
        ForestRow("v", "worse", 0.1, 0.05, 0.15, "ablation"),
    ]
    text = "".join(
        ET.fromstring(forest_svg("m", None, "lower", 0.05, rows, ablation_of="fast")).itertext()
    )
    assert "ablations of fast: full vs variant" in text


def test_pct_uses_a_true_minus_and_no_signed_zero() -> None:
    assert pct(-0.347) == "−34.7 %"
    assert pct(0.0) == "±0.0 %"
    assert pct(None) == "–"


def test_names_are_escaped() -> None:
    evil = '<script>alert(1)</script>" onload="x'
    svg = forest_svg(evil, evil, "higher", 0.1, [ForestRow(evil, "better", 0.2, 0.1, 0.3)])
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert all(not k.startswith("on") for el in root.iter() for k in el.attrib)
