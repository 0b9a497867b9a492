"""Statistics of a benchmark record: summaries, method comparisons, ablations, verdicts.

Entry point `analyse_benchmark(b) -> BenchmarkStats`. For every metric, each non-baseline
method is compared with the baseline (diff = method − baseline) and, if the record has an
ablation study, the full method with each variant (contribution = full − variant; the
variant plays the baseline's role). The per-pair statistics come from
`compare.compare_samples`; this module adds what needs the whole record: the Holm
adjustment, relative figures, verdicts with the interval that goes beside each, power, and
run diagnostics. docs/statistics.md explains every choice with examples.

Relative figures. rel = (μ_a − μ_b) / |μ_b|. Its interval is Fieller's (ratio.py), which
accounts for the baseline mean's own uncertainty. Relative figures are None, with a note,
when the baseline mean is indistinguishable from 0 (its 95 % t-interval includes 0) or
negligible against the data (|mean| ≤ 1e-6 × the largest |value| of either sample).

Tests of relative margins (equivalence, non-inferiority) test the ratio: "the improvement
is above c" is μ_a − θ·μ_b > 0 (or < 0) with θ = 1 + s·c·sign(μ_b), s = +1 when higher is
better, −1 when lower is: R's `t.test(a, theta * b)` (Welch) or `t.test(a - theta * b)`
(paired). They are the inversions of the Fieller interval, so a verdict and the interval
shown beside it always agree.

Verdicts (u = the relative change in the metric's `better` direction, m = min_effect):
* `too-few-runs` — fewer than 3 runs in either group.
* `undetermined` — no t-test could be computed (non-finite arithmetic), or a guardrail's
  margin is undefined (no min_effect, or no usable baseline mean).
* guardrail metrics: `non-inferior` when the one-sided test of u > −m at alpha rejects,
  `inferior` when the one-sided test of u < −m does, else `inconclusive`. Interval beside
  it: the two-sided 1 − 2·alpha interval (its ends are the two one-sided bounds).
* other metrics: Holm-significant (p_holm < alpha) gives `below-min-effect` when |u| < m,
  else `better`/`worse`; otherwise `equivalent` when TOST at alpha puts u within ±m,
  else `inconclusive`. Interval beside it: two-sided at 1 − alpha/c, where c is the Holm
  multiplier of the comparison's own step, when significant (it excludes 0 exactly when the
  comparison's step rejects); at 1 − alpha/k, k the family size, when not (it then includes
  0); for `equivalent`, the 1 − 2·alpha interval that TOST uses.
* Holm family: every comparison and ablation contribution of the record that has a p-value.
* runs_needed: runs per method for 80 % power to detect m at Holm's first step (alpha/k,
  two-sided); for a guardrail, to show non-inferiority at margin m when nothing changes
  (one-sided at alpha). runs_needed_equivalence: runs for TOST to show equivalence within
  ±m with at least 80 % power when nothing changes (each one-sided test at 90 %, a slightly
  conservative bound). detectable_effect: the smallest effect found with 80 % power at the
  runs_needed level with the runs at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from scipy import stats

from ._common import NO_INTERVAL, Interval, finite, interval
from ._numeric import as_array, mean, mean_ci, quiet, sd, t_cdf, t_sf
from .compare import SampleComparison, compare_with_test, essentially_constant
from .holm import holm_adjust
from .inputs import Benchmark, Method, Metric
from .power import detectable_effect, runs_needed
from .ratio import contrast_t, fieller_interval
from .results import AblationContribution as AblationContribution
from .results import BenchmarkStats as BenchmarkStats
from .results import Comparison as Comparison
from .results import MethodSummary as MethodSummary
from .results import Verdict as Verdict
from .results import VerdictInterval as VerdictInterval
from .results import _Judgement
from .rundiag import RunDiagnostic, disagreement, series_diagnostics

MIN_RUNS = 3
NEGLIGIBLE = 1e-6  # |baseline mean| at or below this share of the data's scale counts as 0
BOOTSTRAP_SEED = 20081001  # fixed: the same runs always give the same bootstrap interval
BOOTSTRAP_RESAMPLES = 9999
QUANTILE_TOKENS = ("median", "quantile", "percentile")


def is_quantile_metric(name: str) -> bool:
    """Names like p50, p99_latency_ms, latency-p999, median-ms: a quantile of many requests."""
    tokens = name.replace("_", "-").split("-")
    return any(
        t in QUANTILE_TOKENS or (len(t) > 1 and t[0] == "p" and t[1:].isdigit()) for t in tokens
    )


# ---------------------------------------------------------------------------- summaries


def bootstrap_median_ci(a: np.ndarray) -> Interval:
    """95 % percentile-bootstrap interval of the median (scipy.stats.bootstrap, fixed seed)."""
    if a.size < 3 or not np.all(np.isfinite(a)):
        return NO_INTERVAL
    if np.all(a == a[0]):
        return (float(a[0]), float(a[0]))
    with quiet():
        res = stats.bootstrap(
            (a,),
            np.median,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=0.95,
            method="percentile",
            vectorized=True,
            axis=-1,
            rng=np.random.default_rng(BOOTSTRAP_SEED),
        )
    return interval(res.confidence_interval.low, res.confidence_interval.high)


def summarise(metric: str, method: str, runs: list[float], quantile: bool = False) -> MethodSummary:
    """n, mean, sd (ddof=1), median and 95 % t-interval of the mean of one method's runs;
    for quantile-type metrics also a bootstrap interval of the median."""
    a = as_array(runs)
    with quiet():
        median = finite(np.median(a)) if a.size else None
    med_ci, how = NO_INTERVAL, None
    if quantile:
        med_ci, how = bootstrap_median_ci(a), "percentile bootstrap, 9999 resamples"
    return MethodSummary(
        metric, method, int(a.size), mean(a), sd(a), median, mean_ci(a), med_ci, how
    )


# ----------------------------------------------------------------------- relative figures


@dataclass(frozen=True)
class _Pair:
    """One pending comparison: the two samples, their comparison and the record context."""

    kind: Literal["cmp", "abl"]
    who: Any
    a: np.ndarray
    b: np.ndarray
    c: SampleComparison
    metric: Metric
    reference: str  # "baseline" or "variant", for notes
    field: str
    notes: list[str]
    ttest: Any = None  # scipy's t-test result of `c` (None when no t-test was run)


def _relative_usable(p: _Pair) -> bool:
    """Whether relative figures exist; appends the reason to notes when they do not."""
    c = p.c
    if c.mean_b is None or c.mean_a is None or c.diff is None:
        return False
    with quiet():
        scale = float(max(np.max(np.abs(p.a)), np.max(np.abs(p.b))))
    if c.mean_b == 0.0 or abs(c.mean_b) <= NEGLIGIBLE * scale:
        p.notes.append(
            f"the {p.reference} mean ({c.mean_b:.3g}) is negligible against the data's scale "
            f"({scale:.3g}): relative figures are not given, read the absolute difference"
        )
        return False
    lo, hi = mean_ci(p.b)
    if lo is None or hi is None or (lo <= 0.0 <= hi):
        p.notes.append(
            f"the {p.reference} mean's 95 % interval includes 0: a relative change is "
            "meaningless, so relative figures are not given; read the absolute difference"
        )
        return False
    return True


def _rel_interval(p: _Pair, confidence: float) -> Interval:
    """Fieller interval of the relative change at `confidence` (None ends if unbounded)."""
    c = p.c
    if c.var_a is None or c.var_b is None or c.mean_a is None or c.mean_b is None:
        return NO_INTERVAL
    lo, hi = fieller_interval(
        c.mean_a,
        c.mean_b,
        0.0 if c.exact and not c.paired else c.var_a,
        0.0 if c.exact and not c.paired else c.var_b,
        c.cov_ab or 0.0,
        c.n_a,
        c.n_b,
        c.paired,
        confidence,
    )
    theta = interval(lo, hi)
    if theta[0] is None or theta[1] is None:
        return NO_INTERVAL
    sign = 1.0 if c.mean_b > 0 else -1.0
    ends = sorted((sign * (theta[0] - 1.0), sign * (theta[1] - 1.0)))
    return interval(ends[0], ends[1])


def _diff_interval(p: _Pair, confidence: float) -> Interval:
    """Two-sided t-interval of the difference at `confidence` (the test's own interval)."""
    c = p.c
    if c.diff is None or c.p is None:
        return NO_INTERVAL
    if c.exact:
        return (c.diff, c.diff)
    if p.ttest is None:  # not reached: a p-value comes from a t-test unless exact
        return NO_INTERVAL
    with quiet():  # the test's own interval at another level, without running it again
        ci = p.ttest.confidence_interval(confidence_level=confidence)
    return interval(ci.low, ci.high)


def _p_change(p: _Pair, margin: float, above: bool) -> float | None:
    """One-sided p of "the improvement u is above `margin`" (or below, if not `above`)."""
    c = p.c
    assert c.mean_b is not None
    s = 1.0 if p.metric.better == "higher" else -1.0
    theta = 1.0 + s * margin * (1.0 if c.mean_b > 0 else -1.0)
    est, se, df = contrast_t(p.a, p.b, theta, c.paired)
    if not np.isfinite(est) or not np.isfinite(se):
        return None
    signed = s * est  # > 0 means the improvement exceeds the margin
    if essentially_constant(se, float(np.mean(p.a)), theta * float(np.mean(p.b))):
        if signed == 0.0:
            return 1.0
        return 0.0 if (signed > 0.0) == above else 1.0
    with quiet():
        t = signed / se
        pv = t_sf(t, df) if above else t_cdf(t, df)
    return finite(pv)


# ----------------------------------------------------------------------------- verdicts


def _improvement(p: _Pair, rel: float | None) -> float | None:
    if rel is None:
        return None
    return rel if p.metric.better == "higher" else -rel


def _judge(
    p: _Pair, rel_ok: bool, rel: float | None, rel_95: Interval, p_holm: float | None,
    mult: int, k: int, alpha: float,
) -> tuple[Verdict, _Judgement]:  # fmt: skip
    """The verdict, its tests and the interval that goes beside it."""
    c, metric, m = p.c, p.metric, p.metric.min_effect
    j = _Judgement(guardrail=metric.guardrail, min_effect=m)
    unadjusted = VerdictInterval(0.95, "unadjusted", c.diff_ci, rel_95)
    if c.n_a < MIN_RUNS or c.n_b < MIN_RUNS:
        p.notes.append(
            f"too few runs for a verdict (n = {c.n_a} and {c.n_b}; at least {MIN_RUNS} each)"
        )
        return "too-few-runs", replace(j, verdict_interval=unadjusted)
    if c.p is None or c.diff is None:
        p.notes.append("no t-test could be computed for these values: verdict undetermined")
        return "undetermined", j
    two_alpha = 1.0 - 2.0 * alpha

    def at(level: float, basis: Any) -> VerdictInterval:
        rel_ci = _rel_interval(p, level) if rel_ok else NO_INTERVAL
        return VerdictInterval(level, basis, _diff_interval(p, level), rel_ci)

    u = _improvement(p, rel)
    if metric.guardrail:
        if m is None or not rel_ok:
            why = "it has no min_effect" if m is None else f"the {p.reference} mean is unusable"
            p.notes.append(f"guardrail margin undefined ({why}): verdict undetermined")
            return "undetermined", replace(j, verdict_interval=unadjusted)
        p_ni, p_inf = _p_change(p, -m, above=True), _p_change(p, -m, above=False)
        verdict: Verdict = "inconclusive"
        if p_ni is not None and p_ni < alpha:
            verdict = "non-inferior"
        elif p_inf is not None and p_inf < alpha:
            verdict = "inferior"
        return verdict, replace(
            j,
            p_noninferiority=p_ni,
            p_inferiority=p_inf,
            verdict_interval=at(two_alpha, "non-inferiority"),
        )
    significant = p_holm is not None and p_holm < alpha and c.diff != 0.0
    p_eq = None
    if m is not None and rel_ok:
        lo_p, hi_p = _p_change(p, -m, above=True), _p_change(p, m, above=False)
        if lo_p is not None and hi_p is not None:
            p_eq = max(lo_p, hi_p)
    if significant:
        if m is not None and u is not None and abs(u) < m:
            verdict = "below-min-effect"
        else:
            if m is not None and u is None:
                p.notes.append(
                    "significant, but the size against min_effect cannot be judged without "
                    "relative figures"
                )
            verdict = "better" if (c.diff > 0.0) == (metric.better == "higher") else "worse"
        vi = at(1.0 - alpha / mult, "holm")
    elif p_eq is not None and p_eq < alpha:
        verdict, vi = "equivalent", at(two_alpha, "tost")
    else:
        verdict, vi = "inconclusive", at(1.0 - alpha / max(k, 1), "holm")
        if m is None:
            p.notes.append(
                "no min_effect is set, so no equivalence test: set one to tell "
                "'no change that matters' from 'cannot tell'"
            )
    return verdict, replace(j, p_equivalence=p_eq, verdict_interval=vi)


def _power(
    p: _Pair, rel_ok: bool, k: int, alpha: float, j: _Judgement
) -> tuple[int | None, _Judgement]:
    """runs_needed and the detectable effect, at the level the verdict uses."""
    c, m = p.c, p.metric.min_effect
    guard = p.metric.guardrail
    level = alpha if guard else alpha / max(k, 1)
    sides = 1 if guard else 2
    needed = equivalence = None
    if m is not None and c.n_a >= 2 and c.n_b >= 2 and c.noise_sd is not None:
        if not rel_ok or c.mean_b is None:
            p.notes.append(
                f"runs needed undefined: min_effect is relative to the {p.reference} mean, "
                "which is unusable here"
            )
        else:
            delta = m * abs(c.mean_b)
            needed, note = runs_needed(delta, c.noise_sd, level, c.paired, sides=sides)
            if note:
                p.notes.append(note)
            if not guard:
                # TOST when nothing changes: each one-sided test at 90 % power gives the
                # pair at least 80 % (P(both) ≥ 1 − 0.1 − 0.1): a slightly conservative count.
                equivalence, _ = runs_needed(delta, c.noise_sd, alpha, c.paired, power=0.9, sides=1)
    # Power alone may ask for 2 runs, but fewer than MIN_RUNS give no verdict (too-few-runs).
    needed = None if needed is None else max(needed, MIN_RUNS)
    equivalence = None if equivalence is None else max(equivalence, MIN_RUNS)
    mde = detectable_effect(c.n_a, c.n_b, c.noise_sd, level, c.paired, sides=sides)
    mde_rel = None
    if mde is not None and rel_ok and c.mean_b:
        mde_rel = finite(mde / abs(c.mean_b))
    return needed, replace(
        j,
        runs_needed_alpha=level,
        runs_needed_equivalence=equivalence,
        detectable_effect=mde,
        detectable_effect_rel=mde_rel,
    )


# ------------------------------------------------------------------------------- record


def _runs(method: Method | None, metric: str) -> list[float] | None:
    if method is None or metric not in method.runs:
        return None
    return [float(x) for x in method.runs[metric]]


def _few_runs_warning(n: int, who: str, metric: str) -> str | None:
    if n >= MIN_RUNS:
        return None
    return f"few runs: {who} has {n} run(s) on {metric}; use at least 3, better 5–10"


def _diagnostics(
    pairs: list[_Pair], b: Benchmark, base_fields: dict[tuple[str, str], str]
) -> list[RunDiagnostic]:
    """Trend, outlier and disagreement warnings (see rundiag.py)."""
    out: list[RunDiagnostic] = []
    seen: set[tuple[str, str]] = set()
    for p in pairs:
        who = p.who.name
        metric = p.metric.name
        if p.c.paired:
            with quiet():
                d = p.a - p.b
            base_name = next((m.name for m in b.methods if m.baseline), "the baseline")
            full_name = b.ablations.of if b.ablations is not None else "the full method"
            if p.kind == "cmp":
                what = f"the paired differences {who} − {base_name}"
            else:
                what = f"the paired differences {full_name} − {who}"
            out += series_diagnostics(list(d), metric, who, p.field, b.alpha, what)
        elif (who, metric) not in seen:  # a method's (cmp) or a variant's (abl) own runs
            seen.add((who, metric))
            values = p.a if p.kind == "cmp" else p.b
            out += series_diagnostics(
                list(values), metric, who, p.field, b.alpha, f"the runs of {who}"
            )
        if (dg := disagreement(
            p.c.p, p.c.rank_p, p.c.n_a, p.c.n_b, p.c.paired, b.alpha, metric, who, p.field,
            p.c.rank_test,
        )) is not None:  # fmt: skip
            out.append(dg)
    if not b.paired:  # the baseline's (and the ablated method's) own series, once each
        for (name, metric), fld in base_fields.items():
            if (name, metric) in seen:
                continue
            seen.add((name, metric))
            m = next((x for x in b.methods if x.name == name), None)
            runs = _runs(m, metric)
            if runs is not None:
                out += series_diagnostics(runs, metric, name, fld, b.alpha, f"the runs of {name}")
    return out


def analyse_benchmark(b: Benchmark) -> BenchmarkStats:
    """All statistics of one benchmark record. Never raises on degenerate data."""
    with quiet():  # one warnings filter for the whole record (issue 9)
        return _analyse(b)


def _analyse(b: Benchmark) -> BenchmarkStats:
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
    index = {m.name: i for i, m in enumerate(b.methods)}

    summaries: list[MethodSummary] = []
    pairs: list[_Pair] = []
    own_fields: dict[tuple[str, str], str] = {}
    for metric in b.metrics:
        quantile = is_quantile_metric(metric.name)
        for m in b.methods:
            runs = _runs(m, metric.name)
            if runs is None:
                warnings.append(f"{m.name} has no runs on {metric.name}: left out")
                continue
            summaries.append(summarise(metric.name, m.name, runs, quantile))
            own_fields[(m.name, metric.name)] = f"methods.{index[m.name]}.runs.{metric.name}"
            if w := _few_runs_warning(len(runs), m.name, metric.name):
                warnings.append(w)
        base_runs = _runs(baseline, metric.name)
        if baseline is not None and base_runs is not None:
            for m in b.methods:
                runs = _runs(m, metric.name)
                if m is baseline or runs is None:
                    continue
                a, bb = as_array(runs), as_array(base_runs)
                c, res = compare_with_test(runs, base_runs, b.paired)
                pairs.append(
                    _Pair(
                        "cmp", m, a, bb, c, metric,
                        "baseline", f"methods.{index[m.name]}.runs.{metric.name}", [], res,
                    )
                )  # fmt: skip
        full_runs = _runs(full, metric.name)
        if b.ablations is not None and full_runs is not None:
            for j, v in enumerate(b.ablations.variants):
                if metric.name not in v.runs:
                    warnings.append(f"ablation {v.name} has no runs on {metric.name}: left out")
                    continue
                v_runs = [float(x) for x in v.runs[metric.name]]
                if w := _few_runs_warning(len(v_runs), f"ablation {v.name}", metric.name):
                    warnings.append(w)
                c, res = compare_with_test(full_runs, v_runs, b.paired)
                pairs.append(
                    _Pair(
                        "abl", v, as_array(full_runs), as_array(v_runs), c, metric, "variant",
                        f"ablations.variants.{j}.runs.{metric.name}", [], res,
                    )
                )  # fmt: skip

    # One Holm family over every test in the record (comparisons and ablations together).
    tested = [i for i, p in enumerate(pairs) if p.c.p is not None]
    k = len(tested)
    adjusted = holm_adjust([pairs[i].c.p or 0.0 for i in tested])
    p_holm: dict[int, float] = dict(zip(tested, adjusted, strict=True))
    order = sorted(tested, key=lambda i: pairs[i].c.p or 0.0)  # stable, as holm_adjust
    multiplier = {i: k - rank for rank, i in enumerate(order)}

    comparisons: list[Comparison] = []
    ablations: list[AblationContribution] = []
    for i, p in enumerate(pairs):
        c = p.c
        p.notes.extend(c.notes)
        rel_ok = _relative_usable(p)
        rel = finite(c.diff / abs(c.mean_b)) if rel_ok and c.diff is not None and c.mean_b else None
        rel_ci = _rel_interval(p, 0.95) if rel_ok else NO_INTERVAL
        ph = p_holm.get(i)
        verdict, judgement = _judge(
            p, rel_ok, rel, rel_ci, ph, multiplier.get(i, max(k, 1)), k, b.alpha
        )
        needed, judgement = _power(p, rel_ok, k, b.alpha, judgement)
        common: dict[str, Any] = {
            "metric": p.metric.name,
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
            "runs_needed": needed,
            "notes": tuple(dict.fromkeys(p.notes)),
            "judgement": judgement,
        }
        if p.kind == "cmp":
            comparisons.append(
                Comparison(
                    method=p.who.name,
                    baseline=baseline.name if baseline else "",
                    n_method=c.n_a,
                    n_baseline=c.n_b,
                    mean_method=c.mean_a,
                    mean_baseline=c.mean_b,
                    diff=c.diff,
                    rel_diff=rel,
                    diff_ci=c.diff_ci,
                    rel_diff_ci=rel_ci,
                    **common,
                )
            )
        else:
            ablations.append(
                AblationContribution(
                    variant=p.who.name,
                    of=full.name if full else "",
                    removes=tuple(p.who.removes),
                    n_full=c.n_a,
                    n_variant=c.n_b,
                    mean_full=c.mean_a,
                    mean_variant=c.mean_b,
                    contribution=c.diff,
                    rel_contribution=rel,
                    contribution_ci=c.diff_ci,
                    rel_contribution_ci=rel_ci,
                    **common,
                )
            )
    base_fields = {
        key: f for key, f in own_fields.items()
        if baseline is not None and key[0] in {baseline.name, full.name if full else ""}
    }  # fmt: skip
    return BenchmarkStats(
        id=b.id,
        paired=b.paired,
        alpha=b.alpha,
        summaries=tuple(summaries),
        comparisons=tuple(comparisons),
        ablations=tuple(ablations),
        warnings=tuple(warnings),
        diagnostics=tuple(_diagnostics(pairs, b, base_fields)),
    )
