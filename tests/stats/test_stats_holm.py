"""Properties of the Holm adjustment."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.stats import holm_adjust

pvalues = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=30)


@given(pvalues)
def test_holm_bounds(ps: list[float]) -> None:
    adj = holm_adjust(ps)
    assert len(adj) == len(ps)
    for raw, a in zip(ps, adj, strict=True):
        assert raw <= a <= 1.0


@given(pvalues)
def test_holm_monotone_in_rank(ps: list[float]) -> None:
    adj = holm_adjust(ps)
    for i in range(len(ps)):
        for j in range(len(ps)):
            if ps[i] <= ps[j]:
                assert adj[i] <= adj[j]


@given(pvalues)
def test_holm_smallest_is_bonferroni(ps: list[float]) -> None:
    i = min(range(len(ps)), key=lambda k: ps[k])
    assert holm_adjust(ps)[i] == min(1.0, len(ps) * ps[i])
