"""Forest plots of a benchmark, one per metric, as hand-written SVG.

One row per method compared with the baseline (and per ablation variant, compared with the
full method): the relative change as a point, the interval its verdict rests on as a bar
(at that interval's level, written beside it), a zero line and a
shaded band of ±``min_effect`` (the smallest change that matters), coloured by verdict. In a
paired design each row also shows the per-run differences (run *i* of the method minus run
*i* of the reference, over the reference mean), so the reader sees the pairs, not only their
summary.

Numbers come from the statistics engine (`generator.stats`): rows are built from its result
objects by :func:`forest_rows`, which never recomputes an interval. :func:`forest_svg` only
draws; every record string is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..stats._common import finite as _finite
from .svg import esc, f, short
from .thin import drawn_runs

#: Verdict colours (text on white ≥ 4.5:1); the page's verdict badges use the same.
VERDICT_COLORS = {
    "better": "#1b6e34",
    "worse": "#b42318",
    "below-min-effect": "#8a5a00",
    "equivalent": "#2158a8",
    "inconclusive": "#5f6672",
    "non-inferior": "#0b6b73",
    "inferior": "#8b1a1a",
    "too-few-runs": "#6d28d9",
    "undetermined": "#3f4652",
    "no-difference": "#5f6672",  # retired verdict name, shown until every engine has moved on
}
OTHER_COLOR = "#3f4652"

LABEL_W = 230.0  # row labels
PLOT_W = 420.0
VALUE_W = 310.0  # the change, its interval and the verdict, written out
ROW_H = 30.0
TOP = 46.0  # title and direction note
BOTTOM = 40.0  # axis ticks and label
LABEL_CHARS = 30


@dataclass(frozen=True)
class ForestRow:
    """One comparison on one metric. Relative values are fractions (0.05 = +5 %)."""

    label: str
    verdict: str
    rel: float | None
    lo: float | None
    hi: float | None
    kind: Literal["method", "ablation"] = "method"
    runs: tuple[float, ...] = field(default_factory=tuple)  # paired per-run relative diffs
    level: float = 0.95  # confidence level of [lo, hi]


@dataclass(frozen=True)
class ForestScale:
    """The x axis: a closed range of relative change with its ticks."""

    lo: float
    hi: float
    ticks: tuple[float, ...]

    def x(self, v: float) -> float:
        return LABEL_W + (v - self.lo) / (self.hi - self.lo) * PLOT_W


def _nice_step(span: float) -> float:
    raw = span / 5
    mag = 10 ** math.floor(math.log10(raw))
    return float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))


def forest_scale(rows: Sequence[ForestRow], min_effect: float | None) -> ForestScale:
    """A range holding zero, ±min_effect, every interval and every run, on nice ticks."""
    values = [0.0]
    if min_effect:
        values += [-min_effect, min_effect]
    for r in rows:
        values += [v for v in (r.rel, r.lo, r.hi, *r.runs) if v is not None]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.01, hi + 0.01
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step - 1e-9) * step, math.ceil(hi / step + 1e-9) * step
    n = round((hi - lo) / step)
    return ForestScale(lo, hi, tuple(lo + i * step for i in range(n + 1)))


def _level(level: float) -> str:
    """0.95 → '95', 0.9875 → '98.75' (as the statistics text writes levels)."""
    return f"{level * 100:.4g}"


def pct(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "–"
    s = f"{v * 100:+.{digits}f}"
    return ("±" + s[1:] if float(s) == 0 else s.replace("-", "−")) + " %"


def forest_svg(
    metric: str,
    unit: str | None,
    better: Literal["higher", "lower"],
    min_effect: float | None,
    rows: Sequence[ForestRow],
    *,
    reference: str = "the baseline",
    ablation_of: str | None = None,
) -> str:
    """The forest plot of one metric. Rows keep their order; ablation rows (full method vs
    variant) get a heading row of their own when they follow method rows."""
    scale = forest_scale(rows, min_effect)
    lines: list[ForestRow | str] = []
    for r in rows:
        if r.kind == "ablation" and not any(isinstance(x, str) for x in lines):
            lines.append(f"ablations of {ablation_of or 'the full method'}: full vs variant")
        lines.append(r)
    width = LABEL_W + PLOT_W + VALUE_W
    height = TOP + ROW_H * max(1, len(lines)) + BOTTOM
    plot_top, plot_bottom = TOP, TOP + ROW_H * max(1, len(lines))
    name = f"{metric} ({unit})" if unit else metric
    summary = "; ".join(
        f"{r.label}: {pct(r.rel)}"
        + (
            f" ({_level(r.level)} % CI {pct(r.lo)} to {pct(r.hi)})"
            if r.lo is not None and r.hi is not None
            else ""
        )
        + f", {r.verdict}"
        for r in rows
    )
    band = f", shaded band ±{pct(min_effect)[1:]} minimum effect" if min_effect else ""
    desc = f"Relative change in {name} against {reference}, {better} is better{band}. {summary}."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="assay-forest-svg" viewBox="0 0 {f(width)} '
        f'{f(height)}" width="{f(width)}" height="{f(height)}" font-family="sans-serif" role="img" '
        f'aria-label="{esc(desc)}"><title>{esc(desc)}</title>',
        f'<text x="8" y="18" font-size="15" font-weight="700" fill="#1f2430">{esc(short(name, 60))}'
        "</text>",
    ]
    good_right = better == "higher"
    out.append(
        f'<text x="{f(LABEL_W + PLOT_W)}" y="18" text-anchor="end" font-size="12" fill="#3f4652">'
        + ("worse ← · → better" if good_right else "better ← · → worse")
        + f" ({better} is better)</text>"
    )
    if min_effect:
        x0, x1 = scale.x(-min_effect), scale.x(min_effect)
        out.append(
            f'<rect x="{f(x0)}" y="{f(plot_top)}" width="{f(x1 - x0)}" '
            f'height="{f(plot_bottom - plot_top)}" fill="#e8eaee"/>'
        )
    for t in scale.ticks:
        x = scale.x(t)
        out.append(
            f'<line x1="{f(x)}" y1="{f(plot_top)}" x2="{f(x)}" y2="{f(plot_bottom)}" '
            'stroke="#d5d8de" stroke-width="1"/>'
            f'<text x="{f(x)}" y="{f(plot_bottom + 16)}" text-anchor="middle" font-size="11" '
            f'fill="#3f4652">{esc(pct(t, 0 if abs(t * 100 - round(t * 100)) < 1e-9 else 1))}</text>'
        )
    zero = scale.x(0.0)
    out.append(
        f'<line x1="{f(zero)}" y1="{f(plot_top - 4)}" x2="{f(zero)}" y2="{f(plot_bottom)}" '
        'stroke="#1f2430" stroke-width="1.5"/>'
    )
    out.append(
        f'<text x="{f(LABEL_W + PLOT_W / 2)}" y="{f(plot_bottom + 34)}" text-anchor="middle" '
        f'font-size="12" fill="#1f2430">change relative to {esc(short(reference, 40))}'
        + (f" · band: ±{esc(pct(min_effect)[1:])} minimum effect" if min_effect else "")
        + "</text>"
    )
    if not rows:
        out.append(
            f'<text x="{f(LABEL_W)}" y="{f(plot_top + ROW_H / 2 + 4)}" font-size="12" '
            'fill="#3f4652">no comparisons</text>'
        )
    for i, line in enumerate(lines):
        if isinstance(line, str):
            y = TOP + ROW_H * i + ROW_H / 2 + 4
            out.append(
                f'<text x="8" y="{f(y)}" font-size="12" font-style="italic" fill="#3f4652">'
                f"{esc(short(line, 70))}</text>"
            )
        else:
            out.append(_row(line, i, scale))
    out.append("</svg>")
    return "".join(out)


def _row(r: ForestRow, i: int, scale: ForestScale) -> str:
    y = TOP + ROW_H * i + ROW_H / 2
    colour = VERDICT_COLORS.get(r.verdict, OTHER_COLOR)
    parts = []
    if i % 2:
        parts.append(
            f'<rect x="0" y="{f(y - ROW_H / 2)}" width="{f(LABEL_W)}" height="{f(ROW_H)}" '
            'fill="#f6f7f9"/>'
        )
    label = short(r.label, LABEL_CHARS)
    parts.append(
        f'<text x="{f(LABEL_W - 10)}" y="{f(y + 4)}" text-anchor="end" font-size="12" '
        f'fill="#1f2430">{esc(label)}</text>'
    )
    for k, v in enumerate(drawn_runs(r.runs)):  # bounded (FINDINGS.md A9)
        jitter = ((k + 1) * 0.6180339887498949 % 1.0 - 0.5) * ROW_H * 0.5
        parts.append(
            f'<circle cx="{f(scale.x(v))}" cy="{f(y + jitter)}" r="2.5" fill="none" '
            f'stroke="{colour}" stroke-opacity="0.55" stroke-width="1"/>'
        )
    if r.lo is not None and r.hi is not None:
        x0, x1 = scale.x(r.lo), scale.x(r.hi)
        parts.append(
            f'<line x1="{f(x0)}" y1="{f(y)}" x2="{f(x1)}" y2="{f(y)}" stroke="{colour}" '
            'stroke-width="2.5"/>'
            f'<line x1="{f(x0)}" y1="{f(y - 6)}" x2="{f(x0)}" y2="{f(y + 6)}" stroke="{colour}" '
            'stroke-width="2"/>'
            f'<line x1="{f(x1)}" y1="{f(y - 6)}" x2="{f(x1)}" y2="{f(y + 6)}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    if r.rel is not None:
        x = scale.x(r.rel)
        parts.append(
            f'<path d="M{f(x)} {f(y - 7)}L{f(x + 7)} {f(y)}L{f(x)} {f(y + 7)}L{f(x - 7)} {f(y)}Z" '
            f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
    interval = (
        f" ({_level(r.level)} % CI {pct(r.lo)} to {pct(r.hi)})"
        if r.lo is not None and r.hi is not None
        else ""
    )
    parts.append(
        f'<text x="{f(LABEL_W + PLOT_W + 12)}" y="{f(y + 4)}" font-size="12" fill="#1f2430">'
        f"{esc(pct(r.rel) + interval)} "
        f'<tspan font-weight="700" fill="{colour}">{esc(r.verdict)}</tspan></text>'
    )
    return "".join(parts)


# -- from the statistics engine's results ------------------------------------------------------


def _interval(obj: Any, fallback: str) -> tuple[float | None, float | None, float]:
    """The relative interval the verdict rests on (`judgement.verdict_interval`, at its own
    level: Holm-adjusted, TOST or non-inferiority), else the unadjusted 95 % `fallback`."""
    vi = getattr(getattr(obj, "judgement", None), "verdict_interval", None)
    rel = getattr(vi, "rel", None)
    if vi is not None and rel is not None and len(rel) == 2:
        lo, hi = _finite(rel[0]), _finite(rel[1])
        if lo is not None and hi is not None:
            return lo, hi, float(vi.level)
    ci = getattr(obj, fallback, None)
    if ci is not None and len(ci) == 2:
        return _finite(ci[0]), _finite(ci[1]), 0.95
    return None, None, 0.95


def forest_rows(stats: Any, metric: str, record: Any = None) -> list[ForestRow]:
    """The rows of one metric from a `BenchmarkStats`: its comparisons, then its ablation
    contributions, each with the interval its verdict rests on (see `_interval`), so that
    the bar and the colour never disagree. An engine without relative intervals for
    ablations gets the contribution interval over the variant mean.

    With the benchmark `record` of a paired design, each row also gets its per-run
    differences over the reference mean the engine reports.
    """
    from ..stats._common import scale_interval

    runs: dict[str, list[float]] = {}
    variants: dict[str, list[float]] = {}
    base = full = None
    if record is not None and record.paired:
        for m in record.methods:
            runs[m.name] = list(m.runs.get(metric, []))
            if m.baseline:
                base = m.name
        if record.ablations is not None:
            full = record.ablations.of
            for v in record.ablations.variants:
                variants[v.name] = list(v.runs.get(metric, []))
    rows: list[ForestRow] = []
    for c in stats.comparisons:
        if c.metric != metric:
            continue
        lo, hi, level = _interval(c, "rel_diff_ci")
        per_run: tuple[float, ...] = ()
        if c.method in runs and base in runs:
            per_run = _per_run(runs[c.method], runs[str(base)], c.mean_baseline)
        rows.append(
            ForestRow(
                _label(c, c.method),
                c.verdict,
                _finite(c.rel_diff),
                lo,
                hi,
                "method",
                per_run,
                level,
            )
        )
    for a in stats.ablations:
        if a.metric != metric:
            continue
        lo, hi, level = _interval(a, "rel_contribution_ci")
        if lo is None and a.mean_variant:
            lo, hi = scale_interval(a.contribution_ci, 1.0 / abs(a.mean_variant))
        per_run = ()
        if a.variant in variants and full in runs:
            per_run = _per_run(runs[str(full)], variants[a.variant], a.mean_variant)
        rows.append(
            ForestRow(
                _label(a, a.variant),
                a.verdict,
                _finite(a.rel_contribution),
                lo,
                hi,
                "ablation",
                per_run,
                level,
            )
        )
    return rows


def _label(obj: Any, name: str) -> str:
    """A row's name, marked when its metric is a guardrail (a non-inferiority test)."""
    guardrail = getattr(getattr(obj, "judgement", None), "guardrail", False)
    return f"{name} (guardrail)" if guardrail is True else name


def _per_run(a: Sequence[float], b: Sequence[float], reference_mean: object) -> tuple[float, ...]:
    """(a_i − b_i) / |reference mean| for each run i."""
    ref = _finite(reference_mean)
    if not ref:
        return ()
    out = []
    for x, y in zip(a, b, strict=False):
        v = _finite((x - y) / abs(ref))
        if v is not None:
            out.append(v)
    return tuple(out)
