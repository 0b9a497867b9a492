"""Holm's step-down adjustment of a family of p-values.

scipy has no Holm procedure (`false_discovery_control` is Benjamini–Hochberg/Yekutieli), so
it is implemented here to match R's `p.adjust(p, method = "holm")` exactly: sort ascending,
multiply the i-th smallest (1-based) by (m − i + 1), take the running maximum so the adjusted
values keep the order of the raw ones, and cap at 1. Holm controls the family-wise error rate
under any dependence between the tests, which suits comparisons that share a baseline.
"""

from __future__ import annotations

from collections.abc import Sequence


def holm_adjust(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values in the input order (same as R's p.adjust(..., "holm"))."""
    m = len(pvalues)
    # Stable sort: ties keep input order, like R's order(); the running max equalises them.
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * float(pvalues[i]))
        adjusted[i] = min(1.0, running)
    return adjusted
