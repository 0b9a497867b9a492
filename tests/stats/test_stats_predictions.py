"""Prediction scoring: bins, Brier and its decomposition, degenerate sets, grouping."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.stats import (
    Prediction,
    analyse_predictions,
    bin_index,
    by_owner,
    by_tag,
    wilson_interval,
)


def pred(
    p: float, outcome: bool | str | None, owner: str = "ann", tags: tuple[str, ...] = ()
) -> Prediction:
    return Prediction(f"id-{p}-{outcome}", owner, p, tags, outcome)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", range(11))
def test_decimal_edges_land_in_their_bin(k: int) -> None:
    p = float(f"{k / 10:.1f}")
    assert bin_index(p) == min(k, 9)
    assert bin_index(k * 0.1) == min(k, 9)  # 3 * 0.1 = 0.30000000000000004
    assert bin_index(0.1 + 0.2) == 3


@given(st.floats(min_value=0.0, max_value=1.0))
def test_every_probability_in_exactly_one_bin(p: float) -> None:
    s = analyse_predictions([pred(p, True)])
    holders = [b for b in s.bins if b.n == 1]
    assert len(holders) == 1
    b = holders[0]
    assert b.lo - 1e-9 <= p <= b.hi + 1e-9
    assert p < b.hi - 1e-9 or b.hi == 1.0 or abs(p - b.hi) <= 1e-9
    assert sum(b.n for b in s.bins) == 1


def test_counts_and_scores_by_hand() -> None:
    ps = [
        pred(0.8, True),
        pred(0.8, False),
        pred(0.2, False),
        pred(0.5, "ambiguous"),
        pred(0.5, None),
    ]
    s = analyse_predictions(ps)
    assert (s.n, s.n_resolved, s.n_ambiguous, s.n_open) == (5, 3, 1, 1)
    assert s.brier == pytest.approx((0.04 + 0.64 + 0.04) / 3)
    assert s.base_rate == pytest.approx(1 / 3)
    assert s.uncertainty == pytest.approx(2 / 9)
    assert s.brier_skill == pytest.approx(1 - 0.24 / (2 / 9))
    assert s.log_score == pytest.approx((math.log(0.8) + math.log(0.2) + math.log(0.8)) / 3)
    b8 = s.bins[8]
    assert (b8.n, b8.k, b8.mean_forecast, b8.observed) == (2, 1, pytest.approx(0.8), 0.5)
    assert s.bins[0].n == 0 and s.bins[0].observed is None and s.bins[0].ci == (None, None)


def test_single_prediction_in_bin() -> None:
    s = analyse_predictions([pred(0.35, True)])
    b = s.bins[3]
    assert (b.n, b.k, b.observed) == (1, 1, 1.0)
    assert b.ci == wilson_interval(1, 1)
    assert b.ci[0] is not None and 0 < b.ci[0] < 1 and b.ci[1] == pytest.approx(1.0)
    assert s.brier_skill is None  # base rate 1
    assert any("Brier skill" in n for n in s.notes)
    assert s.to_json()["bins"][3]["ci"] == list(b.ci)


def test_nothing_resolved() -> None:
    s = analyse_predictions([pred(0.3, None), pred(0.6, "ambiguous")])
    assert (s.n, s.n_resolved, s.n_ambiguous, s.n_open) == (2, 0, 1, 1)
    j = s.to_json()
    for key in (
        "brier",
        "brier_skill",
        "log_score",
        "reliability",
        "resolution",
        "uncertainty",
        "base_rate",
    ):
        assert j[key] is None
    assert len(j["bins"]) == 10
    assert analyse_predictions([]).n == 0


def test_certain_and_wrong_log_score() -> None:
    s = analyse_predictions([pred(1.0, False), pred(0.5, True)])
    assert s.log_score is None
    assert any("log score" in n for n in s.notes)
    assert s.brier == pytest.approx((1 + 0.25) / 2)


def test_json_keys() -> None:
    j = analyse_predictions([pred(0.3, True), pred(0.7, False)]).to_json()
    assert set(j) == {
        "n", "n_resolved", "n_ambiguous", "n_open", "brier", "brier_skill", "log_score",
        "reliability", "resolution", "uncertainty", "base_rate", "bins", "notes",
        "within_bin_variance", "within_bin_covariance",
    }  # fmt: skip
    assert set(j["bins"][0]) == {"lo", "hi", "n", "k", "mean_forecast", "observed", "ci"}


bin_forecast = st.integers(0, 9).map(lambda i: (i + 0.5) / 10)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(bin_forecast, st.booleans()), min_size=1, max_size=40))
def test_murphy_identity_constant_within_bins(items: list[tuple[float, bool]]) -> None:
    # forecasts constant within each bin: Brier = reliability − resolution + uncertainty exactly
    s = analyse_predictions([pred(p, o) for p, o in items])
    assert s.brier is not None and s.reliability is not None
    assert s.resolution is not None and s.uncertainty is not None
    assert s.brier == pytest.approx(s.reliability - s.resolution + s.uncertainty, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), min_size=1, max_size=40))
def test_murphy_identity_general(items: list[tuple[float, bool]]) -> None:
    # In general (Stephenson et al. 2008, Weather Forecast. 23:752) the binned decomposition
    # misses two within-bin terms: Brier = REL − RES + UNC + WBV − WBC with
    # WBV = (1/N) Σ_b Σ_i (p_i − p̄_b)² and WBC = (2/N) Σ_b Σ_i (p_i − p̄_b)(o_i − ō_b).
    s = analyse_predictions([pred(p, o) for p, o in items])
    n = len(items)
    within = 0.0
    for b in s.bins:
        members = [(p, o) for p, o in items if bin_index(p) == round(b.lo * 10)]
        if not members:
            continue
        assert b.mean_forecast is not None and b.observed is not None
        pm, om = b.mean_forecast, b.observed
        within += sum((p - pm) ** 2 - 2 * (p - pm) * (o - om) for p, o in members) / n
    assert s.brier is not None and s.reliability is not None
    assert s.resolution is not None and s.uncertainty is not None
    assert s.brier == pytest.approx(s.reliability - s.resolution + s.uncertainty + within, abs=1e-9)
    assert 0.0 <= s.brier <= 1.0
    # ... and the engine reports those two terms, closing the identity itself
    wbv, wbc = s.within_bin_variance, s.within_bin_covariance
    assert wbv is not None and wbc is not None and wbv >= 0.0
    assert s.brier == pytest.approx(
        s.reliability - s.resolution + s.uncertainty + wbv - wbc, abs=1e-12
    )


def test_within_bin_terms_by_hand() -> None:
    # Two forecasts in bin 0.6–0.7: 0.6 (came true) and 0.68 (did not). Mean forecast 0.64,
    # observed 0.5. WBV = ((−0.04)² + 0.04²) / 2 = 0.0016;
    # WBC = 2 · ((−0.04)(0.5) + (0.04)(−0.5)) / 2 = −0.04.
    # Brier = (0.16 + 0.4624) / 2 = 0.3112; REL = 0.14² = 0.0196, RES = 0, UNC = 0.25:
    # 0.0196 − 0 + 0.25 + 0.0016 + 0.04 = 0.3112.
    s = analyse_predictions([pred(0.6, True), pred(0.68, False)])
    assert s.within_bin_variance == pytest.approx(0.0016)
    assert s.within_bin_covariance == pytest.approx(-0.04)
    assert s.brier == pytest.approx(0.3112)
    assert s.reliability == pytest.approx(0.0196)


def test_grouping() -> None:
    ps = [
        pred(0.9, True, "ann", ("ml", "infra")),
        pred(0.2, False, "bob", ("ml",)),
        pred(0.6, None, "bob", ("ml", "ml")),
    ]
    owners = by_owner(ps)
    assert list(owners) == ["ann", "bob"]
    assert owners["bob"].n == 2 and owners["bob"].n_open == 1
    tags = by_tag(ps)
    assert list(tags) == ["infra", "ml"]
    assert tags["ml"].n == 3 and tags["infra"].n == 1
