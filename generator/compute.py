"""Adapters from validated records to the statistics engine (`generator.stats`).

The engine reads its own small input types so it stays independent of the schema; this
module is the one place that knows both. Importing it imports scipy, so the `check` path
never does.
"""

from __future__ import annotations

from . import stats
from .model import KnowledgeBase
from .schema import Benchmark, Decision, Prediction


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
    key = (record_id, b.model_dump_json())
    cached = _BENCHMARK_STATS.get(key)
    if cached is None:
        if len(_BENCHMARK_STATS) >= _BENCHMARK_STATS_MAX:
            _BENCHMARK_STATS.clear()
        cached = stats.analyse_benchmark(benchmark_input(record_id, b))
        _BENCHMARK_STATS[key] = cached
    return cached


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
    return stats.analyse_predictions(prediction_inputs(kb, owner, tag))


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
