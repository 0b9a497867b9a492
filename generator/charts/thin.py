"""A bounded number of drawn runs per method, whatever a benchmark records (issue 9).

Charts draw one mark per run. Nothing bounds the runs a record holds (30,000 per method
made an 18 MB SVG and a 4.8 GB build, FINDINGS.md A9), so above `MAX_DRAWN_RUNS` a chart
draws that many evenly spaced order statistics instead: the smallest and the largest run
included, the shape of the distribution kept, deterministic. Means, intervals and every
statistic still use all the runs.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The most runs a chart draws for one method (or one forest row).
MAX_DRAWN_RUNS = 500


def drawn_runs(values: Sequence[float], limit: int = MAX_DRAWN_RUNS) -> list[float]:
    """`values` as they are when at most `limit`, else `limit` evenly spaced quantiles."""
    if len(values) <= limit:
        return list(values)
    ordered = sorted(values)
    last = len(ordered) - 1
    return [ordered[round(k * last / (limit - 1))] for k in range(limit)]
