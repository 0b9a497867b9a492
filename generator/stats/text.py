"""Plain-text rendering of benchmark and prediction statistics for a terminal.

Fixed-width tables followed by one sentence per comparison stating the verdict in words,
then notes and warnings. Formatting only: every number comes from the stats objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._common import Interval
from .benchmark import AblationContribution, BenchmarkStats, Comparison
from .predictions import PredictionStats

_VERDICT_WORDS = {
    "better": "better",
    "worse": "worse",
    "no-difference": "no detectable difference",
    "below-min-effect": "significant but below the minimum effect of interest",
    "too-few-runs": "too few runs to tell",
}


def format_p(p: float | None) -> str:
    """p-value for people: '< 0.0001' below 1e-4, four decimals below 0.01, else three."""
    if p is None:
        return "n/a"
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def _p_phrase(p: float | None) -> str:
    s = format_p(p)
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def _num(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}g}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} %"


def _ci(ci: Interval, pct: bool = False) -> str:
    lo, hi = ci
    if lo is None or hi is None:
        return "n/a"
    if pct:
        return f"{lo * 100:+.1f} to {hi * 100:+.1f} %"
    return f"{lo:.4g} to {hi:.4g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_effect(x: float | None) -> str:
    """Effect sizes: two significant digits, never scientific notation."""
    if x is None:
        return "n/a"
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.2g}"


def _effect(kind: str, value: float | None) -> str:
    name = "g" if kind == "hedges_g" else "d_z"
    return f"{name} = {format_effect(value)}" if value is not None else f"{name} n/a"


def _sentence(
    subject: str, target: str, diff: float | None, rel: float | None, ci: Interval,
    rel_ci: Interval, unit: str | None, tail: str,
) -> str:  # fmt: skip
    """'<subject> is 31.0 % lower <target> (95 % CI 27.2–34.8 %), <tail>'."""
    if diff is None:
        return f"{subject} {target}: difference unknown, {tail}"
    if rel is not None:
        lo, hi = rel_ci
        scale, suffix, fmt = 100.0, " %", ".1f"
    else:  # no usable reference mean: say it in absolute units
        lo, hi = ci
        scale, suffix, fmt = 1.0, f" {unit}" if unit else "", ".4g"
    size = f"{abs(diff if rel is None else rel) * scale:{fmt}}{suffix}"
    if lo is None or hi is None:
        ci_text = "95 % CI n/a"
    elif (diff > 0 and lo >= 0) or (diff < 0 and hi <= 0):
        a, b = sorted((abs(lo) * scale, abs(hi) * scale))
        ci_text = f"95 % CI {a:{fmt}}–{b:{fmt}}{suffix}"
    else:  # the interval straddles zero: keep the signs
        ci_text = f"95 % CI {lo * scale:+{fmt}} to {hi * scale:+{fmt}}{suffix}"
    if diff == 0.0:
        return f"{subject} is no different {target} ({ci_text}), {tail}"
    direction = "higher" if diff > 0 else "lower"
    return f"{subject} is {size} {direction} {target} ({ci_text}), {tail}"


def _comparison_sentence(c: Comparison, unit: str | None) -> str:
    tail = (
        f"{_p_phrase(c.p_holm)} after Holm, {_effect(c.effect_size_kind, c.effect_size)}: "
        f"{_VERDICT_WORDS[c.verdict]}"
    )
    return _sentence(
        c.method, f"on {c.metric} than {c.baseline}", c.diff, c.rel_diff, c.diff_ci,
        c.rel_diff_ci, unit, tail,
    )  # fmt: skip


def _ablation_sentence(a: AblationContribution, unit: str | None) -> str:
    words = {
        "better": "the component helps",
        "worse": "the component hurts",
    }.get(a.verdict, _VERDICT_WORDS[a.verdict])
    tail = (
        f"{_p_phrase(a.p_holm)} after Holm, {_effect(a.effect_size_kind, a.effect_size)}: {words}"
    )
    removed = ", ".join(a.removes) or "nothing"
    rel_ci: Interval = (None, None)
    if a.rel_contribution is not None and a.mean_variant:
        lo, hi = a.contribution_ci
        if lo is not None and hi is not None:
            rel_ci = (lo / abs(a.mean_variant), hi / abs(a.mean_variant))
    return _sentence(
        a.of, f"on {a.metric} than {a.variant} (without {removed})", a.contribution,
        a.rel_contribution, a.contribution_ci, rel_ci, unit, tail,
    )  # fmt: skip


def benchmark_text(s: BenchmarkStats, units: dict[str, str | None]) -> str:
    """Readable report of one benchmark: summary table, comparisons, ablations, warnings."""
    out = [f"Benchmark {s.id} ({'paired' if s.paired else 'unpaired'}, alpha = {s.alpha:g})", ""]
    rows = [
        [m.metric, units.get(m.metric) or "", m.method, str(m.n), _num(m.mean), _num(m.sd),
         _num(m.median), _ci(m.ci)]
        for m in s.summaries
    ]  # fmt: skip
    out += _table(["metric", "unit", "method", "n", "mean", "sd", "median", "95 % CI"], rows)
    if s.comparisons:
        out += ["", "Comparisons with the baseline"]
        rows = [
            [c.metric, c.method, _pct(c.rel_diff), _ci(c.rel_diff_ci, pct=True), c.test,
             format_p(c.p), format_p(c.p_holm), format_p(c.rank_p), format_effect(c.effect_size),
             c.verdict, "" if c.runs_needed is None else str(c.runs_needed)]
            for c in s.comparisons
        ]  # fmt: skip
        out += _table(
            ["metric", "method", "rel diff", "95 % CI", "test", "p", "p Holm", "rank p",
             "effect", "verdict", "runs needed"],
            rows,
        )  # fmt: skip
        out.append("")
        for c in s.comparisons:
            out.append(_comparison_sentence(c, units.get(c.metric)))
            out += [f"  note: {n}" for n in c.notes]
    if s.ablations:
        out += ["", "Ablations (contribution = full − variant)"]
        rows = [
            [a.metric, a.variant, ", ".join(a.removes), _num(a.contribution),
             _ci(a.contribution_ci), _pct(a.rel_contribution), format_p(a.p_holm),
             format_effect(a.effect_size), a.verdict]
            for a in s.ablations
        ]  # fmt: skip
        out += _table(
            ["metric", "variant", "removes", "contribution", "95 % CI", "relative", "p Holm",
             "effect", "verdict"],
            rows,
        )  # fmt: skip
        out.append("")
        for a in s.ablations:
            out.append(_ablation_sentence(a, units.get(a.metric)))
            out += [f"  note: {n}" for n in a.notes]
    if s.warnings:
        out += ["", "Warnings"] + [f"- {w}" for w in s.warnings]
    return "\n".join(out) + "\n"


def predictions_text(p: PredictionStats) -> str:
    """Readable report of prediction scores with the calibration table."""
    out = [
        f"Predictions: {p.n} total, {p.n_resolved} scored, {p.n_ambiguous} ambiguous, "
        f"{p.n_open} open",
        f"Brier score {_num(p.brier)} (0 is perfect; always saying 50 % scores 0.25), "
        f"skill vs base rate {_num(p.brier_skill)}, mean log score {_num(p.log_score)}",
        f"Base rate {_num(p.base_rate)}; reliability {_num(p.reliability)} (lower is better), "
        f"resolution {_num(p.resolution)} (higher is better), uncertainty {_num(p.uncertainty)}",
        "",
    ]
    rows = [
        [f"{b.lo:.1f}–{b.hi:.1f}", str(b.n), str(b.k), _num(b.mean_forecast, 3),
         _num(b.observed, 3), _ci(b.ci)]
        for b in p.bins
    ]  # fmt: skip
    out += _table(["forecast", "n", "hits", "mean forecast", "observed", "95 % CI"], rows)
    if p.notes:
        out += ["", "Notes"] + [f"- {n}" for n in p.notes]
    return "\n".join(out) + "\n"
