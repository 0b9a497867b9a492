"""Chart builders: plain data in, accessible SVG text out, drawn by Assay itself (issue 9).

Three charts, in the style of the forest plots and the radar (`forest.py`, `radar_svg.py`):

- :func:`benchmark_chart`: one row per method, every run as a (deterministically jittered)
  point, the method's mean with its 95 % interval as given by the statistics engine, the
  baseline in grey with a dashed line at its mean;
- :func:`calibration_chart`: observed frequency against mean forecast per bin, Wilson 95 %
  intervals, point areas proportional to the number of forecasts, counts under the axis,
  the diagonal of perfect calibration;
- :func:`ring_history_chart`: one row per technique, coloured segments for the time spent
  in each ring, a dot at every move, on a date axis.

Each returns a standalone ``<svg>`` with ``role="img"``, an ``aria-label`` and a ``<desc>``
holding the full text description (every number the picture shows), and a ``<title>``.
Drawing is pure Python string building: no Altair, no JavaScript runtime, no SciPy. Every
record string (method, metric, unit, technique) goes through :func:`svg.esc`; long ones are
cut with :func:`svg.short` in the picture and kept whole in the description. Any finite
number (0, negative, ±1e308, all equal) gives a finite axis. Output depends only on the
arguments (same input, same bytes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypedDict

from ..stats._common import finite as _finite
from .svg import clean, esc, f, short
from .thin import drawn_runs

#: Radar rings, innermost (most committed) first.
RINGS: tuple[str, ...] = ("ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP")
#: Ring colours of the history chart's segments: the same colours as the radar's blips and the ring badges (radar_svg.RING_FILL, assay.css).
RING_COLORS: tuple[str, ...] = ("#1b6e34", "#0b6b73", "#2158a8", "#9a4f00", "#5f6672")

BASELINE_COLOR = "#6b6f76"  # grey, 5:1 on white (text and marks)
METHOD_COLOR = "#1f5fa8"
INK = "#1f2430"  # titles and labels
MUTED = "#3f4652"  # subtitles, ticks
GRID = "#e3e5e9"
FRAME = "#c9cdd4"
STRIPE = "#f6f7f9"
_GOLDEN = 0.6180339887498949
JITTER_PX = 20  # runs spread over ±10 px around their method's line

LABEL_CHARS = 30  # row labels (method, technique) are cut here in the picture
TITLE_CHARS = 70
AXIS_TITLE_CHARS = 48
TICK_UNIT_CHARS = 8  # a longer unit is written in the axis title only, not on every tick
DESC_CHARS = 200  # a record string in a description or tooltip is cut here (bounds the SVG)
CHAR_W = 6.4  # estimated width of a character at 11 px (sans-serif), for label spacing


@dataclass(frozen=True)
class MethodRuns:
    """One method's raw runs on one metric, with the mean and 95 % interval of all its runs
    from the statistics engine (`generator.stats.MethodSummary.mean` / `.ci`); the chart
    computes neither. ``mean=None`` draws no mean; ``ci=(None, None)`` no interval (n = 1)."""

    name: str
    runs: Sequence[float]
    baseline: bool = False
    mean: float | None = None
    ci: tuple[float | None, float | None] = (None, None)


class CalibrationBinInput(TypedDict):
    """A calibration bin as in ``CalibrationBin.to_json()``; observed/ci/mean_forecast None when empty."""

    lo: float
    hi: float
    n: int
    k: int
    mean_forecast: float | None
    observed: float | None
    ci: Sequence[float | None] | None


def _fmt(x: float) -> str:
    """Four significant digits, without an exponent between 1e-4 and 1e7 (12.28, 10080)."""
    if x != 0 and 1e-4 <= abs(x) < 1e7:
        decimals = max(0, 3 - math.floor(math.log10(abs(x))))
        s = f"{x:.{decimals}f}"
        return s.rstrip("0").rstrip(".") if "." in s else s
    return f"{x:.4g}"


def _wilson(k: int, n: int) -> tuple[float, float] | None:
    if n <= 0:
        return None
    z = 1.959963984540054
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# -- shared drawing ------------------------------------------------------------------------


def _open(width: float, height: float, kind: str, title: str, desc: str) -> list[str]:
    """The root element (accessible name = the description), `<title>`, `<desc>` and a white
    background (legible in dark themes, as the forest plots and the radar)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="assay-chart-svg assay-{kind}-svg" '
        f'viewBox="0 0 {f(width)} {f(height)}" width="{f(width)}" height="{f(height)}" '
        f'font-family="sans-serif" role="img" aria-label="{esc(desc)}">'
        f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>"
        f'<rect width="{f(width)}" height="{f(height)}" fill="#fff"/>'
    ]


def _heading(out: list[str], title: str, subtitle: str) -> None:
    out.append(
        f'<text x="8" y="19" font-size="15" font-weight="700" fill="{INK}">{esc(title)}</text>'
        f'<text x="8" y="37" font-size="11" fill="{MUTED}">{esc(subtitle)}</text>'
    )


def _text(
    x: float, y: float, body: str, size: int = 11, anchor: str = "start", **attrs: str
) -> str:
    """A `<text>`; `body` must already be escaped."""
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text x="{f(x)}" y="{f(y)}" font-size="{size}"{anchor_attr}{extra}>{body}</text>'


def _label_every(positions: Sequence[float], labels: Sequence[str]) -> int:
    """Write every n-th tick label so that neighbours do not overlap."""
    if len(positions) < 2:
        return 1
    gap = min(abs(b - a) for a, b in itertools.pairwise(positions)) or 1.0
    widest = max(len(t) for t in labels) * CHAR_W + 10
    return max(1, math.ceil(widest / gap))


# -- a linear axis for any finite values ---------------------------------------------------


@dataclass(frozen=True)
class LinearAxis:
    """A nice, closed range over some finite values, mapped onto [x0, x0 + width] pixels.

    Values are divided by 10**exp first when their magnitude is large or small (exp ≠ 0;
    tick labels then read ``2.5e308``), so the arithmetic never overflows, even for runs at
    ±1e308. A range of zero width (one value, all equal) is widened around it."""

    lo: float  # scaled
    hi: float
    step: float
    exp: int
    x0: float
    width: float

    def scaled(self, v: float) -> float:
        if self.exp >= 0:
            return v / 10.0**self.exp
        # Two factors: 10**324 (for subnormal values down to 5e-324) is not a float.
        first = min(300, -self.exp)
        return v * 10.0**first * 10.0 ** (-self.exp - first)

    def pos(self, v: float) -> float:
        return self.x0 + (self.scaled(v) - self.lo) / (self.hi - self.lo) * self.width

    def ticks(self) -> list[float]:
        """Tick values, scaled."""
        n = round((self.hi - self.lo) / self.step)
        return [self.lo + i * self.step for i in range(n + 1)]

    def tick_pos(self, t: float) -> float:
        return self.x0 + (t - self.lo) / (self.hi - self.lo) * self.width

    def label(self, t: float) -> str:
        decimals = max(0, min(15, -math.floor(math.log10(self.step) + 1e-9)))
        if abs(self.step / 10**-decimals - round(self.step / 10**-decimals)) > 1e-6:
            decimals += 1  # a step of 2.5 × 10^k
        s = f"{t:.{decimals}f}"
        if float(s) == 0:
            return "0"
        s = s.replace("-", "−")
        return f"{s}e{self.exp}" if self.exp else s


def linear_axis(values: Sequence[float], x0: float, width: float, target: int = 8) -> LinearAxis:
    """An axis holding every value of `values` (finite, at least one) on nice ticks."""
    biggest = max(abs(v) for v in values)
    exp = 0
    if biggest >= 1e6 or 0 < biggest < 1e-3:
        exp = math.floor(math.log10(biggest))
    scale = LinearAxis(0.0, 1.0, 1.0, exp, x0, width)
    scaled = [scale.scaled(v) for v in values]
    lo, hi = min(scaled), max(scaled)
    magnitude = max(abs(lo), abs(hi))
    if hi - lo <= magnitude * 1e-9:  # one value, or all equal (to display precision)
        centre = (lo + hi) / 2
        pad = abs(centre) * 0.05 or 1.0
        lo, hi = centre - pad, centre + pad
    raw = (hi - lo) / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-12))
    lo = math.floor(lo / step + 1e-9) * step
    hi = math.ceil(hi / step - 1e-9) * step
    if hi <= lo:
        hi = lo + step
    return LinearAxis(lo, hi, step, exp, x0, width)


def _x_ticks(
    out: list[str], axis: LinearAxis, top: float, bottom: float, unit: str | None
) -> list[str]:
    """Grid lines and labelled ticks below `bottom`; the labels carry a short unit."""
    ticks = axis.ticks()
    suffix = f" {clean(unit)}" if unit and len(clean(unit)) <= TICK_UNIT_CHARS else ""
    labels = [axis.label(t) + suffix for t in ticks]
    every = _label_every([axis.tick_pos(t) for t in ticks], labels)
    for i, (t, label) in enumerate(zip(ticks, labels, strict=True)):
        x = axis.tick_pos(t)
        out.append(
            f'<line x1="{f(x)}" y1="{f(top)}" x2="{f(x)}" y2="{f(bottom + 4)}" stroke="{GRID}"/>'
        )
        if i % every == 0:
            out.append(_text(x, bottom + 17, esc(label), anchor="middle", fill=MUTED))
    return [labels[i] for i in range(0, len(labels), every)]


# -- 1. benchmark ------------------------------------------------------------------------------

B_LABEL_W = 230.0
B_PLOT_W = 460.0
B_RIGHT = 40.0
B_TOP = 52.0
B_ROW = 34.0


def _method(m: tuple[Any, ...] | MethodRuns) -> MethodRuns:
    return m if isinstance(m, MethodRuns) else MethodRuns(*m)


def benchmark_chart(
    metric: str,
    unit: str | None,
    better: Literal["higher", "lower"],
    methods: Sequence[tuple[Any, ...] | MethodRuns],
) -> str:
    """Every run as a point (at most `thin.MAX_DRAWN_RUNS` per method, as evenly spaced
    quantiles above that: said in the row and the description), each method's mean (diamond)
    and 95 % interval (bar) from the statistics engine, the baseline grey and marked
    "(baseline)" with a dashed line at its mean. Methods keep the given order."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    ms = [_method(m) for m in methods]
    metric, unit = short(metric, DESC_CHARS), short(unit, DESC_CHARS) if unit else None
    axis_title = f"{metric} ({unit})" if unit else metric
    rows: list[
        tuple[MethodRuns, list[float], list[float], float | None, tuple[float, float] | None]
    ] = []
    said: list[str] = []
    values: list[float] = []
    for m in ms:
        xs = [v for v in (_finite(x) for x in m.runs) if v is not None]
        drawn = drawn_runs(xs)  # at most MAX_DRAWN_RUNS marks (FINDINGS.md A9)
        mean = _finite(m.mean)
        lo, hi = _finite(m.ci[0]), _finite(m.ci[1])
        ci = (min(lo, hi), max(lo, hi)) if lo is not None and hi is not None else None
        rows.append((m, xs, drawn, mean, ci))
        values += drawn + [v for v in (mean, *(ci or ())) if v is not None]
        name = short(m.name, DESC_CHARS)
        label = f"{name} (baseline)" if m.baseline else name
        if not xs:
            said.append(f"{label}: no runs")
            continue
        shown = f" ({len(drawn)} drawn, at evenly spaced quantiles)" if len(drawn) < len(xs) else ""
        if mean is None:
            said.append(f"{label}: no finite mean, {len(xs)} run(s){shown}")
            continue
        interval = f", 95% CI {_fmt(ci[0])} to {_fmt(ci[1])}" if ci is not None else ""
        said.append(f"{label}: mean {_fmt(mean)}{interval}, {len(xs)} run(s){shown}")
    thinned = any(len(d) < len(xs) for _, xs, d, _, _ in rows)
    title = f"{short(axis_title, TITLE_CHARS)} — {better} is better"
    subtitle = "points: runs · diamond and bar: mean with 95 % t-interval"
    if thinned:
        subtitle += " · many runs: evenly spaced quantiles drawn"
    desc = (
        f"Benchmark of {axis_title}, {better} is better. Points are individual runs; "
        f"diamonds are means with 95% t-intervals. " + "; ".join(said) + "."
    )
    n = max(1, len(rows))
    top, bottom = B_TOP, B_TOP + B_ROW * n
    width, height = B_LABEL_W + B_PLOT_W + B_RIGHT, bottom + 74
    out = _open(width, height, "benchmark", title, desc)
    _heading(out, title, subtitle)
    for i in range(1, len(rows), 2):
        out.append(
            f'<rect x="0" y="{f(top + i * B_ROW)}" width="{f(B_LABEL_W + B_PLOT_W)}" '
            f'height="{f(B_ROW)}" fill="{STRIPE}"/>'
        )
    plot_x0 = B_LABEL_W
    if not values:
        out.append(
            f'<rect x="{f(plot_x0)}" y="{f(top)}" width="{f(B_PLOT_W)}" height="{f(bottom - top)}"'
            f' fill="none" stroke="{FRAME}"/>'
        )
        out.append(
            _text(plot_x0 + B_PLOT_W / 2, (top + bottom) / 2 + 4, "no runs recorded", 13, "middle",
                  fill=MUTED)
        )  # fmt: skip
    else:
        axis = linear_axis(values, plot_x0, B_PLOT_W)
        _x_ticks(out, axis, top, bottom, unit)
        out.append(
            f'<rect x="{f(plot_x0)}" y="{f(top)}" width="{f(B_PLOT_W)}" height="{f(bottom - top)}"'
            f' fill="none" stroke="{FRAME}"/>'
        )
        base_mean = next(
            (mean for m, _, _, mean, _ in rows if m.baseline and mean is not None), None
        )
        if base_mean is not None:
            x = axis.pos(base_mean)
            out.append(
                f'<line class="assay-baseline-mean" x1="{f(x)}" y1="{f(top)}" x2="{f(x)}" '
                f'y2="{f(bottom)}" stroke="{BASELINE_COLOR}" stroke-width="1" '
                'stroke-dasharray="4 3"/>'
            )
        for i, (m, xs, drawn, mean, ci) in enumerate(rows):
            out.append(_benchmark_row(axis, top + B_ROW * i + B_ROW / 2, m, xs, drawn, mean, ci))
        more, less = ("better", "worse") if better == "higher" else ("worse", "better")
        out.append(_text(plot_x0, bottom + 35, f"← {less}", 11, fill=MUTED))
        out.append(_text(plot_x0 + B_PLOT_W, bottom + 35, f"{more} →", 11, "end", fill=MUTED))
        out.append(
            _text(plot_x0 + B_PLOT_W / 2, bottom + 35, esc(short(axis_title, AXIS_TITLE_CHARS)),
                  12, "middle", font_weight="700", fill=INK)
        )  # fmt: skip
    for i, (m, xs, drawn, _, _) in enumerate(rows):
        out.append(_row_label(top + B_ROW * i + B_ROW / 2, m, len(xs), len(drawn)))
    out.append(_benchmark_legend(B_LABEL_W, bottom + 60))
    out.append("</svg>")
    return "".join(out)


def _row_label(y: float, m: MethodRuns, n: int, drawn: int) -> str:
    colour = BASELINE_COLOR if m.baseline else INK
    name = (
        short(m.name, LABEL_CHARS - 11) + " (baseline)"
        if m.baseline
        else short(m.name, LABEL_CHARS)
    )
    x = B_LABEL_W - 10
    if drawn < n:
        return _text(x, y - 1, esc(name), 12, "end", fill=colour) + _text(
            x, y + 11, f"{drawn} of {n} runs drawn", 10, "end", fill=MUTED
        )
    return _text(x, y + 4, esc(name), 12, "end", fill=colour)


def _benchmark_row(
    axis: LinearAxis,
    y: float,
    m: MethodRuns,
    xs: Sequence[float],
    drawn: Sequence[float],
    mean: float | None,
    ci: tuple[float, float] | None,
) -> str:
    colour = BASELINE_COLOR if m.baseline else METHOD_COLOR
    role = "baseline" if m.baseline else "method"
    parts = [f'<g class="assay-{role}">']
    if not xs:
        parts.append(_text(axis.x0 + 8, y + 4, "no runs", 11, font_style="italic", fill=MUTED))
    for k, v in enumerate(drawn):
        jitter = (((k + 1) * _GOLDEN) % 1.0 - 0.5) * JITTER_PX
        parts.append(
            f'<circle class="assay-run" cx="{f(axis.pos(v))}" cy="{f(y + jitter)}" r="3" '
            f'fill="none" stroke="{colour}" stroke-opacity="0.6"/>'
        )
    if ci is not None:
        x0, x1 = axis.pos(ci[0]), axis.pos(ci[1])
        parts.append(
            f'<line class="assay-interval" x1="{f(x0)}" y1="{f(y)}" x2="{f(x1)}" y2="{f(y)}" '
            f'stroke="{colour}" stroke-width="2.5"/>'
            f'<line x1="{f(x0)}" y1="{f(y - 6)}" x2="{f(x0)}" y2="{f(y + 6)}" stroke="{colour}" '
            'stroke-width="2"/>'
            f'<line x1="{f(x1)}" y1="{f(y - 6)}" x2="{f(x1)}" y2="{f(y + 6)}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    if mean is not None:
        x = axis.pos(mean)
        parts.append(
            f'<path class="assay-mean" d="M{f(x)} {f(y - 7)}L{f(x + 7)} {f(y)}L{f(x)} {f(y + 7)}'
            f'L{f(x - 7)} {f(y)}Z" fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def _benchmark_legend(x: float, y: float) -> str:
    c, g = METHOD_COLOR, BASELINE_COLOR
    return (
        f'<circle cx="{f(x + 4)}" cy="{f(y - 4)}" r="3" fill="none" stroke="{c}"/>'
        + _text(x + 12, y, "run", fill=MUTED)
        + f'<path d="M{f(x + 48)} {f(y - 11)}l7 7l-7 7l-7 -7Z" fill="{c}"/>'
        + _text(x + 60, y, "mean", fill=MUTED)
        + f'<line x1="{f(x + 98)}" y1="{f(y - 4)}" x2="{f(x + 118)}" y2="{f(y - 4)}" stroke="{c}" '
        'stroke-width="2.5"/>'
        + _text(x + 124, y, "95 % interval", fill=MUTED)
        + f'<rect x="{f(x + 210)}" y="{f(y - 9)}" width="10" height="10" fill="{c}"/>'
        + _text(x + 224, y, "method", fill=MUTED)
        + f'<rect x="{f(x + 276)}" y="{f(y - 9)}" width="10" height="10" fill="{g}"/>'
        + _text(x + 290, y, "baseline", fill=MUTED)
        + f'<line x1="{f(x + 350)}" y1="{f(y - 10)}" x2="{f(x + 350)}" y2="{f(y + 2)}" '
        f'stroke="{g}" stroke-dasharray="4 3"/>' + _text(x + 356, y, "baseline mean", fill=MUTED)
    )


# -- 2. radar: hand-written SVG, see radar_svg.py ---------------------------------------------


def _ring(value: str) -> str:
    ring = value.strip().upper()
    if ring not in RINGS:
        raise ValueError(f"unknown ring {value!r}; expected one of {', '.join(RINGS)}")
    return ring


# -- 3. calibration ----------------------------------------------------------------------------

C_LEFT = 64.0
C_TOP = 52.0
C_SIZE = 320.0
C_LEGEND_W = 170.0
C_MAX_R = 11.0
C_PAD = 10.0  # room inside the frame for points at 0 and 1


def _unit_pos(v: float, x0: float, size: float, flip: bool = False) -> float:
    """Where a probability (clamped to [0, 1]) lies on a calibration axis."""
    v = min(1.0, max(0.0, v))
    inner = size - 2 * C_PAD
    return x0 + C_PAD + ((1 - v) if flip else v) * inner


def calibration_chart(bins: Sequence[Mapping[str, Any] | CalibrationBinInput]) -> str:
    """Observed frequency against mean forecast per bin (point area proportional to n),
    Wilson 95 % intervals as bars, the dashed diagonal of perfect calibration, and each
    bin's number of forecasts under the axis. Empty bins are skipped (their count is 0)."""
    points: list[dict[str, float]] = []
    counts: list[tuple[float, int]] = []
    said: list[str] = []
    for b in bins:
        n = max(0, int(b.get("n") or 0))
        k = min(n, max(0, int(b.get("k") or 0)))
        blo, bhi = _finite(b.get("lo")), _finite(b.get("hi"))
        if blo is not None and bhi is not None:
            counts.append(((min(1.0, max(0.0, blo)) + min(1.0, max(0.0, bhi))) / 2, n))
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
            f"bin {_fmt(blo if blo is not None else 0.0)}–{_fmt(bhi if bhi is not None else 1.0)}: "
            f"forecast {_fmt(forecast)}, observed {_fmt(observed)} ({k} of {n}; 95% CI "
            f"{_fmt(lo)} to {_fmt(hi)})"
        )
    total = sum(int(p["n"]) for p in points)
    desc = (
        f"Calibration of {total} resolved forecast(s) in {len(points)} non-empty bin(s); the dashed "
        "diagonal is perfect calibration. "
        + ("; ".join(said) + "." if said else "No resolved forecasts yet.")
    )
    subtitle = "dashed: perfect calibration · bars: Wilson 95 % interval · size: forecasts"
    if not points:
        subtitle = "no resolved forecasts yet · dashed: perfect calibration"
    x0, top, size = C_LEFT, C_TOP, C_SIZE
    bottom = top + size
    width = x0 + size + C_LEGEND_W
    height = bottom + (76 if counts else 56)
    out = _open(width, height, "calibration", "Calibration", desc)
    _heading(out, "Calibration", subtitle)
    for i in range(11):
        v = i / 10
        x, y = _unit_pos(v, x0, size), _unit_pos(v, top, size, flip=True)
        out.append(
            f'<line x1="{f(x)}" y1="{f(top)}" x2="{f(x)}" y2="{f(bottom + 4)}" stroke="{GRID}"/>'
            f'<line x1="{f(x0 - 4)}" y1="{f(y)}" x2="{f(x0 + size)}" y2="{f(y)}" stroke="{GRID}"/>'
            + _text(x, bottom + 17, f"{v:.1f}", anchor="middle", fill=MUTED)
            + _text(x0 - 7, y + 4, f"{v:.1f}", anchor="end", fill=MUTED)
        )
    out.append(
        f'<rect x="{f(x0)}" y="{f(top)}" width="{f(size)}" height="{f(size)}" fill="none" '
        f'stroke="{FRAME}"/>'
        f'<line class="assay-diagonal" x1="{f(_unit_pos(0, x0, size))}" '
        f'y1="{f(_unit_pos(0, top, size, True))}" x2="{f(_unit_pos(1, x0, size))}" '
        f'y2="{f(_unit_pos(1, top, size, True))}" stroke="#8a8f98" stroke-width="1.5" '
        'stroke-dasharray="5 4"/>'
        + _text(x0 + size / 2, bottom + 35, "forecast probability", 12, "middle",
                font_weight="700", fill=INK)
        + _text(16, top + size / 2, "observed frequency", 12, "middle", font_weight="700",
                fill=INK, transform=f"rotate(-90 16 {f(top + size / 2)})")
    )  # fmt: skip
    if not points:
        out.append(
            f'<rect x="{f(x0 + size / 2 - 100)}" y="{f(top + size / 2 - 16)}" width="200" '
            'height="28" fill="#fff"/>'
            + _text(x0 + size / 2, top + size / 2 + 3, "no resolved forecasts yet", 13, "middle",
                    fill=MUTED)
        )  # fmt: skip
    max_n = max((int(p["n"]) for p in points), default=1)

    def radius(n: int) -> float:
        return max(2.5, C_MAX_R * math.sqrt(n / max_n))

    for p in points:
        x = _unit_pos(p["forecast"], x0, size)
        y = _unit_pos(p["observed"], top, size, flip=True)
        ylo, yhi = _unit_pos(p["lo"], top, size, True), _unit_pos(p["hi"], top, size, True)
        tip = (
            f"forecast {_fmt(p['forecast'])}, observed {_fmt(p['observed'])} "
            f"({int(p['k'])} of {int(p['n'])}; 95 % CI {_fmt(p['lo'])} to {_fmt(p['hi'])})"
        )
        out.append(
            f'<g class="assay-bin"><title>{esc(tip)}</title>'
            f'<line class="assay-interval" x1="{f(x)}" y1="{f(ylo)}" x2="{f(x)}" y2="{f(yhi)}" '
            f'stroke="{METHOD_COLOR}" stroke-width="1.5"/>'
            f'<line x1="{f(x - 4)}" y1="{f(ylo)}" x2="{f(x + 4)}" y2="{f(ylo)}" '
            f'stroke="{METHOD_COLOR}" stroke-width="1.5"/>'
            f'<line x1="{f(x - 4)}" y1="{f(yhi)}" x2="{f(x + 4)}" y2="{f(yhi)}" '
            f'stroke="{METHOD_COLOR}" stroke-width="1.5"/>'
            f'<circle class="assay-observed" cx="{f(x)}" cy="{f(y)}" r="{f(radius(int(p["n"])))}" '
            f'fill="{METHOD_COLOR}" fill-opacity="0.85" stroke="#fff" stroke-width="1"/></g>'
        )
    if counts:
        y = bottom + 58
        out.append(_text(x0 - 7, y, "n", anchor="end", font_style="italic", fill=MUTED))
        for centre, n in counts:
            out.append(
                _text(_unit_pos(centre, x0, size), y, str(n), 10, "middle",
                      fill=INK if n else MUTED)
            )  # fmt: skip
    lx = x0 + size + 28
    out.append(_text(lx, top + 8, "forecasts in bin", 11, font_weight="700", fill=INK))
    ly = top + 22.0
    for n in _legend_counts(points):
        r = radius(n)
        out.append(
            f'<circle cx="{f(lx + C_MAX_R)}" cy="{f(ly + C_MAX_R)}" r="{f(r)}" '
            f'fill="{METHOD_COLOR}" fill-opacity="0.85"/>'
            + _text(lx + 2 * C_MAX_R + 8, ly + C_MAX_R + 4, str(n), fill=MUTED)
        )
        ly += 2 * C_MAX_R + 6
    out.append(_text(lx, ly + 12, "n under the axis:", 10, fill=MUTED))
    out.append(_text(lx, ly + 25, "forecasts per bin", 10, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


def _legend_counts(points: Sequence[Mapping[str, Any]]) -> list[int]:
    if not points:
        return []
    ns = sorted({int(p["n"]) for p in points})
    return sorted({ns[0], ns[len(ns) // 2], ns[-1]})


# -- 4. ring history ---------------------------------------------------------------------------

H_LABEL_W = 300.0
H_PLOT_W = 520.0
H_LABEL_CHARS = 44
H_RIGHT = 44.0
H_TOP = 52.0
H_ROW = 22.0
_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 24000, 60000)


def _date_ticks(first: int, last: int, max_ticks: int = 8) -> list[tuple[int, str]]:
    """(ordinal, label) of nice dates in [first, last]: days, months or years apart."""
    days = last - first
    for step in _DAY_STEPS:
        if days / step <= max_ticks:
            start = -(-first // step) * step
            return [(d, date.fromordinal(d).isoformat()) for d in range(start, last + 1, step)]
    a, b = date.fromordinal(first), date.fromordinal(last)
    m0 = a.year * 12 + a.month - 1 + (a.day > 1)  # the first 1st of a month in range
    m1 = b.year * 12 + b.month - 1
    step = next((s for s in _MONTH_STEPS if (m1 - m0) / s <= max_ticks), _MONTH_STEPS[-1])
    out = []
    for mi in range(-(-m0 // step) * step, m1 + 1, step):
        year, month = divmod(mi, 12)
        if not 1 <= year <= 9999:
            continue
        d = date(year, month + 1, 1)
        out.append((d.toordinal(), str(year) if step >= 12 else f"{year:04d}-{month + 1:02d}"))
    return out


def ring_history_chart(moves: Sequence[tuple[str, str, str]]) -> str:
    """Each technique's ring over time: one row per technique, coloured segments from each move
    to the next (the last extends to the latest move overall), a dot at every move."""
    parsed = sorted(
        ((date.fromisoformat(d), tech, _ring(ring)) for d, tech, ring in moves),
        key=lambda m: (m[1], m[0]),
    )
    if not parsed:
        desc = "Ring history: no ring moves recorded yet."
        out = _open(540, 100, "history", "Ring history", desc)
        _heading(out, "Ring history", "bars: time spent in a ring · dots: moves")
        out.append(_text(270, 72, "no ring moves recorded yet", 13, "middle", fill=MUTED))
        out.append("</svg>")
        return "".join(out)
    end_all = max(d for d, _, _ in parsed)
    by_tech: dict[str, list[tuple[date, str]]] = {}
    for d, tech, ring in parsed:
        by_tech.setdefault(tech, []).append((d, ring))
    said = [
        f"{short(tech, DESC_CHARS)}: " + ", then ".join(f"{r} on {d.isoformat()}" for d, r in steps)
        for tech, steps in by_tech.items()
    ]
    order = sorted(by_tech, key=lambda t: (RINGS.index(by_tech[t][-1][1]), t.lower(), t))
    desc = (
        f"Ring history of {len(by_tech)} technique(s), {len(parsed)} move(s) up to "
        f"{end_all.isoformat()}. " + "; ".join(said[i] for i in _order_index(by_tech, order)) + "."
    )
    first, last = min(d for d, _, _ in parsed).toordinal(), end_all.toordinal()
    pad = max(1, round((last - first) * 0.02)) if last > first else 15
    lo = max(date.min.toordinal(), first - pad)
    hi = min(date.max.toordinal(), last + pad)
    x0 = H_LABEL_W

    def pos(day: int) -> float:
        return x0 + (day - lo) / (hi - lo) * H_PLOT_W

    top, bottom = H_TOP, H_TOP + H_ROW * len(order)
    width, height = x0 + H_PLOT_W + H_RIGHT, bottom + 74
    out = _open(width, height, "history", "Ring history", desc)
    _heading(out, "Ring history", "bars: time spent in a ring · dots: moves")
    for i in range(1, len(order), 2):
        out.append(
            f'<rect x="0" y="{f(top + i * H_ROW)}" width="{f(x0 + H_PLOT_W)}" '
            f'height="{f(H_ROW)}" fill="{STRIPE}"/>'
        )
    ticks = _date_ticks(lo, hi)
    every = _label_every([pos(t) for t, _ in ticks], [label for _, label in ticks])
    for i, (t, label) in enumerate(ticks):
        x = pos(t)
        out.append(
            f'<line x1="{f(x)}" y1="{f(top)}" x2="{f(x)}" y2="{f(bottom + 4)}" stroke="{GRID}"/>'
        )
        if i % every == 0:
            out.append(_text(x, bottom + 17, label, anchor="middle", fill=MUTED))
    out.append(
        f'<rect x="{f(x0)}" y="{f(top)}" width="{f(H_PLOT_W)}" height="{f(bottom - top)}" '
        f'fill="none" stroke="{FRAME}"/>'
        + _text(x0 + H_PLOT_W / 2, bottom + 35, "date", 12, "middle", font_weight="700", fill=INK)
    )
    colour = dict(zip(RINGS, RING_COLORS, strict=True))
    for row, tech in enumerate(order):
        y = top + H_ROW * row + H_ROW / 2
        out.append(_text(x0 - 10, y + 4, esc(short(tech, H_LABEL_CHARS)), 12, "end", fill=INK))
        steps = by_tech[tech]
        parts = ['<g class="assay-technique">']
        for i, (d, ring) in enumerate(steps):
            end = steps[i + 1][0] if i + 1 < len(steps) else end_all
            if end > d:
                xa, xb = pos(d.toordinal()), pos(end.toordinal())
                parts.append(
                    f'<rect class="assay-segment" x="{f(xa)}" y="{f(y - 6)}" '
                    f'width="{f(max(1.0, xb - xa))}" height="12" fill="{colour[ring]}" '
                    f'fill-opacity="0.85"><title>{esc(f"{short(tech, DESC_CHARS)}: {ring} from {d} to {end}")}'
                    "</title></rect>"
                )
        for d, ring in steps:
            parts.append(
                f'<circle class="assay-move" cx="{f(pos(d.toordinal()))}" cy="{f(y)}" r="4.5" '
                f'fill="{colour[ring]}" stroke="#fff" stroke-width="1">'
                f"<title>{esc(f'{short(tech, DESC_CHARS)}: {ring} on {d}')}</title></circle>"
            )
        parts.append("</g>")
        out.append("".join(parts))
    lx, ly = x0, bottom + 60
    out.append(_text(lx, ly, "ring:", 11, font_weight="700", fill=INK))
    lx += 40
    for ring in RINGS:
        out.append(
            f'<circle cx="{f(lx + 5)}" cy="{f(ly - 4)}" r="5" fill="{colour[ring]}"/>'
            + _text(lx + 14, ly, ring, fill=MUTED)
        )
        lx += 28 + len(ring) * 7.5
    out.append("</svg>")
    return "".join(out)


def _order_index(by_tech: Mapping[str, object], order: Sequence[str]) -> list[int]:
    """Positions in `by_tech` of the techniques in `order` (for the description)."""
    index = {t: i for i, t in enumerate(by_tech)}
    return [index[t] for t in order]
