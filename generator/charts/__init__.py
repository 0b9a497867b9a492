"""Charts for the site: plain data in, accessible and deterministic SVG out (offline).

Every chart is drawn by Assay as SVG text: the runs of a benchmark, calibration and ring
history (`builders.py`), the forest plots (`forest.py`) and the radar (`radar_svg.py`), with
the escaping helpers of `svg.py`. No plotting library and no JavaScript runtime are involved,
and importing this package imports neither SciPy nor NumPy.
"""

from __future__ import annotations

from .builders import (
    RINGS,
    CalibrationBinInput,
    MethodRuns,
    benchmark_chart,
    calibration_chart,
    ring_history_chart,
)

__all__ = [
    "RINGS",
    "CalibrationBinInput",
    "MethodRuns",
    "benchmark_chart",
    "calibration_chart",
    "ring_history_chart",
]
