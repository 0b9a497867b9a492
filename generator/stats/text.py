"""Plain-text rendering of benchmark and prediction statistics for a terminal.

Fixed-width tables, then one paragraph per comparison that says in words what the verdict
means, with the interval that goes with it (and its level), and for `inconclusive` how many
runs would settle it; then notes, run diagnostics and warnings. Formatting only: every
number comes from the stats objects. `VERDICT_MEANING` is shared with the site's pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._common import Interval
from .results import (
    AblationContribution,
    BenchmarkStats,
    Comparison,
    PredictionStats,
    VerdictInterval,
)

#: What each verdict means, for someone who has never heard of TOST (SPEC §3.3).
VERDICT_MEANING = {
    "better": "a real improvement, at least as large as the smallest change that matters",
    "worse": "a real deterioration, at least as large as the smallest change that matters",
    "below-min-effect": "a real change, but smaller than the smallest change that matters",
    "equivalent": "no change that matters: an equivalence test shows any change is smaller "
    "than the minimum effect, in either direction",
    "inconclusive": "the data cannot tell: neither a change that matters nor its absence is "
    "shown; more runs would settle it",
    "non-inferior": "the guardrail holds: the metric does not get worse by the margin or more",
    "inferior": "the guardrail is broken: the metric gets worse by more than the margin",
    "too-few-runs": "no verdict: fewer than 3 runs in a group",
    "undetermined": "no verdict: no test can be computed for these values (see the notes)",
}

#: `better`/`worse` when the metric sets no `min_effect`: significance alone, size not judged.
NO_MIN_EFFECT_MEANING = {
    "better": "a real improvement; no min_effect is set on this metric, so whether it is large "
    "enough to matter is not judged (set min_effect to judge it)",
    "worse": "a real deterioration; no min_effect is set on this metric, so whether it is large "
    "enough to matter is not judged (set min_effect to judge it)",
}

#: The same for ablations (full method against a variant without a component).
ABLATION_NO_MIN_EFFECT_MEANING = {
    "better": "the component helps; no min_effect is set on this metric, so whether it helps "
    "enough to matter is not judged",
    "worse": "the component hurts; no min_effect is set on this metric, so whether it hurts "
    "enough to matter is not judged",
}


def verdict_meaning(verdict: str, min_effect_set: Sequence[bool]) -> str:
    """What a comparison verdict means, given whether the metrics it was reached on set
    `min_effect`: `better`/`worse` claim a size only where one is set."""
    meaning = VERDICT_MEANING[verdict]
    if verdict not in NO_MIN_EFFECT_MEANING or all(min_effect_set):
        return meaning
    if not any(min_effect_set):
        return NO_MIN_EFFECT_MEANING[verdict]
    return f"{meaning}; where the metric sets no min_effect, only that the change is real"


#: Ablations compare the full method with a variant that lacks a component.
ABLATION_MEANING = {
    "better": "the component helps, by at least the smallest change that matters",
    "worse": "the component hurts, by at least the smallest change that matters",
    "below-min-effect": "the component's contribution is real but smaller than the minimum effect",
    "equivalent": "the component makes no difference that matters",
    "non-inferior": "the component does not make the guardrail metric worse by the margin or more",
    "inferior": "the component makes the guardrail metric worse by more than the margin",
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


def _outcome(p: float | None, alpha: float, yes: str, no: str) -> str:
    """What a one-sided test concluded, in words, at alpha."""
    if p is None:
        return "not computed"
    return f"{yes if p < alpha else no} at alpha = {alpha:g}"


def _num(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}g}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.1f} %"


def format_level(level: float) -> str:
    """A confidence level as a percentage: 0.95 → '95', 0.9875 → '98.75'."""
    return f"{level * 100:.4g}"


def unit_of_difference(unit: str | None) -> str:
    """The unit of a difference: a difference of percentages is in percentage points."""
    if unit is None:
        return ""
    return "pp" if unit.strip() == "%" else unit


def _ci(ci: Interval, pct: bool = False, unit: str = "") -> str:
    lo, hi = ci
    if lo is None or hi is None:
        return "n/a"
    if pct:
        return f"{lo * 100:+.1f} to {hi * 100:+.1f} %"
    return f"{lo:.4g} to {hi:.4g}{' ' + unit if unit else ''}"


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


def interval_phrase(vi: VerdictInterval, k: int, alpha: float) -> str:
    """Which interval is shown beside the verdict, and why at that level."""
    level = format_level(vi.level)
    if vi.basis == "tost":
        return f"{level} % CI, the interval of the equivalence test at alpha = {alpha:g}"
    if vi.basis == "non-inferiority":
        return (
            f"{level} % CI; its ends are the one-sided {format_level(1 - alpha)} % bounds "
            "the guardrail test uses"
        )
    if vi.basis == "holm":
        if k <= 1:
            return f"{level} % CI"
        return f"{level} % CI, the level Holm's correction for {k} tests applies here"
    return f"{level} % CI, not adjusted"


def _change(
    diff: float | None, rel: float | None, vi: VerdictInterval, unit: str | None
) -> tuple[str, str]:
    """('31.0 % lower', '−34.2 to −27.9 %') or the absolute equivalents."""
    if diff is None:
        return "unknown", "n/a"
    if diff == 0.0:
        size = "no different"
    else:
        direction = "higher" if diff > 0 else "lower"
        if rel is not None:
            size = f"{abs(rel) * 100:.1f} % {direction}"
        else:
            du = unit_of_difference(unit)
            size = f"{abs(diff):.4g}{' ' + du if du else ''} {direction}"
    if rel is not None and vi.rel[0] is not None:
        return size, _ci(vi.rel, pct=True)
    return size, _ci(vi.diff, unit=unit_of_difference(unit))


def _settle(c: Comparison | AblationContribution, n_here: int, alpha: float) -> str:
    """For inconclusive verdicts: how many runs would settle it."""
    j = c.judgement
    parts = []
    level = f"alpha = {j.runs_needed_alpha:.3g}" if j.runs_needed_alpha is not None else ""
    if c.runs_needed is not None and j.min_effect is not None:
        what = (
            "show the guardrail holds if nothing changes"
            if j.guardrail
            else f"detect a change of {j.min_effect * 100:g} %"
        )
        parts.append(f"about {c.runs_needed} runs per method would {what} (80 % power at {level})")
    elif j.min_effect is None:
        parts.append("set min_effect to learn how many runs would settle it")
    if j.runs_needed_equivalence is not None and j.min_effect is not None:
        parts.append(
            f"about {j.runs_needed_equivalence} would show equivalence within "
            f"±{j.min_effect * 100:g} % if nothing changes (80 % power at alpha = {alpha:g})"
        )
    if j.detectable_effect_rel is not None:
        parts.append(
            f"with the {n_here} runs at hand only changes of "
            f"{j.detectable_effect_rel * 100:.1f} % or more show reliably"
        )
    return "; ".join(parts)


def _paragraph(
    c: Comparison | AblationContribution, subject: str, unit: str | None, k: int, alpha: float,
    meanings: dict[str, str],
) -> list[str]:  # fmt: skip
    j = c.judgement
    if isinstance(c, Comparison):
        diff, rel, n_here = c.diff, c.rel_diff, min(c.n_method, c.n_baseline)
    else:
        diff, rel, n_here = c.contribution, c.rel_contribution, min(c.n_full, c.n_variant)
    margin = ""
    if j.guardrail and j.min_effect is not None:
        margin = f" (guardrail: must not get worse by {j.min_effect * 100:g} % or more)"
    elif j.min_effect is not None:
        margin = f" (smallest change that matters: {j.min_effect * 100:g} %)"
    size, ci = _change(diff, rel, j.verdict_interval, unit)
    head = f"{subject}{margin}: {c.verdict.upper()}"
    body = f"It is {size} ({interval_phrase(j.verdict_interval, k, alpha)}: {ci})"
    if c.verdict == "undetermined" or diff is None:
        body = "No difference or interval could be computed"
    tests = f"t-test {_p_phrase(c.p)}, {_p_phrase(c.p_holm)} after Holm"
    if j.guardrail:
        tests = (
            f"non-inferiority test {_p_phrase(j.p_noninferiority)} ('worse by the margin or "
            f"more' {_outcome(j.p_noninferiority, alpha, 'ruled out', 'not ruled out')}), "
            f"inferiority test {_p_phrase(j.p_inferiority)} ('worse by more than the margin' "
            f"{_outcome(j.p_inferiority, alpha, 'shown', 'not shown')})"
        )
    elif j.p_equivalence is not None and c.verdict in {"equivalent", "inconclusive"}:
        tests += f", equivalence test {_p_phrase(j.p_equivalence)}"
    tests += f"; rank test {_p_phrase(c.rank_p)}; {_effect(c.effect_size_kind, c.effect_size)}"
    meaning = meanings.get(c.verdict, VERDICT_MEANING[c.verdict])
    if j.min_effect is None and c.verdict in NO_MIN_EFFECT_MEANING:
        plain = meanings is VERDICT_MEANING
        meaning = (NO_MIN_EFFECT_MEANING if plain else ABLATION_NO_MIN_EFFECT_MEANING)[c.verdict]
    out = [head, f"  {body}; {tests}.", f"  Meaning: {meaning}."]
    if c.verdict == "inconclusive" and (settle := _settle(c, n_here, alpha)):
        out.append(f"  To settle it: {settle}.")
    out += [f"  note: {n}" for n in c.notes]
    return out


def benchmark_text(s: BenchmarkStats, units: dict[str, str | None]) -> str:
    """Readable report of one benchmark: summary table, comparisons, ablations, warnings."""
    k = len([c.p for c in s.comparisons if c.p is not None]) + len(
        [a.p for a in s.ablations if a.p is not None]
    )
    out = [f"Benchmark {s.id} ({'paired' if s.paired else 'unpaired'}, alpha = {s.alpha:g})", ""]
    rows = [
        [m.metric, units.get(m.metric) or "", m.method, str(m.n), _num(m.mean), _num(m.sd),
         _num(m.median), _ci(m.ci)]
        for m in s.summaries
    ]  # fmt: skip
    out += _table(["metric", "unit", "method", "n", "mean", "sd", "median", "95 % CI"], rows)
    medians = [m for m in s.summaries if m.median_ci_method]
    if medians:
        out += ["", "Medians of quantile-type metrics (95 % percentile-bootstrap interval, "
                "fixed seed)"]  # fmt: skip
        out += _table(
            ["metric", "method", "median", "95 % CI"],
            [[m.metric, m.method, _num(m.median), _ci(m.median_ci)] for m in medians],
        )
    if s.comparisons:
        out += ["", "Comparisons with the baseline (change relative to the baseline mean)"]
        rows = [
            [c.metric, c.method, _pct(c.rel_diff), _ci(c.rel_diff_ci, pct=True), format_p(c.p),
             format_p(c.p_holm), format_p(c.rank_p), format_effect(c.effect_size), c.verdict,
             "" if c.runs_needed is None else str(c.runs_needed)]
            for c in s.comparisons
        ]  # fmt: skip
        out += _table(
            ["metric", "method", "change", "95 % CI", "p", "p Holm", "rank p", "effect",
             "verdict", "runs needed"],
            rows,
        )  # fmt: skip
        out.append("")
        for c in s.comparisons:
            subject = f"{c.method} vs {c.baseline} on {c.metric}"
            out += _paragraph(c, subject, units.get(c.metric), k, s.alpha, VERDICT_MEANING)
    if s.ablations:
        out += [
            "",
            "Ablations (contribution = full − variant, in the metric's unit; pp = percentage "
            "points; relative = share of the variant's mean)",
        ]
        rows = [
            [a.metric, a.variant, ", ".join(a.removes),
             f"{a.contribution:+.4g} {unit_of_difference(units.get(a.metric))}".strip()
             if a.contribution is not None else "n/a",
             _ci(a.contribution_ci, unit=unit_of_difference(units.get(a.metric))),
             _pct(a.rel_contribution), format_p(a.p_holm), format_effect(a.effect_size),
             a.verdict]
            for a in s.ablations
        ]  # fmt: skip
        out += _table(
            ["metric", "variant", "removes", "contribution", "95 % CI", "relative", "p Holm",
             "effect", "verdict"],
            rows,
        )  # fmt: skip
        out.append("")
        for a in s.ablations:
            removed = ", ".join(a.removes) or "nothing"
            subject = f"{a.of} vs {a.variant} (without {removed}) on {a.metric}"
            out += _paragraph(a, subject, units.get(a.metric), k, s.alpha, ABLATION_MEANING)
    if s.diagnostics:
        out += ["", "Run diagnostics (look before trusting the verdicts)"]
        out += [f"- {d.code} {d.field}: {d.message}" for d in s.diagnostics]
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
        f"Within-bin variance {_num(p.within_bin_variance)} and covariance "
        f"{_num(p.within_bin_covariance)} (Stephenson et al. 2008): Brier = reliability − "
        "resolution + uncertainty + variance − covariance",
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
