"""Chart builders: plain data in, an Altair chart out (title, axis titles, text description).

All data is inline (``alt.Data(values=...)``), so rendering never reads a file or the network.
Altair and SciPy are imported inside the functions, never at module import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from altair import Chart, LayerChart, TitleParams

#: Radar rings, innermost (most committed) first.
RINGS: tuple[str, ...] = ("ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP")
#: Ring colours of the history chart's segments: the same colours as the radar's blips and the ring badges (radar_svg.RING_FILL, assay.css).
RING_COLORS: tuple[str, ...] = ("#1b6e34", "#0b6b73", "#2158a8", "#9a4f00", "#5f6672")

BASELINE_COLOR = "#7f7f7f"
METHOD_COLOR = "#1f5fa8"
_GOLDEN = 0.6180339887498949
JITTER_PX = 20  # runs spread over ±10 px around their method's line


@dataclass(frozen=True)
class MethodRuns:
    """One method's raw runs on one metric (the tuple form ``(name, runs, is_baseline)`` works too)."""

    name: str
    runs: Sequence[float]
    baseline: bool = False


class CalibrationBinInput(TypedDict):
    """A calibration bin as in ``CalibrationBin.to_json()``; observed/ci/mean_forecast None when empty."""

    lo: float
    hi: float
    n: int
    k: int
    mean_forecast: float | None
    observed: float | None
    ci: Sequence[float | None] | None


def _altair() -> Any:
    """Altair, imported on first use (typed as Any: its generated API is checked at runtime by
    ``to_dict()``'s schema validation, which the tests exercise)."""
    import altair

    return altair


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _finite(x: object) -> float | None:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _t_interval(runs: Sequence[float]) -> tuple[float, float, float] | None:
    """(mean, lo, hi) with the 95 % t-interval; None without runs or without a finite mean;
    a point interval for n = 1 or when the interval itself is not finite.

    The arithmetic runs on values scaled by their largest magnitude, so runs near the
    largest float (a hostile record may hold them) never overflow.
    """
    n = len(runs)
    scale = max((abs(x) for x in runs), default=0.0)
    if n == 0 or not math.isfinite(scale):
        return None
    if scale == 0.0:
        return 0.0, 0.0, 0.0
    scaled = [x / scale for x in runs]
    ms = math.fsum(scaled) / n
    m = ms * scale
    if not math.isfinite(m):
        return None
    if n == 1:
        return m, m, m
    from scipy import stats

    s = math.sqrt(math.fsum((x - ms) ** 2 for x in scaled) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * s / math.sqrt(n) * scale
    lo, hi = m - half, m + half
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return m, m, m
    return m, lo, hi


def _wilson(k: int, n: int) -> tuple[float, float] | None:
    if n <= 0:
        return None
    z = 1.959963984540054
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _title(text: str, subtitle: str | None = None) -> TitleParams:
    alt = _altair()

    title: TitleParams = alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)
    return title


def _message(text: str) -> Chart:
    """A text mark standing in for data that is not there yet."""
    alt = _altair()

    chart: Chart = (
        alt.Chart(alt.Data(values=[{"message": text}]))
        .mark_text(fontSize=13, color="#555")
        .encode(text="message:N")
        .properties(width=360, height=60)
    )
    return chart


# -- 1. benchmark ------------------------------------------------------------------------------


def benchmark_chart(
    metric: str,
    unit: str | None,
    better: Literal["higher", "lower"],
    methods: Sequence[tuple[str, Sequence[float], bool] | MethodRuns],
) -> LayerChart:
    """Every run as a (deterministically jittered) point, and each method's mean with its 95 %
    t-interval; the baseline is grey and labelled "(baseline)". Methods keep the given order."""
    alt = _altair()

    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    ms = [m if isinstance(m, MethodRuns) else MethodRuns(m[0], m[1], m[2]) for m in methods]
    label_of = {m.name: f"{m.name} (baseline)" if m.baseline else m.name for m in ms}
    order = list(dict.fromkeys(label_of[m.name] for m in ms))
    runs: list[dict[str, Any]] = []
    means: list[dict[str, Any]] = []
    said: list[str] = []
    for m in ms:
        xs = [f for f in (_finite(x) for x in m.runs) if f is not None]
        role = "baseline" if m.baseline else "method"
        label = label_of[m.name]
        for i, x in enumerate(xs):
            jitter = ((i + 1) * _GOLDEN) % 1.0 - 0.5
            runs.append({"method": label, "role": role, "value": x, "jitter": jitter})
        ci = _t_interval(xs)
        if ci is None:
            said.append(f"{label}: no finite mean" if xs else f"{label}: no runs")
            continue
        mean, lo, hi = ci
        means.append(
            {"method": label, "role": role, "mean": mean, "lo": lo, "hi": hi, "n": len(xs)}
        )
        interval = f", 95% CI {_fmt(lo)} to {_fmt(hi)}" if len(xs) > 1 else ""
        said.append(f"{label}: mean {_fmt(mean)}{interval}, {len(xs)} run(s)")

    axis_title = f"{metric} ({unit})" if unit else metric
    title = f"{axis_title} — {better} is better"
    y = alt.Y("method:N", sort=order, title="method", scale=alt.Scale(domain=order))
    color = alt.Color(
        "role:N",
        title=None,
        scale=alt.Scale(domain=["method", "baseline"], range=[METHOD_COLOR, BASELINE_COLOR]),
        legend=alt.Legend(orient="bottom"),
    )
    x = alt.X("value:Q", title=axis_title, scale=alt.Scale(zero=False, nice=True))
    layers: list[Chart] = []
    if runs:
        layers.append(
            alt.Chart(alt.Data(values=runs))
            # Jitter as a pixel offset of the mark (not a yOffset channel, which would move the
            # runs off the band centre the means are drawn at).
            .mark_point(
                size=28,
                opacity=0.6,
                filled=False,
                strokeWidth=1,
                yOffset=alt.ExprRef(f"datum.jitter * {JITTER_PX}"),
            )
            .encode(x=x, y=y, color=color)
        )
    if means:
        base = alt.Chart(alt.Data(values=means))
        layers.append(
            base.mark_rule(strokeWidth=2.5).encode(
                x=alt.X("lo:Q", title=axis_title), x2="hi:Q", y=y, color=color
            )
        )
        layers.append(
            base.mark_point(shape="diamond", size=110, filled=True, opacity=1).encode(
                x=alt.X("mean:Q", title=axis_title), y=y, color=color
            )
        )
    size: dict[str, Any] = {"width": 460, "height": alt.Step(34)}
    if not layers:
        layers.append(_message("no runs recorded"))
        size = {}  # the message has its own size; a step height needs a discrete y
    description = (
        f"Benchmark of {axis_title}, {better} is better. Points are individual runs; "
        f"diamonds are means with 95% t-intervals. " + "; ".join(said) + "."
    )
    chart: LayerChart = (
        alt.layer(*layers)
        .resolve_scale(color="shared")
        .properties(
            title=_title(title, "points: runs · diamond and bar: mean with 95 % t-interval"),
            description=description,
            **size,
        )
    )
    return chart


# -- 2. radar: hand-written SVG, see radar_svg.py ---------------------------------------------


def _ring(value: str) -> str:
    ring = value.strip().upper()
    if ring not in RINGS:
        raise ValueError(f"unknown ring {value!r}; expected one of {', '.join(RINGS)}")
    return ring


# -- 3. calibration ----------------------------------------------------------------------------


def calibration_chart(bins: Sequence[Mapping[str, Any] | CalibrationBinInput]) -> LayerChart:
    """Observed frequency against mean forecast per bin (points sized by n), Wilson 95 %
    intervals as error bars, and the diagonal of perfect calibration. Empty bins are skipped."""
    alt = _altair()

    points: list[dict[str, Any]] = []
    said: list[str] = []
    for b in bins:
        n = int(b.get("n") or 0)
        k = int(b.get("k") or 0)
        forecast = _finite(b.get("mean_forecast"))
        observed = _finite(b.get("observed"))
        if n <= 0 or forecast is None:
            continue
        if observed is None:
            observed = k / n
        raw_ci = b.get("ci")
        lo = hi = None
        if raw_ci is not None and len(raw_ci) == 2:
            lo, hi = _finite(raw_ci[0]), _finite(raw_ci[1])
        if lo is None or hi is None:
            lo, hi = _wilson(k, n) or (observed, observed)
        points.append(
            {"forecast": forecast, "observed": observed, "lo": lo, "hi": hi, "n": n, "k": k}
        )
        said.append(
            f"bin {_fmt(float(b.get('lo', 0)))}–{_fmt(float(b.get('hi', 1)))}: forecast "
            f"{_fmt(forecast)}, observed {_fmt(observed)} ({k} of {n}; 95% CI {_fmt(lo)} to {_fmt(hi)})"
        )

    unit = alt.Scale(domain=[0, 1], nice=False, zero=True, padding=8)  # room for points at 0 and 1
    x = alt.X("forecast:Q", title="forecast probability", scale=unit)
    y = alt.Y("observed:Q", title="observed frequency", scale=unit)
    diagonal = (
        alt.Chart(
            alt.Data(
                values=[{"forecast": 0.0, "observed": 0.0}, {"forecast": 1.0, "observed": 1.0}]
            )
        )
        .mark_line(color="#999", strokeDash=[5, 4], strokeWidth=1.5)
        .encode(x=x, y=y)
    )
    layers: list[Chart] = [diagonal]
    if points:
        base = alt.Chart(alt.Data(values=points))
        layers.append(
            base.mark_rule(color=METHOD_COLOR, strokeWidth=1.5).encode(
                x=x, y=alt.Y("lo:Q", title="observed frequency", scale=unit), y2="hi:Q"
            )
        )
        max_n = max(p["n"] for p in points)
        layers.append(
            base.mark_circle(
                color=METHOD_COLOR, opacity=0.85, stroke="white", strokeWidth=1
            ).encode(
                x=x,
                y=y,
                size=alt.Size(
                    "n:Q",
                    title="forecasts in bin",
                    # Area proportional to n; the legend lists the smallest, middle and largest n.
                    scale=alt.Scale(domain=[0, max(max_n, 1)], range=[0, 400]),
                    legend=alt.Legend(orient="right", values=_legend_counts(points), format="d"),
                ),
            )
        )
    total = sum(p["n"] for p in points)
    description = (
        f"Calibration of {total} resolved forecast(s) in {len(points)} non-empty bin(s); the dashed "
        "diagonal is perfect calibration. "
        + ("; ".join(said) + "." if said else "No resolved forecasts yet.")
    )
    subtitle = "dashed: perfect calibration · bars: Wilson 95 % interval · size: forecasts"
    if not points:
        subtitle = "no resolved forecasts yet · dashed: perfect calibration"
    chart: LayerChart = alt.layer(*layers).properties(
        title=_title("Calibration", subtitle), description=description, width=320, height=320
    )
    return chart


def _legend_counts(points: Sequence[Mapping[str, Any]]) -> list[int]:
    ns = sorted({int(p["n"]) for p in points})
    return sorted({ns[0], ns[len(ns) // 2], ns[-1]})


# -- 4. ring history ---------------------------------------------------------------------------


def ring_history_chart(moves: Sequence[tuple[str, str, str]]) -> LayerChart:
    """Each technique's ring over time: one row per technique, coloured segments from each move
    to the next (the last extends to the latest move overall), a dot at every move."""
    alt = _altair()

    parsed = sorted(
        ((date.fromisoformat(d), tech, _ring(ring)) for d, tech, ring in moves),
        key=lambda m: (m[1], m[0]),
    )
    if not parsed:
        empty: LayerChart = alt.layer(_message("no ring moves recorded yet")).properties(
            title=_title("Ring history"), description="Ring history: no ring moves recorded yet."
        )
        return empty
    end_all = max(d for d, _, _ in parsed)
    by_tech: dict[str, list[tuple[date, str]]] = {}
    for d, tech, ring in parsed:
        by_tech.setdefault(tech, []).append((d, ring))
    segments: list[dict[str, Any]] = []
    dots: list[dict[str, Any]] = []
    said: list[str] = []
    for tech, steps in by_tech.items():
        for i, (d, ring) in enumerate(steps):
            end = steps[i + 1][0] if i + 1 < len(steps) else end_all
            segments.append(
                {"technique": tech, "ring": ring, "start": d.isoformat(), "end": end.isoformat()}
            )
            dots.append({"technique": tech, "ring": ring, "on": d.isoformat()})
        said.append(f"{tech}: " + ", then ".join(f"{r} on {d.isoformat()}" for d, r in steps))
    order = sorted(by_tech, key=lambda t: (RINGS.index(by_tech[t][-1][1]), t.lower()))
    y = alt.Y("technique:N", sort=order, scale=alt.Scale(domain=order), title=None)
    color = alt.Color(
        "ring:N",
        title="ring",
        scale=alt.Scale(domain=list(RINGS), range=list(RING_COLORS)),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )
    time_axis = alt.Axis(format="%Y-%m-%d", labelAngle=0, labelOverlap="greedy")
    time_scale = alt.Scale(type="utc")
    bars = (
        alt.Chart(alt.Data(values=segments))
        .mark_bar(height={"band": 0.55}, opacity=0.85)
        .encode(
            x=alt.X("start:T", title="date", scale=time_scale, axis=time_axis),
            x2="end:T",
            y=y,
            color=color,
        )
    )
    points = (
        alt.Chart(alt.Data(values=dots))
        .mark_point(filled=True, size=60, stroke="white", strokeWidth=1, opacity=1, shape="circle")
        .encode(x=alt.X("on:T", title="date", scale=time_scale, axis=time_axis), y=y, color=color)
    )
    description = (
        f"Ring history of {len(by_tech)} technique(s), {len(parsed)} move(s) up to "
        f"{end_all.isoformat()}. " + "; ".join(said) + "."
    )
    chart: LayerChart = alt.layer(bars, points).properties(
        title=_title("Ring history", "bars: time spent in a ring · dots: moves"),
        description=description,
        width=520,
        height=alt.Step(22),
    )
    return chart
