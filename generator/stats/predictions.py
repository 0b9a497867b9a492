"""Scoring of probabilistic predictions: Brier, skill, log score, calibration, Murphy terms.

Only predictions resolved True/False are scored; "ambiguous" ones are counted (n_ambiguous)
and unresolved ones (outcome None) are counted as open. Calibration uses ten fixed bins,
bin i holding i/10 ≤ p < (i+1)/10 with p = 1 in the last bin; `bin_index` rounds p·10 to 9
decimals before flooring so that decimal edges such as 0.3 (0.3·10 = 3.0000000000000004 or
2.9999999999999996 after arithmetic) land in the bin a person expects.

The Murphy decomposition (reliability − resolution + uncertainty) is computed over those bins,
with the two within-bin terms of Stephenson, Coelho & Jolliffe (2008, *Weather and
Forecasting* 23:752) that make it close when forecasts differ within a bin:

    WBV = (1/N) Σ_k Σ_j (f_kj − f̄_k)²                 within-bin variance of the forecasts
    WBC = (2/N) Σ_k Σ_j (f_kj − f̄_k)(o_kj − ō_k)      within-bin covariance (times 2)

so that Brier = REL − RES + UNC + WBV − WBC holds exactly (up to float rounding).
Observed frequencies get 95 % Wilson intervals (scipy's binomtest(...).proportion_ci).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from scipy import stats

from ._common import NO_INTERVAL, Interval, finite, interval
from ._numeric import quiet
from .inputs import Prediction
from .results import CalibrationBin as CalibrationBin
from .results import PredictionStats as PredictionStats

N_BINS = 10


def bin_index(p: float) -> int:
    """Calibration bin of probability p: i/10 ≤ p < (i+1)/10, p = 1 in bin 9; clamped."""
    i = math.floor(round(p * N_BINS, 9))
    return min(N_BINS - 1, max(0, i))


def wilson_interval(k: int, n: int) -> Interval:
    """95 % Wilson score interval for k successes in n trials (R: prop.test(correct=FALSE))."""
    if n <= 0:
        return NO_INTERVAL
    return _wilson(int(k), int(n))


@functools.lru_cache(maxsize=4096)
def _wilson(k: int, n: int) -> Interval:
    """Memoized: the calibration bins of every owner and tag ask for the same few (k, n)."""
    with quiet():
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return interval(ci.low, ci.high)


def _bins(scored: list[tuple[float, bool]]) -> list[CalibrationBin]:
    groups: list[list[tuple[float, bool]]] = [[] for _ in range(N_BINS)]
    for p, o in scored:
        groups[bin_index(p)].append((p, o))
    out = []
    for i, g in enumerate(groups):
        n, k = len(g), sum(1 for _, o in g if o)
        mf = finite(math.fsum(p for p, _ in g) / n) if n else None
        out.append(
            CalibrationBin(
                lo=i / N_BINS,
                hi=(i + 1) / N_BINS,
                n=n,
                k=k,
                mean_forecast=mf,
                observed=k / n if n else None,
                ci=wilson_interval(k, n),
            )
        )
    return out


def analyse_predictions(preds: Sequence[Prediction]) -> PredictionStats:
    """Scores of a set of predictions. Never raises; undefined scores are None with a note."""
    with quiet():  # one warnings filter for the whole set (issue 9)
        return _analyse(preds)


def _analyse(preds: Sequence[Prediction]) -> PredictionStats:
    notes: list[str] = []
    scored: list[tuple[float, bool]] = []
    n_amb = n_open = 0
    for pr in preds:
        if pr.outcome is None:
            n_open += 1
        elif pr.outcome == "ambiguous":
            n_amb += 1
        elif not (finite(pr.probability) is not None and 0.0 <= pr.probability <= 1.0):
            notes.append(f"prediction {pr.id}: probability {pr.probability} not in [0, 1]: skipped")
        else:
            scored.append((float(pr.probability), bool(pr.outcome)))
    bins = _bins(scored)
    n_res = len(scored)
    empty = PredictionStats(
        len(preds), n_res, n_amb, n_open, None, None, None, None, None, None, None,
        tuple(bins), tuple(notes),
    )  # fmt: skip
    if n_res == 0:
        return _with_note(empty, "no resolved predictions: nothing to score")

    base = sum(1 for _, o in scored if o) / n_res
    brier = math.fsum((p - o) ** 2 for p, o in scored) / n_res
    uncertainty = base * (1.0 - base)
    skill = None
    if uncertainty == 0.0:
        notes.append(
            "all resolved outcomes are the same: Brier skill score against the base rate undefined"
        )
    else:
        skill = 1.0 - brier / uncertainty
    log_score = None
    if any((p == 0.0 and o) or (p == 1.0 and not o) for p, o in scored):
        notes.append("a forecast of 0 or 1 turned out wrong: log score is −∞, reported as None")
    else:
        log_score = math.fsum(math.log(p if o else 1.0 - p) for p, o in scored) / n_res
    reliability = math.fsum(
        b.n / n_res * (b.mean_forecast - b.observed) ** 2
        for b in bins
        if b.mean_forecast is not None and b.observed is not None
    )
    resolution = math.fsum(
        b.n / n_res * (b.observed - base) ** 2 for b in bins if b.observed is not None
    )
    wbv_terms, wbc_terms = [], []
    for p, o in scored:
        b = bins[bin_index(p)]
        assert b.mean_forecast is not None and b.observed is not None
        wbv_terms.append((p - b.mean_forecast) ** 2)
        wbc_terms.append((p - b.mean_forecast) * (float(o) - b.observed))
    wbv = math.fsum(wbv_terms) / n_res
    wbc = 2.0 * math.fsum(wbc_terms) / n_res
    return PredictionStats(
        n=len(preds),
        n_resolved=n_res,
        n_ambiguous=n_amb,
        n_open=n_open,
        brier=finite(brier),
        brier_skill=finite(skill),
        log_score=finite(log_score),
        reliability=finite(reliability),
        resolution=finite(resolution),
        uncertainty=finite(uncertainty),
        base_rate=finite(base),
        bins=tuple(bins),
        notes=tuple(notes),
        within_bin_variance=finite(wbv),
        within_bin_covariance=finite(wbc),
    )


def _with_note(s: PredictionStats, note: str) -> PredictionStats:
    return replace(s, notes=(*s.notes, note))


def _grouped(
    preds: Iterable[Prediction], keys: Callable[[Prediction], Iterable[str]]
) -> dict[str, PredictionStats]:
    groups: dict[str, list[Prediction]] = defaultdict(list)
    for pr in preds:
        for key in dict.fromkeys(keys(pr)):  # a tag listed twice counts once
            groups[key].append(pr)
    return {key: analyse_predictions(groups[key]) for key in sorted(groups)}


def by_owner(preds: Sequence[Prediction]) -> dict[str, PredictionStats]:
    """Statistics per owner, keys sorted."""
    return _grouped(preds, lambda pr: (pr.owner,))


def by_tag(preds: Sequence[Prediction]) -> dict[str, PredictionStats]:
    """Statistics per tag, keys sorted; a prediction with several tags counts in each."""
    return _grouped(preds, lambda pr: pr.tags)
