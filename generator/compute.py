"""Adapters from validated records to the statistics engine (`generator.stats`).

The engine reads its own small input types so it stays independent of the schema; this
module is the one place that knows both. Importing it does not import scipy: the analyses
are loaded on first use, and during a build the statistics come from the statistics cache
(generator/statcache.py) when they were computed before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import stats
from .model import KnowledgeBase
from .schema import Benchmark, Decision, Prediction

if TYPE_CHECKING:
    from . import statcache


def benchmark_input(record_id: str, b: Benchmark) -> stats.Benchmark:
    return stats.Benchmark(
        id=record_id,
        paired=b.paired,
        alpha=b.alpha,
        metrics=[
            stats.Metric(m.name, m.better, m.unit, m.min_effect, m.guardrail) for m in b.metrics
        ],
        methods=[stats.Method(m.name, m.runs, m.baseline) for m in b.methods],
        ablations=(
            stats.Ablations(
                b.ablations.of,
                [stats.AblationVariant(v.name, v.removes, v.runs) for v in b.ablations.variants],
            )
            if b.ablations
            else None
        ),
    )


#: (record id, the record's fields as JSON) → its statistics. A build asks for the same
#: benchmark's statistics several times (its page, the kind index, records.json, macros), and
#: `assay serve` rebuilds every page on each edit; each analysis runs dozens of scipy calls.
_BENCHMARK_STATS: dict[tuple[str, str], stats.BenchmarkStats] = {}
_BENCHMARK_STATS_MAX = 20_000


def benchmark_stats(record_id: str, b: Benchmark) -> stats.BenchmarkStats:
    from . import statcache

    key = (record_id, b.model_dump_json())
    session = statcache.active()
    if session is not None:  # a build: the cache, its worker, or computed and stored
        cached = session.benchmark(record_id, key[1], lambda: benchmark_input(record_id, b))
    else:
        cached = _BENCHMARK_STATS.get(key) or stats.analyse_benchmark(benchmark_input(record_id, b))
    if len(_BENCHMARK_STATS) >= _BENCHMARK_STATS_MAX:
        _BENCHMARK_STATS.clear()
    _BENCHMARK_STATS[key] = cached
    return cached


def remembered_benchmark(record_id: str, fields_json: str) -> stats.BenchmarkStats | None:
    """The statistics this process already has for a benchmark with these fields."""
    return _BENCHMARK_STATS.get((record_id, fields_json))


def prediction_inputs(
    kb: KnowledgeBase, owner: str | None = None, tag: str | None = None
) -> list[stats.Prediction]:
    out: list[stats.Prediction] = []
    for e in kb.of_kind("prediction"):
        p = e.record
        assert isinstance(p, Prediction)
        if owner is not None and p.owner != owner:
            continue
        if tag is not None and tag not in (p.tags or ()):
            continue
        outcome = p.resolution.outcome if p.resolution else None
        out.append(stats.Prediction(e.id, p.owner, p.probability, tuple(p.tags or ()), outcome))
    return out


def prediction_stats(
    kb: KnowledgeBase, owner: str | None = None, tag: str | None = None
) -> stats.PredictionStats:
    if owner is None and tag is None:
        return prediction_bundle(kb).overall
    return stats.analyse_predictions(prediction_inputs(kb, owner, tag))


def prediction_bundle(kb: KnowledgeBase) -> statcache.PredictionBundle:
    """Every prediction's statistics: overall, per owner, per tag (cached in a build)."""
    from . import statcache

    inputs = prediction_inputs(kb)
    session = statcache.active()
    if session is not None:
        return session.prediction_bundle(inputs)
    key = statcache.predictions_key(inputs)
    bundle = statcache._BUNDLES.get(key) or statcache.analyse_prediction_bundle(inputs)
    statcache.remember_bundle(key, bundle)
    return bundle


def predictions_by_owner(kb: KnowledgeBase) -> dict[str, stats.PredictionStats]:
    """Statistics per owner, keys sorted (`stats.by_owner` of every prediction)."""
    return prediction_bundle(kb).by_owner


def predictions_by_tag(kb: KnowledgeBase) -> dict[str, stats.PredictionStats]:
    """Statistics per tag, keys sorted (`stats.by_tag` of every prediction)."""
    return prediction_bundle(kb).by_tag


def cost_benefit_stats(d: Decision) -> stats.CostBenefitStats | None:
    c = d.cost_benefit
    if c is None:
        return None
    return stats.analyse_cost_benefit(
        stats.CostBenefit(
            implementation_weeks=c.implementation_weeks,
            engineer_week_cost=c.engineer_week_cost,
            monthly_cost=c.monthly_cost,
            monthly_benefit=c.monthly_benefit,
            one_time_cost=c.one_time_cost,
            currency=c.currency,
        )
    )


def units(b: Benchmark) -> dict[str, str | None]:
    return {m.name: m.unit for m in b.metrics}
