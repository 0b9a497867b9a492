"""Charts for the site: plain data in, accessible and deterministic SVG out (offline).

Builders return Altair charts; :func:`render_svg` renders one with vl-convert, and
:class:`ChartCache` skips the rendering when the spec (and vl-convert) did not change.

Importing this package is cheap: Altair, vl-convert and SciPy are imported lazily, inside the
functions that need them, so ``assay check`` never pays for them.
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
from .render import BASE_CONFIG, ChartCache, chart_key, chart_spec, render_svg

__all__ = [
    "BASE_CONFIG",
    "RINGS",
    "CalibrationBinInput",
    "ChartCache",
    "MethodRuns",
    "benchmark_chart",
    "calibration_chart",
    "chart_key",
    "chart_spec",
    "render_svg",
    "ring_history_chart",
]
