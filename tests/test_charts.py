"""Charts: valid, accessible, offline, deterministic SVG; a cache keyed by the spec's hash."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.charts import (
    ChartCache,
    MethodRuns,
    benchmark_chart,
    calibration_chart,
    chart_key,
    chart_spec,
    render_svg,
    ring_history_chart,
)
from generator.charts.builders import _t_interval, _wilson
from generator.charts.render import make_accessible

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACE_URIS = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
REPO = Path(__file__).resolve().parents[1]


def _bins(counts: list[tuple[int, int]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, (n, k) in enumerate(counts):
        out.append(
            {
                "lo": i / len(counts),
                "hi": (i + 1) / len(counts),
                "n": n,
                "k": k,
                "mean_forecast": (i + 0.5) / len(counts) if n else None,
                "observed": k / n if n else None,
                "ci": [_wilson(k, n)[0], _wilson(k, n)[1]] if n else [None, None],  # type: ignore[index]
            }
        )
    return out


CHARTS: dict[str, tuple[Callable[[], Any], str]] = {
    "benchmark": (
        lambda: benchmark_chart(
            "p99-latency",
            "ms",
            "lower",
            [
                ("baseline-v1", [12.1, 12.4, 11.9, 12.8, 12.2], True),
                ("flash-attn", [9.8, 10.1, 9.7, 10.4, 9.9], False),
                MethodRuns("single", [11.0]),
            ],
        ),
        "p99-latency (ms) — lower is better",
    ),
    "calibration": (
        lambda: calibration_chart(_bins([(0, 0), (4, 1), (10, 3), (12, 7), (6, 5)])),
        "Calibration",
    ),
    "ring_history": (
        lambda: ring_history_chart(
            [
                ("2024-01-10", "speculative decoding", "ASSESS"),
                ("2024-03-01", "speculative decoding", "TRIAL"),
                ("2024-07-01", "speculative decoding", "ADOPT"),
                ("2024-02-01", "int4 weights", "TRIAL"),
                ("2024-05-15", "int4 weights", "HOLD"),
            ]
        ),
        "Ring history",
    ),
    # Degenerate inputs must render, not raise.
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


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[Any, str]]:
    """Each chart built and rendered once for the module (vl-convert's first call is slow)."""
    out = {}
    for name, (build, _) in CHARTS.items():
        chart = build()
        out[name] = (chart, render_svg(chart))
    return out


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", list(CHARTS))
def test_renders_valid_accessible_offline_svg(
    name: str, rendered: dict[str, tuple[Any, str]]
) -> None:
    chart, svg = rendered[name]
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    description = chart.to_dict()["description"]
    assert description
    assert root.get("role") == "img"
    assert root.get("aria-label") == description
    first = root[0]
    assert first.tag == f"{SVG}title"
    assert first.text == description
    assert sum(1 for _ in root.iter(f"{SVG}title")) == 1
    assert CHARTS[name][1] in _texts(root)
    assert "<script" not in svg.lower()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= NAMESPACE_URIS
    assert 'font-family="sans-serif"' in svg


def test_descriptions_carry_the_numbers(rendered: dict[str, tuple[Any, str]]) -> None:
    bench = rendered["benchmark"][0].to_dict()["description"]
    assert "baseline-v1 (baseline): mean 12.28" in bench
    assert "single: mean 11, 1 run(s)" in bench
    assert "no ring moves" in rendered["ring_history_empty"][0].to_dict()["description"]
    assert "No resolved forecasts" in rendered["calibration_empty"][0].to_dict()["description"]


def test_rendering_is_deterministic(rendered: dict[str, tuple[Any, str]]) -> None:
    for name, (build, _) in reversed(CHARTS.items()):  # another order, fresh chart objects
        assert render_svg(build()) == rendered[name][1], name


def test_spec_is_inline_and_uses_generic_fonts(rendered: dict[str, tuple[Any, str]]) -> None:
    for chart, _ in rendered.values():
        spec = chart_spec(chart)
        assert spec["config"]["font"] == "sans-serif"
        assert '"url"' not in str(spec).replace("'", '"')


def test_remote_data_is_refused() -> None:
    spec = {"data": {"url": "https://example.com/data.json"}, "mark": "point"}
    with pytest.raises(ValueError, match="not allowed"):
        render_svg(spec)


def test_cache_renders_once_then_hits(tmp_path: Path) -> None:
    build = CHARTS["calibration"][0]
    cache = ChartCache(None)
    first = cache.svg(build())
    assert (cache.rendered, cache.hits) == (1, 0)
    assert cache.svg(build()) == first
    assert (cache.rendered, cache.hits) == (1, 1)


def test_cache_persists_on_disk(tmp_path: Path) -> None:
    build = CHARTS["benchmark"][0]
    directory = tmp_path / "charts"
    cold = ChartCache(directory)
    svg = cold.svg(build())
    assert (cold.rendered, cold.hits) == (1, 0)
    key = chart_key(build())
    assert (directory / f"{key}.svg").read_text(encoding="utf-8") == svg
    assert [p.name for p in directory.iterdir()] == [f"{key}.svg"]  # no temp files left

    rebuild = ChartCache(directory)  # a rebuild with nothing changed renders nothing
    assert rebuild.svg(build()) == svg
    assert (rebuild.rendered, rebuild.hits) == (0, 1)


def test_corrupt_cache_file_is_rerendered(tmp_path: Path) -> None:
    build = CHARTS["ring_history"][0]
    (tmp_path / f"{chart_key(build())}.svg").write_text("<svg trunc", encoding="utf-8")
    cache = ChartCache(tmp_path)
    svg = cache.svg(build())
    assert cache.rendered == 1
    ET.fromstring(svg)
    assert ChartCache(tmp_path).svg(build()) == svg


def test_changed_input_changes_key() -> None:
    a = benchmark_chart("acc", None, "higher", [("m", [0.5, 0.6], False)])
    b = benchmark_chart("acc", None, "higher", [("m", [0.5, 0.61], False)])
    c = benchmark_chart("acc", None, "lower", [("m", [0.5, 0.6], False)])
    same = benchmark_chart("acc", None, "higher", [("m", [0.5, 0.6], False)])
    assert chart_key(a) == chart_key(same)
    assert len({chart_key(a), chart_key(b), chart_key(c)}) == 3
    assert re.fullmatch(r"[0-9a-f]{64}", chart_key(a))


def test_import_does_not_load_heavy_libraries() -> None:
    code = (
        "import sys, generator.charts; "
        "print(','.join(m for m in ('altair', 'vl_convert', 'scipy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_make_accessible_strips_active_content() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        "<title>old</title><script>alert(1)</script>"
        '<g onclick="x()"><image xlink:href="https://evil.example/a.png"/>'
        '<use href="#local"/></g><text>a &amp; b</text></svg>'
    )
    out = make_accessible(svg, 'say "a" & <b>')
    root = ET.fromstring(out)
    assert root.get("aria-label") == 'say "a" & <b>'
    assert [t.text for t in root.iter(f"{SVG}title")] == ['say "a" & <b>']
    assert "script" not in out and "onclick" not in out and "evil" not in out
    assert 'href="#local"' in out
    with pytest.raises(ValueError):
        make_accessible("<html/>", "x")


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="better"):
        benchmark_chart("m", None, "bigger", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ring_history_chart([("not a date", "t", "HOLD")])


def test_t_interval_matches_scipy() -> None:
    from scipy import stats

    runs = [9.8, 10.1, 9.7, 10.4, 9.9]
    res = _t_interval(runs)
    assert res is not None
    m, lo, hi = res
    ref = stats.t.interval(0.95, len(runs) - 1, loc=m, scale=stats.sem(runs))
    assert math.isclose(lo, ref[0]) and math.isclose(hi, ref[1])
    assert _t_interval([]) is None
    assert _t_interval([3.0]) == (3.0, 3.0, 3.0)
    assert _t_interval([2.0, 2.0]) == (2.0, 2.0, 2.0)


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
