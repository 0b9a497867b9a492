"""Assay's statistics engine: pure functions from input records to JSON-ready results.

* `analyse_benchmark` — method comparisons, ablations, Holm adjustment, verdicts, power.
* `analyse_predictions`, `by_owner`, `by_tag` — Brier/log scores, calibration, Murphy terms.
* `analyse_cost_benefit` — payback period and 12-month ROI.
* `benchmark_text`, `predictions_text` — terminal reports.

No I/O and no printing; results are frozen dataclasses (`results.py`, no scipy) with `to_json()` whose floats are
always finite or None (with a note saying why).
"""

from typing import TYPE_CHECKING, Any

from .cost_benefit import analyse_cost_benefit
from .holm import holm_adjust
from .inputs import (
    Ablations,
    AblationVariant,
    Benchmark,
    CostBenefit,
    Method,
    Metric,
    Prediction,
)
from .results import (
    AblationContribution,
    Assessment,
    BenchmarkStats,
    CalibrationBin,
    Comparison,
    CostBenefitStats,
    MethodSummary,
    PredictionStats,
    RunDiagnostic,
    SampleComparison,
    Verdict,
    VerdictInterval,
)
from .text import (
    ABLATION_MEANING,
    VERDICT_MEANING,
    benchmark_text,
    format_effect,
    format_level,
    format_p,
    interval_phrase,
    predictions_text,
    unit_of_difference,
    verdict_meaning,
)

if TYPE_CHECKING:
    from .benchmark import analyse_benchmark
    from .compare import compare_samples
    from .power import runs_needed, t_test_power
    from .predictions import analyse_predictions, bin_index, by_owner, by_tag, wilson_interval

#: The analyses, which import numpy and scipy (0.7 s): loaded on first use (PEP 562), so a
#: build whose statistics all come from the cache never imports them (issue 9).
_LAZY = {
    "analyse_benchmark": "benchmark",
    "compare_samples": "compare",
    "runs_needed": "power",
    "t_test_power": "power",
    "analyse_predictions": "predictions",
    "bin_index": "predictions",
    "by_owner": "predictions",
    "by_tag": "predictions",
    "wilson_interval": "predictions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ABLATION_MEANING",
    "VERDICT_MEANING",
    "AblationContribution",
    "AblationVariant",
    "Ablations",
    "Assessment",
    "Benchmark",
    "BenchmarkStats",
    "CalibrationBin",
    "Comparison",
    "CostBenefit",
    "CostBenefitStats",
    "Method",
    "MethodSummary",
    "Metric",
    "Prediction",
    "PredictionStats",
    "RunDiagnostic",
    "SampleComparison",
    "Verdict",
    "VerdictInterval",
    "analyse_benchmark",
    "analyse_cost_benefit",
    "analyse_predictions",
    "benchmark_text",
    "bin_index",
    "by_owner",
    "by_tag",
    "compare_samples",
    "format_effect",
    "format_level",
    "format_p",
    "holm_adjust",
    "interval_phrase",
    "predictions_text",
    "runs_needed",
    "t_test_power",
    "unit_of_difference",
    "verdict_meaning",
    "wilson_interval",
]
