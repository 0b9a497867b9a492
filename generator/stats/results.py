"""The statistics engine's results: frozen dataclasses, their JSON form and back.

Importing this module imports neither numpy nor scipy, so the pages that format results
(and a warm build whose statistics all come from the cache, generator/statcache.py) never
pay for them. Every result has `to_json()` (floats finite or None) and a `from_json()`
class method that rebuilds the exact same object from that JSON: `from_json(to_json(x))
== x`, with the same types field by field (a float stays a float, an interval a tuple).

`from_json` reads data that may have been stored on disk, so it checks every field's type
and raises `ResultFormatError` on anything that is not what `to_json` writes; callers treat
that as "not cached".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast, get_args

from ._common import NO_INTERVAL, Interval, json_interval

Verdict = Literal[
    "better",
    "worse",
    "below-min-effect",
    "equivalent",
    "inconclusive",
    "non-inferior",
    "inferior",
    "too-few-runs",
    "undetermined",
]
Basis = Literal["holm", "tost", "non-inferiority", "unadjusted"]
Assessment = Literal[
    "likely-worthwhile", "reasonable", "needs-strategic-justification", "never-pays-back"
]


class ResultFormatError(ValueError):
    """JSON that is not the `to_json()` form of a result."""


# -- readers of the JSON form: each checks the type `to_json` writes ----------------------
def _shallow(obj: Any) -> dict[str, Any]:
    """A result's fields by name, in order, values as they are (the callers replace the
    tuples with lists): `dataclasses.asdict` deep-copies every value, several times slower
    on a build that writes every benchmark's statistics into records.json."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _obj(v: object) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        raise ResultFormatError(f"expected an object, got {type(v).__name__}")
    return cast(Mapping[str, Any], v)


def _get(d: Mapping[str, Any], key: str) -> Any:
    try:
        return d[key]
    except KeyError:
        raise ResultFormatError(f"missing field {key!r}") from None


def _num(v: object) -> float:
    """A finite int or float, kept as it is (an int field stays an int)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ResultFormatError(f"expected a number, got {type(v).__name__}")
    if isinstance(v, float) and not math.isfinite(v):
        raise ResultFormatError("expected a finite number")
    return v


def _opt_num(v: object) -> float | None:
    return None if v is None else _num(v)


def _int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ResultFormatError(f"expected an integer, got {type(v).__name__}")
    return v


def _opt_int(v: object) -> int | None:
    return None if v is None else _int(v)


def _str(v: object) -> str:
    if not isinstance(v, str):
        raise ResultFormatError(f"expected a string, got {type(v).__name__}")
    return v


def _opt_str(v: object) -> str | None:
    return None if v is None else _str(v)


def _bool(v: object) -> bool:
    if not isinstance(v, bool):
        raise ResultFormatError(f"expected true or false, got {type(v).__name__}")
    return v


def _strs(v: object) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise ResultFormatError(f"expected a list, got {type(v).__name__}")
    return tuple(_str(x) for x in v)


def _interval(v: object) -> Interval:
    if not isinstance(v, list) or len(v) != 2:
        raise ResultFormatError("expected an interval [lo, hi]")
    return (_opt_num(v[0]), _opt_num(v[1]))


def _literal(v: object, allowed: object) -> Any:
    if v not in get_args(allowed):
        raise ResultFormatError(f"unexpected value {v!r}")
    return v


def _list(v: object, read: Any) -> tuple[Any, ...]:
    if not isinstance(v, list):
        raise ResultFormatError(f"expected a list, got {type(v).__name__}")
    return tuple(read(x) for x in v)


# -- benchmark results --------------------------------------------------------------------
@dataclass(frozen=True)
class MethodSummary:
    metric: str
    method: str
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    ci: Interval
    median_ci: Interval = NO_INTERVAL
    median_ci_method: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **_shallow(self),
            "ci": json_interval(self.ci),
            "median_ci": json_interval(self.median_ci),
        }

    @classmethod
    def from_json(cls, data: object) -> MethodSummary:
        d = _obj(data)
        return cls(
            metric=_str(_get(d, "metric")),
            method=_str(_get(d, "method")),
            n=_int(_get(d, "n")),
            mean=_opt_num(_get(d, "mean")),
            sd=_opt_num(_get(d, "sd")),
            median=_opt_num(_get(d, "median")),
            ci=_interval(_get(d, "ci")),
            median_ci=_interval(_get(d, "median_ci")),
            median_ci_method=_opt_str(_get(d, "median_ci_method")),
        )


@dataclass(frozen=True)
class VerdictInterval:
    """The interval printed beside a verdict: the one its test inverts, at its level."""

    level: float
    basis: Basis
    diff: Interval = NO_INTERVAL
    rel: Interval = NO_INTERVAL

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "basis": self.basis,
            "diff": json_interval(self.diff),
            "rel": json_interval(self.rel),
        }

    @classmethod
    def from_json(cls, data: object) -> VerdictInterval:
        d = _obj(data)
        return cls(
            level=_num(_get(d, "level")),
            basis=_literal(_get(d, "basis"), Basis),
            diff=_interval(_get(d, "diff")),
            rel=_interval(_get(d, "rel")),
        )


@dataclass(frozen=True)
class _Judgement:
    """Fields shared by comparisons and ablation contributions."""

    guardrail: bool = False
    min_effect: float | None = None
    p_equivalence: float | None = None
    p_noninferiority: float | None = None
    p_inferiority: float | None = None
    verdict_interval: VerdictInterval = VerdictInterval(0.95, "unadjusted")
    runs_needed_alpha: float | None = None
    runs_needed_equivalence: int | None = None
    detectable_effect: float | None = None
    detectable_effect_rel: float | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> _Judgement:
        """From the fields a comparison's JSON form carries at its top level."""
        return cls(
            guardrail=_bool(_get(d, "guardrail")),
            min_effect=_opt_num(_get(d, "min_effect")),
            p_equivalence=_opt_num(_get(d, "p_equivalence")),
            p_noninferiority=_opt_num(_get(d, "p_noninferiority")),
            p_inferiority=_opt_num(_get(d, "p_inferiority")),
            verdict_interval=VerdictInterval.from_json(_get(d, "verdict_interval")),
            runs_needed_alpha=_opt_num(_get(d, "runs_needed_alpha")),
            runs_needed_equivalence=_opt_int(_get(d, "runs_needed_equivalence")),
            detectable_effect=_opt_num(_get(d, "detectable_effect")),
            detectable_effect_rel=_opt_num(_get(d, "detectable_effect_rel")),
        )


def _judgement_json(j: _Judgement) -> dict[str, Any]:
    out = {k: v for k, v in _shallow(j).items() if k != "verdict_interval"}
    out["verdict_interval"] = j.verdict_interval.to_json()
    return out


def _tested_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    """The test fields comparisons and ablation contributions share, from JSON."""
    return {
        "metric": _str(_get(d, "metric")),
        "test": _str(_get(d, "test")),
        "statistic": _opt_num(_get(d, "statistic")),
        "df": _opt_num(_get(d, "df")),
        "p": _opt_num(_get(d, "p")),
        "p_holm": _opt_num(_get(d, "p_holm")),
        "rank_test": _str(_get(d, "rank_test")),
        "rank_p": _opt_num(_get(d, "rank_p")),
        "effect_size": _opt_num(_get(d, "effect_size")),
        "effect_size_kind": _str(_get(d, "effect_size_kind")),
        "verdict": _literal(_get(d, "verdict"), Verdict),
        "runs_needed": _opt_int(_get(d, "runs_needed")),
        "notes": _strs(_get(d, "notes")),
        "judgement": _Judgement.from_json(d),
    }


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
    judgement: _Judgement = field(default_factory=_Judgement)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in _shallow(self).items() if k != "judgement"}
        out.update(
            diff_ci=json_interval(self.diff_ci),
            rel_diff_ci=json_interval(self.rel_diff_ci),
            notes=list(self.notes),
        )
        out.update(_judgement_json(self.judgement))
        return out

    @classmethod
    def from_json(cls, data: object) -> Comparison:
        d = _obj(data)
        return cls(
            method=_str(_get(d, "method")),
            baseline=_str(_get(d, "baseline")),
            n_method=_int(_get(d, "n_method")),
            n_baseline=_int(_get(d, "n_baseline")),
            mean_method=_opt_num(_get(d, "mean_method")),
            mean_baseline=_opt_num(_get(d, "mean_baseline")),
            diff=_opt_num(_get(d, "diff")),
            rel_diff=_opt_num(_get(d, "rel_diff")),
            diff_ci=_interval(_get(d, "diff_ci")),
            rel_diff_ci=_interval(_get(d, "rel_diff_ci")),
            **_tested_fields(d),
        )


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
    rel_contribution_ci: Interval = NO_INTERVAL
    judgement: _Judgement = field(default_factory=_Judgement)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in _shallow(self).items() if k != "judgement"}
        out.update(
            removes=list(self.removes),
            contribution_ci=json_interval(self.contribution_ci),
            rel_contribution_ci=json_interval(self.rel_contribution_ci),
            notes=list(self.notes),
        )
        out.update(_judgement_json(self.judgement))
        return out

    @classmethod
    def from_json(cls, data: object) -> AblationContribution:
        d = _obj(data)
        return cls(
            variant=_str(_get(d, "variant")),
            of=_str(_get(d, "of")),
            removes=_strs(_get(d, "removes")),
            n_full=_int(_get(d, "n_full")),
            n_variant=_int(_get(d, "n_variant")),
            mean_full=_opt_num(_get(d, "mean_full")),
            mean_variant=_opt_num(_get(d, "mean_variant")),
            contribution=_opt_num(_get(d, "contribution")),
            rel_contribution=_opt_num(_get(d, "rel_contribution")),
            contribution_ci=_interval(_get(d, "contribution_ci")),
            rel_contribution_ci=_interval(_get(d, "rel_contribution_ci")),
            **_tested_fields(d),
        )


@dataclass(frozen=True)
class RunDiagnostic:
    code: str
    metric: str
    method: str
    field: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return _shallow(self)

    @classmethod
    def from_json(cls, data: object) -> RunDiagnostic:
        d = _obj(data)
        return cls(**{f.name: _str(_get(d, f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class BenchmarkStats:
    id: str
    paired: bool
    alpha: float
    summaries: tuple[MethodSummary, ...]
    comparisons: tuple[Comparison, ...]
    ablations: tuple[AblationContribution, ...]
    warnings: tuple[str, ...]
    diagnostics: tuple[RunDiagnostic, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "paired": self.paired,
            "alpha": self.alpha,
            "summaries": [s.to_json() for s in self.summaries],
            "comparisons": [c.to_json() for c in self.comparisons],
            "ablations": [a.to_json() for a in self.ablations],
            "warnings": list(self.warnings),
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }

    @classmethod
    def from_json(cls, data: object) -> BenchmarkStats:
        d = _obj(data)
        return cls(
            id=_str(_get(d, "id")),
            paired=_bool(_get(d, "paired")),
            alpha=_num(_get(d, "alpha")),
            summaries=_list(_get(d, "summaries"), MethodSummary.from_json),
            comparisons=_list(_get(d, "comparisons"), Comparison.from_json),
            ablations=_list(_get(d, "ablations"), AblationContribution.from_json),
            warnings=_strs(_get(d, "warnings")),
            diagnostics=_list(_get(d, "diagnostics"), RunDiagnostic.from_json),
        )


# -- two samples ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleComparison:
    """Everything about a − b that does not depend on the rest of the record."""

    n_a: int
    n_b: int
    mean_a: float | None
    mean_b: float | None
    diff: float | None
    diff_ci: Interval
    test: str
    statistic: float | None
    df: float | None
    p: float | None
    rank_test: str
    rank_p: float | None
    effect_size: float | None
    effect_size_kind: str
    noise_sd: float | None  # pooled sd (unpaired) or sd of differences (paired), for power
    paired: bool
    notes: tuple[str, ...]
    var_a: float | None = None  # sample variances and (paired) covariance, for Fieller
    var_b: float | None = None
    cov_ab: float | None = None
    exact: bool = False  # no run-to-run variation: the difference is known exactly

    def to_json(self) -> dict[str, Any]:
        return {**_shallow(self), "diff_ci": json_interval(self.diff_ci), "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: object) -> SampleComparison:
        d = _obj(data)
        return cls(
            n_a=_int(_get(d, "n_a")),
            n_b=_int(_get(d, "n_b")),
            mean_a=_opt_num(_get(d, "mean_a")),
            mean_b=_opt_num(_get(d, "mean_b")),
            diff=_opt_num(_get(d, "diff")),
            diff_ci=_interval(_get(d, "diff_ci")),
            test=_str(_get(d, "test")),
            statistic=_opt_num(_get(d, "statistic")),
            df=_opt_num(_get(d, "df")),
            p=_opt_num(_get(d, "p")),
            rank_test=_str(_get(d, "rank_test")),
            rank_p=_opt_num(_get(d, "rank_p")),
            effect_size=_opt_num(_get(d, "effect_size")),
            effect_size_kind=_str(_get(d, "effect_size_kind")),
            noise_sd=_opt_num(_get(d, "noise_sd")),
            paired=_bool(_get(d, "paired")),
            notes=_strs(_get(d, "notes")),
            var_a=_opt_num(_get(d, "var_a")),
            var_b=_opt_num(_get(d, "var_b")),
            cov_ab=_opt_num(_get(d, "cov_ab")),
            exact=_bool(_get(d, "exact")),
        )


# -- predictions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CalibrationBin:
    lo: float
    hi: float
    n: int
    k: int
    mean_forecast: float | None
    observed: float | None
    ci: Interval

    def to_json(self) -> dict[str, Any]:
        return {
            "lo": self.lo,
            "hi": self.hi,
            "n": self.n,
            "k": self.k,
            "mean_forecast": self.mean_forecast,
            "observed": self.observed,
            "ci": json_interval(self.ci),
        }

    @classmethod
    def from_json(cls, data: object) -> CalibrationBin:
        d = _obj(data)
        return cls(
            lo=_num(_get(d, "lo")),
            hi=_num(_get(d, "hi")),
            n=_int(_get(d, "n")),
            k=_int(_get(d, "k")),
            mean_forecast=_opt_num(_get(d, "mean_forecast")),
            observed=_opt_num(_get(d, "observed")),
            ci=_interval(_get(d, "ci")),
        )


@dataclass(frozen=True)
class PredictionStats:
    n: int
    n_resolved: int
    n_ambiguous: int
    n_open: int
    brier: float | None
    brier_skill: float | None
    log_score: float | None
    reliability: float | None
    resolution: float | None
    uncertainty: float | None
    base_rate: float | None
    bins: tuple[CalibrationBin, ...]
    notes: tuple[str, ...]
    within_bin_variance: float | None = None
    within_bin_covariance: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_resolved": self.n_resolved,
            "n_ambiguous": self.n_ambiguous,
            "n_open": self.n_open,
            "brier": self.brier,
            "brier_skill": self.brier_skill,
            "log_score": self.log_score,
            "reliability": self.reliability,
            "resolution": self.resolution,
            "uncertainty": self.uncertainty,
            "within_bin_variance": self.within_bin_variance,
            "within_bin_covariance": self.within_bin_covariance,
            "base_rate": self.base_rate,
            "bins": [b.to_json() for b in self.bins],
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: object) -> PredictionStats:
        d = _obj(data)
        return cls(
            n=_int(_get(d, "n")),
            n_resolved=_int(_get(d, "n_resolved")),
            n_ambiguous=_int(_get(d, "n_ambiguous")),
            n_open=_int(_get(d, "n_open")),
            brier=_opt_num(_get(d, "brier")),
            brier_skill=_opt_num(_get(d, "brier_skill")),
            log_score=_opt_num(_get(d, "log_score")),
            reliability=_opt_num(_get(d, "reliability")),
            resolution=_opt_num(_get(d, "resolution")),
            uncertainty=_opt_num(_get(d, "uncertainty")),
            base_rate=_opt_num(_get(d, "base_rate")),
            bins=_list(_get(d, "bins"), CalibrationBin.from_json),
            notes=_strs(_get(d, "notes")),
            within_bin_variance=_opt_num(_get(d, "within_bin_variance")),
            within_bin_covariance=_opt_num(_get(d, "within_bin_covariance")),
        )


# -- cost–benefit ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostBenefitStats:
    upfront: float | None
    net_monthly: float | None
    payback_months: float | None
    roi_12m: float | None
    currency: str
    assessment: Assessment
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "upfront": self.upfront,
            "net_monthly": self.net_monthly,
            "payback_months": self.payback_months,
            "roi_12m": self.roi_12m,
            "currency": self.currency,
            "assessment": self.assessment,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: object) -> CostBenefitStats:
        d = _obj(data)
        return cls(
            upfront=_opt_num(_get(d, "upfront")),
            net_monthly=_opt_num(_get(d, "net_monthly")),
            payback_months=_opt_num(_get(d, "payback_months")),
            roi_12m=_opt_num(_get(d, "roi_12m")),
            currency=_str(_get(d, "currency")),
            assessment=_literal(_get(d, "assessment"), Assessment),
            note=_str(_get(d, "note")),
        )
