"""Statistics of a benchmark record: summaries, method comparisons, ablations, verdicts.

Entry point `analyse_benchmark(b) -> BenchmarkStats`. For every metric, each non-baseline
method is compared with the baseline (diff = method − baseline) and, if the record has an
ablation study, the full method with each variant (contribution = full − variant). The
per-pair statistics come from `compare.compare_samples`; this module adds what needs the whole
record: the Holm adjustment (ALL comparisons and ablation contributions of the record form one
family), relative differences, verdicts, runs needed, and warnings.

Choices:
* rel_diff = diff / |mean_baseline|; its 95 % interval is the diff interval divided by
  |mean_baseline|, i.e. the baseline mean is treated as a fixed reference (its own
  uncertainty is not propagated — it is already inside the diff interval's width).
* For ablations the reference is the variant: rel_contribution = contribution / |mean_variant|,
  and `min_effect` is a fraction of |mean_variant| (the variant plays the baseline's role).
* Verdict: `too-few-runs` if either group has n < 2; otherwise `better`/`worse` if
  p_holm < alpha (direction from the metric's `better`), `below-min-effect` if significant
  but |rel_diff| < min_effect, else `no-difference`. With a baseline mean of 0 the relative
  size is undefined and the verdict rests on significance alone.
* runs_needed: runs per method for 80 % power to detect min_effect × |reference mean| at
  `alpha` (see `power.runs_needed`), using the pooled sd (unpaired) or sd of the differences
  (paired) observed in this comparison.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from ._common import Interval, as_array, finite, json_interval, mean, mean_ci, scale_interval, sd
from .compare import SampleComparison, compare_samples
from .holm import holm_adjust
from .inputs import Benchmark, Method, Metric
from .power import runs_needed

Verdict = Literal["better", "worse", "no-difference", "below-min-effect", "too-few-runs"]


@dataclass(frozen=True)
class MethodSummary:
    metric: str
    method: str
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    ci: Interval

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ci": json_interval(self.ci)}


@dataclass(frozen=True)
class Comparison:
    """A non-baseline method against the baseline on one metric (diff = method − baseline)."""

    metric: str
    method: str
    baseline: str
    n_method: int
    n_baseline: int
    mean_method: float | None
    mean_baseline: float | None
    diff: float | None
    rel_diff: float | None
    diff_ci: Interval
    rel_diff_ci: Interval
    test: str
    statistic: float | None
    df: float | None
    p: float | None
    p_holm: float | None
    rank_test: str
    rank_p: float | None
    effect_size: float | None
    effect_size_kind: str
    verdict: Verdict
    runs_needed: int | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            diff_ci=json_interval(self.diff_ci),
            rel_diff_ci=json_interval(self.rel_diff_ci),
            notes=list(self.notes),
        )
        return out


@dataclass(frozen=True)
class AblationContribution:
    """The full method against one ablation variant (contribution = full − variant)."""

    metric: str
    variant: str
    of: str
    removes: tuple[str, ...]
    n_full: int
    n_variant: int
    mean_full: float | None
    mean_variant: float | None
    contribution: float | None
    rel_contribution: float | None
    contribution_ci: Interval
    test: str
    statistic: float | None
    df: float | None
    p: float | None
    p_holm: float | None
    rank_test: str
    rank_p: float | None
    effect_size: float | None
    effect_size_kind: str
    verdict: Verdict
    runs_needed: int | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            removes=list(self.removes),
            contribution_ci=json_interval(self.contribution_ci),
            notes=list(self.notes),
        )
        return out


@dataclass(frozen=True)
class BenchmarkStats:
    id: str
    paired: bool
    alpha: float
    summaries: tuple[MethodSummary, ...]
    comparisons: tuple[Comparison, ...]
    ablations: tuple[AblationContribution, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "paired": self.paired,
            "alpha": self.alpha,
            "summaries": [s.to_json() for s in self.summaries],
            "comparisons": [c.to_json() for c in self.comparisons],
            "ablations": [a.to_json() for a in self.ablations],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Extras:
    """The record-level parts of one comparison, computed before the Holm adjustment."""

    rel: float | None
    rel_ci: Interval
    runs_needed: int | None
    notes: tuple[str, ...]


def summarise(metric: str, method: str, runs: list[float]) -> MethodSummary:
    """n, mean, sd (ddof=1), median and 95 % t-interval of the mean of one method's runs."""
    a = as_array(runs)
    median = finite(np.median(a)) if a.size else None
    return MethodSummary(metric, method, int(a.size), mean(a), sd(a), median, mean_ci(a))


def _extras(c: SampleComparison, metric: Metric, alpha: float, reference: str) -> _Extras:
    """Relative size and runs needed; `reference` names the denominator in notes."""
    notes: list[str] = []
    ref = c.mean_b
    rel, rel_ci = None, scale_interval((None, None), None)
    if ref is not None and ref != 0.0:
        rel = None if c.diff is None else finite(c.diff / abs(ref))
        rel_ci = scale_interval(c.diff_ci, 1.0 / abs(ref))
    elif ref == 0.0:
        notes.append(f"{reference} mean is 0: relative difference undefined")
    needed = None
    if metric.min_effect is not None and c.n_a >= 2 and c.n_b >= 2:
        if ref is None or ref == 0.0:
            notes.append(f"{reference} mean is 0: runs needed for a relative min_effect undefined")
        else:
            needed, note = runs_needed(metric.min_effect * abs(ref), c.noise_sd, alpha, c.paired)
            if note:
                notes.append(note)
    return _Extras(rel, rel_ci, needed, tuple(notes))


def _verdict(
    c: SampleComparison, rel: float | None, p_holm: float | None, metric: Metric, alpha: float
) -> Verdict:
    if c.n_a < 2 or c.n_b < 2:
        return "too-few-runs"
    if p_holm is None or c.diff is None or p_holm >= alpha or c.diff == 0.0:
        return "no-difference"
    if metric.min_effect is not None and rel is not None and abs(rel) < metric.min_effect:
        return "below-min-effect"
    a_is_higher = c.diff > 0.0
    return "better" if a_is_higher == (metric.better == "higher") else "worse"


def _runs(method: Method | None, metric: str) -> list[float] | None:
    if method is None or metric not in method.runs:
        return None
    return [float(x) for x in method.runs[metric]]


def _few_runs_warning(n: int, who: str, metric: str) -> str | None:
    if n >= 3:
        return None
    return f"few runs: {who} has {n} run(s) on {metric}; use at least 3, better 5–10"


def analyse_benchmark(b: Benchmark) -> BenchmarkStats:
    """All statistics of one benchmark record. Never raises on degenerate data."""
    warnings: list[str] = []
    baselines = [m for m in b.methods if m.baseline]
    baseline: Method | None = baselines[0] if baselines else (b.methods[0] if b.methods else None)
    if not baselines and baseline is not None:
        warnings.append(f"no baseline marked: using the first method, {baseline.name}")
    elif len(baselines) > 1 and baseline is not None:
        warnings.append(f"several baselines marked: using the first, {baseline.name}")
    full = None
    if b.ablations is not None:
        full = next((m for m in b.methods if m.name == b.ablations.of), None)
        if full is None:
            warnings.append(f"ablations refer to unknown method {b.ablations.of!r}: skipped")

    summaries: list[MethodSummary] = []
    pending: list[tuple[str, Any, SampleComparison, _Extras, Metric]] = []
    for metric in b.metrics:
        for m in b.methods:
            runs = _runs(m, metric.name)
            if runs is None:
                warnings.append(f"{m.name} has no runs on {metric.name}: left out")
                continue
            summaries.append(summarise(metric.name, m.name, runs))
            if w := _few_runs_warning(len(runs), m.name, metric.name):
                warnings.append(w)
        base_runs = _runs(baseline, metric.name)
        if baseline is not None and base_runs is not None:
            for m in b.methods:
                runs = _runs(m, metric.name)
                if m is baseline or runs is None:
                    continue
                c = compare_samples(runs, base_runs, b.paired)
                pending.append(("cmp", m, c, _extras(c, metric, b.alpha, "baseline"), metric))
        full_runs = _runs(full, metric.name)
        if b.ablations is not None and full_runs is not None:
            for v in b.ablations.variants:
                if metric.name not in v.runs:
                    warnings.append(f"ablation {v.name} has no runs on {metric.name}: left out")
                    continue
                v_runs = [float(x) for x in v.runs[metric.name]]
                if w := _few_runs_warning(len(v_runs), f"ablation {v.name}", metric.name):
                    warnings.append(w)
                c = compare_samples(full_runs, v_runs, b.paired)
                pending.append(("abl", v, c, _extras(c, metric, b.alpha, "variant"), metric))

    # One Holm family over every test in the record (comparisons and ablations together).
    tested = [i for i, row in enumerate(pending) if row[2].p is not None]
    adjusted = holm_adjust([pending[i][2].p or 0.0 for i in tested])
    p_holm: dict[int, float] = dict(zip(tested, adjusted, strict=True))

    comparisons: list[Comparison] = []
    ablations: list[AblationContribution] = []
    for i, (kind, who, c, ex, metric) in enumerate(pending):
        ph = p_holm.get(i)
        verdict = _verdict(c, ex.rel, ph, metric, b.alpha)
        common: dict[str, Any] = {
            "metric": metric.name,
            "test": c.test,
            "statistic": c.statistic,
            "df": c.df,
            "p": c.p,
            "p_holm": ph,
            "rank_test": c.rank_test,
            "rank_p": c.rank_p,
            "effect_size": c.effect_size,
            "effect_size_kind": c.effect_size_kind,
            "verdict": verdict,
            "runs_needed": ex.runs_needed,
            "notes": c.notes + ex.notes,
        }
        if kind == "cmp":
            comparisons.append(
                Comparison(
                    method=who.name,
                    baseline=baseline.name if baseline else "",
                    n_method=c.n_a,
                    n_baseline=c.n_b,
                    mean_method=c.mean_a,
                    mean_baseline=c.mean_b,
                    diff=c.diff,
                    rel_diff=ex.rel,
                    diff_ci=c.diff_ci,
                    rel_diff_ci=ex.rel_ci,
                    **common,
                )
            )
        else:
            ablations.append(
                AblationContribution(
                    variant=who.name,
                    of=full.name if full else "",
                    removes=tuple(who.removes),
                    n_full=c.n_a,
                    n_variant=c.n_b,
                    mean_full=c.mean_a,
                    mean_variant=c.mean_b,
                    contribution=c.diff,
                    rel_contribution=ex.rel,
                    contribution_ci=c.diff_ci,
                    **common,
                )
            )
    return BenchmarkStats(
        id=b.id,
        paired=b.paired,
        alpha=b.alpha,
        summaries=tuple(summaries),
        comparisons=tuple(comparisons),
        ablations=tuple(ablations),
        warnings=tuple(warnings),
    )
