"""Charts drawn by Assay: the picture says what the data says, for any input, as inert,
accessible, deterministic SVG.

Positions are checked by reading the drawn axis back: two tick labels and their x give the
axis' mapping, and every mark (run, mean, interval end, baseline line, calibration point,
ring segment) must sit where its value maps to.
"""

from __future__ import annotations

import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.charts import (
    MethodRuns,
    benchmark_chart,
    calibration_chart,
    ring_history_chart,
)
from generator.charts.builders import (
    BASELINE_COLOR,
    METHOD_COLOR,
    RING_COLORS,
    RINGS,
    _wilson,
    linear_axis,
)
from generator.charts.thin import MAX_DRAWN_RUNS
from generator.render.charts import ChartSink, benchmark_methods, svg_is_inert

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACE_URIS = {"http://www.w3.org/2000/svg"}
REPO = Path(__file__).resolve().parents[1]
FIXTURE_BENCHMARK = REPO / "tests/fixtures/valid/content/benchmarks/fa-latency.md"


def _bins(counts: list[tuple[int, int]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, (n, k) in enumerate(counts):
        ci = _wilson(k, n)
        out.append(
            {
                "lo": i / len(counts),
                "hi": (i + 1) / len(counts),
                "n": n,
                "k": k,
                "mean_forecast": (i + 0.5) / len(counts) if n else None,
                "observed": k / n if n else None,
                "ci": [ci[0], ci[1]] if ci else [None, None],
            }
        )
    return out


LATENCY = [
    MethodRuns("baseline-v1", [12.1, 12.4, 11.9, 12.8, 12.2], True, 12.28, (11.87, 12.69)),
    MethodRuns("flash-attn", [9.8, 10.1, 9.7, 10.4, 9.9], False, 9.98, (9.64, 10.32)),
    MethodRuns("single", [11.0], False, 11.0, (None, None)),
]
MOVES = [
    ("2024-01-10", "speculative decoding", "ASSESS"),
    ("2024-03-01", "speculative decoding", "TRIAL"),
    ("2024-07-01", "speculative decoding", "ADOPT"),
    ("2024-02-01", "int4 weights", "TRIAL"),
    ("2024-05-15", "int4 weights", "HOLD"),
]

#: name → (drawing, the title written at the top)
CHARTS: dict[str, tuple[Callable[[], str], str]] = {
    "benchmark": (
        lambda: benchmark_chart("p99-latency", "ms", "lower", LATENCY),
        "p99-latency (ms) — lower is better",
    ),
    "calibration": (
        lambda: calibration_chart(_bins([(0, 0), (4, 1), (10, 3), (12, 7), (6, 5)])),
        "Calibration",
    ),
    "ring_history": (lambda: ring_history_chart(MOVES), "Ring history"),
    "benchmark_two_identical_runs": (
        lambda: benchmark_chart("accuracy", None, "higher", [("only", [0.5, 0.5], False)]),
        "accuracy — higher is better",
    ),
    "benchmark_no_runs": (
        lambda: benchmark_chart("accuracy", "%", "higher", [("nothing", [], True)]),
        "accuracy (%) — higher is better",
    ),
    "calibration_empty": (lambda: calibration_chart(_bins([(0, 0)] * 10)), "Calibration"),
    "calibration_no_bins": (lambda: calibration_chart([]), "Calibration"),
    "ring_history_empty": (lambda: ring_history_chart([]), "Ring history"),
}


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def _desc(root: ET.Element) -> str:
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text
    return desc.text


def _axis(root: ET.Element, suffix: str = "") -> Callable[[float], float]:
    """value → x, read back from the drawn tick labels (the first and last labelled tick)."""
    ticks: list[tuple[float, float]] = []
    for el in root.iter(f"{SVG}text"):
        text = (el.text or "").replace("−", "-")
        if el.get("text-anchor") == "middle" and suffix and text.endswith(suffix):
            try:
                ticks.append((float(text.removesuffix(suffix)), float(el.get("x", "nan"))))
            except ValueError:
                continue
    assert len(ticks) >= 2, ticks
    (v0, x0), (v1, x1) = ticks[0], ticks[-1]
    return lambda v: x0 + (v - v0) * (x1 - x0) / (v1 - v0)


def _diamond_x(path: ET.Element) -> float:
    m = re.match(r"M([-\d.]+) ", path.get("d", ""))
    assert m, path.get("d")
    return float(m.group(1))


def _all_numbers_finite(svg: str) -> None:
    assert not re.search(r"\b(nan|inf)\b", svg, re.I), "a coordinate is not a number"
    root = ET.fromstring(svg)
    for el in root.iter():
        for name in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"):
            if (v := el.get(name)) is not None:
                assert math.isfinite(float(v)), (el.tag, name, v)
                assert abs(float(v)) < 1e6, (el.tag, name, v)


# -- every chart ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CHARTS))
def test_valid_accessible_inert_offline_svg(name: str) -> None:
    build, title = CHARTS[name]
    svg = build()
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    desc = _desc(root)
    assert root.get("aria-label") == desc
    assert root[0].tag == f"{SVG}title" and root[0].text == title
    assert root[1].tag == f"{SVG}desc"
    assert title in _texts(root)
    assert svg_is_inert(svg)
    assert not re.search(r"\sstyle=", svg) and "href" not in svg and "<script" not in svg.lower()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= NAMESPACE_URIS
    assert root.get("font-family") == "sans-serif"
    _all_numbers_finite(svg)


def test_descriptions_carry_the_numbers() -> None:
    bench = _desc(ET.fromstring(CHARTS["benchmark"][0]()))
    assert "baseline-v1 (baseline): mean 12.28, 95% CI 11.87 to 12.69, 5 run(s)" in bench
    assert "single: mean 11, 1 run(s)" in bench
    assert "lower is better" in bench
    assert "no ring moves" in _desc(ET.fromstring(CHARTS["ring_history_empty"][0]()))
    calibration = _desc(ET.fromstring(CHARTS["calibration"][0]()))
    assert "Calibration of 32 resolved forecast(s) in 4 non-empty bin(s)" in calibration
    assert "forecast 0.5, observed 0.3 (3 of 10; 95% CI 0.1078 to 0.6032)" in calibration
    assert "No resolved forecasts" in _desc(ET.fromstring(CHARTS["calibration_empty"][0]()))
    history = _desc(ET.fromstring(CHARTS["ring_history"][0]()))
    assert "speculative decoding: ASSESS on 2024-01-10, then TRIAL on 2024-03-01" in history


def test_drawing_is_deterministic() -> None:
    first = {name: build() for name, (build, _) in CHARTS.items()}
    for name, (build, _) in reversed(CHARTS.items()):  # another order, fresh inputs
        assert build() == first[name], name


def test_drawing_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from generator.charts import benchmark_chart, calibration_chart, ring_history_chart\n"
        "benchmark_chart('m', 'ms', 'lower', [('a', [1.0, 2.0], True)])\n"
        "calibration_chart([{'lo': 0, 'hi': 1, 'n': 2, 'k': 1, 'mean_forecast': 0.5,"
        " 'observed': 0.5, 'ci': None}])\n"
        "ring_history_chart([('2024-01-01', 't', 'HOLD')])\n"
        "print(','.join(m for m in ('altair', 'vl_convert', 'scipy', 'numpy', 'pandas')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="better"):
        benchmark_chart("m", None, "bigger", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ring_history_chart([("not a date", "t", "HOLD")])
    with pytest.raises(ValueError, match="unknown ring"):
        ring_history_chart([("2024-01-01", "t", "MAYBE")])


# -- benchmark -------------------------------------------------------------------------------


def test_benchmark_marks_sit_where_their_values_map_on_the_drawn_axis() -> None:
    root = ET.fromstring(benchmark_chart("p99-latency", "ms", "lower", LATENCY))
    x = _axis(root, " ms")
    groups = [
        g for g in root.iter(f"{SVG}g") if g.get("class") in ("assay-method", "assay-baseline")
    ]
    assert [g.get("class") for g in groups] == ["assay-baseline", "assay-method", "assay-method"]
    centres = []
    for g, m in zip(groups, LATENCY, strict=True):
        runs = [c for c in g.iter(f"{SVG}circle") if c.get("class") == "assay-run"]
        assert len(runs) == len(m.runs)
        for circle, value in zip(runs, m.runs, strict=True):
            assert float(circle.get("cx", "nan")) == pytest.approx(x(value), abs=0.02)
        ys = [float(c.get("cy", "nan")) for c in runs]
        assert max(ys) - min(ys) <= 20  # jitter within the row
        mean = next(p for p in g.iter(f"{SVG}path") if p.get("class") == "assay-mean")
        assert m.mean is not None and _diamond_x(mean) == pytest.approx(x(m.mean), abs=0.02)
        interval = [ln for ln in g.iter(f"{SVG}line") if ln.get("class") == "assay-interval"]
        if m.ci[0] is None:
            assert interval == []  # one run: no interval
        else:
            (ln,) = interval
            assert float(ln.get("x1", "nan")) == pytest.approx(x(m.ci[0]), abs=0.02)
            assert float(ln.get("x2", "nan")) == pytest.approx(x(m.ci[1] or 0), abs=0.02)
        colour = BASELINE_COLOR if m.baseline else METHOD_COLOR
        assert {c.get("stroke") for c in runs} == {colour}
        centres.append(float(mean.get("d", "").split()[1].split("L")[0]) + 7)
    assert centres == sorted(centres)  # rows in the given order, top to bottom
    # The baseline is named so, and a dashed line marks its mean across the plot.
    assert "baseline-v1 (baseline)" in _texts(root)
    (line,) = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "assay-baseline-mean"]
    assert line.get("stroke-dasharray")
    assert float(line.get("x1", "nan")) == pytest.approx(x(12.28), abs=0.02)
    texts = _texts(root)
    assert "← better" in texts and "worse →" in texts  # lower is better: left
    assert "p99-latency (ms)" in texts  # the axis title


def test_higher_is_better_points_right() -> None:
    texts = _texts(ET.fromstring(benchmark_chart("acc", "%", "higher", LATENCY)))
    assert "← worse" in texts and "better →" in texts


def test_ticks_carry_the_unit_and_a_long_unit_goes_to_the_axis_title() -> None:
    root = ET.fromstring(benchmark_chart("throughput", "tok/s", "higher", LATENCY))
    ticks = [t for t in _texts(root) if t.endswith(" tok/s")]
    assert len(ticks) >= 3
    long_unit = "tokens per second per GPU"
    root = ET.fromstring(benchmark_chart("throughput", long_unit, "higher", LATENCY))
    assert not any(t.endswith(long_unit) for t in _texts(root) if t[:1].isdigit())
    assert f"throughput ({long_unit})" in _texts(root)


def test_the_page_draws_the_statistics_engines_mean_and_interval() -> None:
    """benchmark_methods passes the summary the page prints (generator.stats) to the chart:
    the interval ends are the engine's numbers, not recomputed."""
    from generator import compute
    from generator.schema import Benchmark

    front = FIXTURE_BENCHMARK.read_text().split("---\n")[1]
    record = Benchmark.model_validate(yaml.safe_load(front))
    stats = compute.benchmark_stats("fa-latency", record)
    methods = benchmark_methods(record, stats, "p99-latency")
    assert [(m.name, m.baseline) for m in methods] == [("sdpa", True), ("flash-attn-2", False)]
    for m in methods:
        (summary,) = [s for s in stats.summaries if (s.metric, s.method) == ("p99-latency", m.name)]
        assert (m.mean, m.ci) == (summary.mean, summary.ci)
        assert (
            list(m.runs)
            == record.methods[[x.name for x in record.methods].index(m.name)].runs["p99-latency"]
        )
    root = ET.fromstring(benchmark_chart("p99-latency", "ms", "lower", methods))
    x = _axis(root, " ms")
    g = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "assay-method")
    (ln,) = [ln for ln in g.iter(f"{SVG}line") if ln.get("class") == "assay-interval"]
    lo, hi = methods[1].ci
    assert lo is not None and hi is not None
    assert float(ln.get("x1", "nan")) == pytest.approx(x(lo), abs=0.02)
    assert float(ln.get("x2", "nan")) == pytest.approx(x(hi), abs=0.02)
    # A metric a method has no runs on: no summary, no mean, said so.
    record.methods[1].runs.pop("accuracy")
    stats = compute.benchmark_stats("fa-latency-2", record)
    methods = benchmark_methods(record, stats, "accuracy")
    assert (methods[1].runs, methods[1].mean) == ([], None)
    assert "flash-attn-2: no runs" in _desc(
        ET.fromstring(benchmark_chart("accuracy", "%", "higher", methods))
    )


def test_many_runs_are_thinned_and_said_so() -> None:
    many = [float(i) for i in range(100_000)]
    svg = benchmark_chart(
        "ms", None, "lower", [MethodRuns("a", many, True, 49_999.5, (49_820.0, 50_179.0))]
    )
    root = ET.fromstring(svg)
    runs = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "assay-run"]
    assert len(runs) == MAX_DRAWN_RUNS
    assert f"{MAX_DRAWN_RUNS} of 100000 runs drawn" in _texts(root)
    assert "evenly spaced quantiles" in _desc(root) and "100000 run(s)" in _desc(root)
    assert len(svg) < 80_000


HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "a & b \"quoted\" 'single'",
    "]]><x/><![CDATA[",
    "\u202eevil\u202c RTL",
    "nul\x00 esc\x1b bell\x07 line\nbreak",
    "x" * 10_000,
    "{{ 7*7 }} {% raw %}",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_record_strings_are_escaped_and_shortened(name: str) -> None:
    svgs = [
        benchmark_chart(
            name, name, "higher", [(name, [1.0, 2.0], True), (name + "2", [3.0], False)]
        ),
        ring_history_chart([("2024-01-01", name, "TRIAL"), ("2024-02-01", name, "ADOPT")]),
    ]
    for svg in svgs:
        assert svg_is_inert(svg), svg[:300]
        root = ET.fromstring(svg)
        assert "<script" not in svg and "<x/>" not in svg
        for text in _texts(root):
            assert len(text) <= 120, text[:80]
        assert "\x00" not in svg and "\x1b" not in svg
        if len(name) > 1000:
            assert any(t.endswith("…") for t in _texts(root))
            assert name[:150] in _desc(root)  # longer in the description, but bounded
            assert len(svg) < 12_000


@pytest.mark.parametrize(
    "runs",
    [
        [0.0, 0.0, 0.0],
        [-5.0, -7.5, -6.0],
        [1e308, -1e308],
        [1e308, 1e308, 1.7976931348623157e308],
        [-1.7976931348623157e308, 0.0],
        [5e-324, 0.0],
        [1e-300, 2e-300],
        [1e15, 1e15 + 1],
        [42.0],
        [3.0] * 1000,
        [],
    ],
)
def test_any_finite_runs_give_a_finite_picture(runs: list[float]) -> None:
    mean = sum(r / len(runs) for r in runs) if runs else None
    methods = [
        MethodRuns("a", runs, True, mean),
        MethodRuns("b", runs[:1], False, runs[0] if runs else None),
    ]
    svg = benchmark_chart("m", "ms", "lower", methods)
    assert svg_is_inert(svg)
    _all_numbers_finite(svg)
    root = ET.fromstring(svg)
    if not runs:
        assert "no runs recorded" in _texts(root)


def test_a_metric_with_no_runs_says_so() -> None:
    root = ET.fromstring(benchmark_chart("m", None, "lower", [("a", [], True), ("b", [], False)]))
    assert "no runs recorded" in _texts(root)
    assert "a (baseline): no runs; b: no runs" in _desc(root)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=30)
)
def test_linear_axis_holds_every_value_on_finite_ticks(values: list[float]) -> None:
    axis = linear_axis(values, 0.0, 460.0)
    ticks = axis.ticks()
    assert 2 <= len(ticks) <= 12
    assert all(math.isfinite(t) for t in ticks)
    for v in values:
        assert -0.01 <= axis.pos(v) <= 460.01, (v, axis)
    labels = [axis.label(t) for t in ticks]
    assert len(set(labels)) == len(labels), labels  # distinct, so they can be read back


def test_linear_axis_reads_like_a_person_would_write_it() -> None:
    axis = linear_axis([9.7, 12.8], 0.0, 100.0)
    # One number of decimals on every tick, as plotting libraries write them.
    assert [axis.label(t) for t in axis.ticks()] == (
        ["9.5", "10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "13.0"]
    )
    huge = linear_axis([-1e308, 1e308], 0.0, 100.0)
    assert (huge.label(huge.ticks()[0]), huge.label(huge.ticks()[-1])) == ("−1.00e308", "1.00e308")
    flat = linear_axis([0.5, 0.5], 0.0, 100.0)
    assert flat.pos(0.5) == pytest.approx(50.0)


# -- calibration -----------------------------------------------------------------------------


def test_calibration_points_intervals_and_counts_sit_on_the_unit_axes() -> None:
    bins = _bins([(0, 0), (4, 1), (10, 3), (12, 7), (6, 5)])
    root = ET.fromstring(calibration_chart(bins))

    def tick(label: str, anchor: str, attr: str) -> float:
        (v,) = [
            float(el.get(attr, "nan"))
            for el in root.iter(f"{SVG}text")
            if el.text == label and el.get("text-anchor") == anchor
        ]
        return v

    x_at_0, x_at_1 = tick("0.0", "middle", "x"), tick("1.0", "middle", "x")
    y_at_0, y_at_1 = tick("0.0", "end", "y") - 4, tick("1.0", "end", "y") - 4  # baseline offset

    def px(v: float) -> float:
        return x_at_0 + v * (x_at_1 - x_at_0)

    def py(v: float) -> float:
        return y_at_0 + v * (y_at_1 - y_at_0)

    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "assay-bin"]
    drawn = [b for b in bins if b["n"]]
    assert len(groups) == len(drawn) == 4  # the empty bin is skipped
    radii = []
    for g, b in zip(groups, drawn, strict=True):
        (circle,) = g.iter(f"{SVG}circle")
        assert float(circle.get("cx", "nan")) == pytest.approx(px(b["mean_forecast"]), abs=0.02)
        assert float(circle.get("cy", "nan")) == pytest.approx(py(b["observed"]), abs=0.02)
        interval = next(ln for ln in g.iter(f"{SVG}line") if ln.get("class") == "assay-interval")
        assert float(interval.get("y1", "nan")) == pytest.approx(py(b["ci"][0]), abs=0.02)
        assert float(interval.get("y2", "nan")) == pytest.approx(py(b["ci"][1]), abs=0.02)
        title = g.find(f"{SVG}title")
        assert title is not None and f"({b['k']} of {b['n']};" in (title.text or "")
        radii.append((b["n"], float(circle.get("r", "nan"))))
    for (n1, r1), (n2, r2) in itertools.pairwise(radii):
        assert (r1 / r2) ** 2 == pytest.approx(n1 / n2, rel=0.01)  # area ∝ n
    (diagonal,) = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "assay-diagonal"]
    assert float(diagonal.get("x1", "nan")) == pytest.approx(px(0)) and float(
        diagonal.get("y1", "nan")
    ) == pytest.approx(py(0))
    assert float(diagonal.get("x2", "nan")) == pytest.approx(px(1)) and float(
        diagonal.get("y2", "nan")
    ) == pytest.approx(py(1))
    # Each bin's count under the axis, at the bin's centre.
    counts = [
        (float(el.get("x", "nan")), el.text)
        for el in root.iter(f"{SVG}text")
        if el.get("font-size") == "10" and (el.text or "").isdigit()
    ]
    assert [t for _, t in counts] == [str(b["n"]) for b in bins]
    for (cx, _), b in zip(counts, bins, strict=True):
        assert cx == pytest.approx(px((b["lo"] + b["hi"]) / 2), abs=0.02)


def test_calibration_with_hostile_bins_draws_inside_the_frame() -> None:
    bins: list[dict[str, Any]] = [
        {
            "lo": -5,
            "hi": 7,
            "n": 3,
            "k": 9,
            "mean_forecast": 2.0,
            "observed": -1.0,
            "ci": [1e308, None],
        },
        {
            "lo": None,
            "hi": "x",
            "n": -4,
            "k": 2,
            "mean_forecast": 0.5,
            "observed": None,
            "ci": None,
        },
        {
            "lo": 0,
            "hi": 1,
            "n": 10**9,
            "k": 1,
            "mean_forecast": float("nan"),
            "observed": 0.1,
            "ci": [],
        },
    ]
    svg = calibration_chart(bins)
    assert svg_is_inert(svg)
    _all_numbers_finite(svg)


# -- ring history ----------------------------------------------------------------------------


def _days_axis(root: ET.Element) -> Callable[[date], float]:
    ticks = []
    for el in root.iter(f"{SVG}text"):
        if el.get("text-anchor") == "middle" and re.fullmatch(r"\d{4}(-\d\d){0,2}", el.text or ""):
            parts = [int(p) for p in (el.text or "").split("-")] + [1, 1]
            ticks.append(
                (date(parts[0], parts[1], parts[2]).toordinal(), float(el.get("x", "nan")))
            )
    assert len(ticks) >= 2, ticks
    (d0, x0), (d1, x1) = ticks[0], ticks[-1]
    return lambda d: x0 + (d.toordinal() - d0) * (x1 - x0) / (d1 - d0)


def test_ring_history_segments_span_from_move_to_move_in_ring_colours() -> None:
    root = ET.fromstring(ring_history_chart(MOVES))
    x = _days_axis(root)
    colour = dict(zip(RINGS, RING_COLORS, strict=True))
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "assay-technique"]
    assert len(rows) == 2
    # ADOPT first (the current ring orders the rows), then HOLD.
    labels = [t for t in _texts(root) if t in ("speculative decoding", "int4 weights")]
    assert labels == ["speculative decoding", "int4 weights"]
    end = date(2024, 7, 1)  # the last move overall: open segments end there
    expected = [
        [(date(2024, 1, 10), date(2024, 3, 1), "ASSESS"), (date(2024, 3, 1), end, "TRIAL")],
        [(date(2024, 2, 1), date(2024, 5, 15), "TRIAL"), (date(2024, 5, 15), end, "HOLD")],
    ]
    for g, want in zip(rows, expected, strict=True):
        segments = [r for r in g.iter(f"{SVG}rect") if r.get("class") == "assay-segment"]
        assert len(segments) == len(want)
        for rect, (start, stop, ring) in zip(segments, want, strict=True):
            left = float(rect.get("x", "nan"))
            assert left == pytest.approx(x(start), abs=0.02)
            assert left + float(rect.get("width", "nan")) == pytest.approx(x(stop), abs=0.02)
            assert rect.get("fill") == colour[ring]
            title = rect.find(f"{SVG}title")
            assert (
                title is not None
                and f"{ring} from {start.isoformat()} to {stop.isoformat()}" in (title.text or "")
            )
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "assay-move"]
    assert len(dots) == len(MOVES)
    for ring in RINGS:  # the legend names every ring
        assert ring in _texts(root)


def test_ring_history_with_one_move_or_hundreds_or_extreme_dates() -> None:
    one = ring_history_chart([("2024-05-05", "t", "HOLD")])
    assert svg_is_inert(one)
    _all_numbers_finite(one)
    assert "t: HOLD on 2024-05-05" in _desc(ET.fromstring(one))
    rings = list(RINGS)
    many = [
        (
            date.fromordinal(date(2020, 1, 1).toordinal() + 3 * i).isoformat(),
            f"tech {i % 40}",
            rings[i % 5],
        )
        for i in range(600)
    ]
    svg = ring_history_chart(many)
    root = ET.fromstring(svg)
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("class") == "assay-move"]) == 600
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "assay-technique"]) == 40
    _all_numbers_finite(svg)
    wide = ring_history_chart([("0001-01-01", "a", "ADOPT"), ("9999-12-31", "b", "SKIP")])
    _all_numbers_finite(wide)
    assert svg_is_inert(wide)
    same_day = ring_history_chart([("2024-01-01", "a", "ADOPT"), ("2024-01-01", "a", "HOLD")])
    _all_numbers_finite(same_day)


# -- the sink --------------------------------------------------------------------------------


def test_sink_draws_every_chart_it_is_asked_for_and_counts_them() -> None:
    sink = ChartSink()
    first = sink.benchmark("p99-latency", "ms", "lower", LATENCY)
    again = sink.benchmark("p99-latency", "ms", "lower", LATENCY)
    assert first == again  # same SVG, same placeholder
    sink.calibration(_bins([(3, 1)]))
    sink.history(MOVES)
    assert sink.stats == {"drawn": 4} and len(sink.svgs) == 3
    assert all(svg_is_inert(s) for s in sink.svgs.values())
    off = ChartSink(enabled=False)
    assert off.benchmark("m", None, "lower", LATENCY) == "_Chart omitted: runs of m_"
    assert off.stats == {} and off.svgs == {}


# -- the Wilson interval used when a bin carries none -----------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n))
    )
)
def test_wilson_matches_the_stats_module(nk: tuple[int, int]) -> None:
    from generator.stats.predictions import wilson_interval

    n, k = nk
    ours = _wilson(k, n)
    ref = wilson_interval(k, n)
    assert ours is not None and ref[0] is not None and ref[1] is not None
    assert math.isclose(ours[0], ref[0], abs_tol=1e-9)
    assert math.isclose(ours[1], ref[1], abs_tol=1e-9)


@pytest.mark.parametrize("values", [[5e-324], [5e-324, 1e-323], [1e-310, -2e-310], [2.2e-308]])
def test_subnormal_runs_get_distinct_tick_labels(values: list[float]) -> None:
    # Found by the property test above: runs of 5e-324 once gave seven ticks all labelled 0
    # (the scale factor 10**324 is not a float).
    axis = linear_axis(values, 0.0, 460.0)
    labels = [axis.label(t) for t in axis.ticks()]
    assert len(set(labels)) == len(labels) and len(labels) >= 2, labels
    assert all(-0.01 <= axis.pos(v) <= 460.01 for v in values)
