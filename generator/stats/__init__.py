"""Assay's statistics engine: pure functions from input records to JSON-ready results.

* `analyse_benchmark` — method comparisons, ablations, Holm adjustment, verdicts, power.
* `analyse_predictions`, `by_owner`, `by_tag` — Brier/log scores, calibration, Murphy terms.
* `analyse_cost_benefit` — payback period and 12-month ROI.
* `benchmark_text`, `predictions_text` — terminal reports.

No I/O and no printing; results are frozen dataclasses with `to_json()` whose floats are
always finite or None (with a note saying why).
"""

from .benchmark import (
    AblationContribution,
    BenchmarkStats,
    Comparison,
    MethodSummary,
    Verdict,
    VerdictInterval,
    analyse_benchmark,
)
from .compare import SampleComparison, compare_samples
from .cost_benefit import Assessment, CostBenefitStats, analyse_cost_benefit
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
from .power import runs_needed, t_test_power
from .predictions import (
    CalibrationBin,
    PredictionStats,
    analyse_predictions,
    bin_index,
    by_owner,
    by_tag,
    wilson_interval,
)
from .rundiag import RunDiagnostic
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
