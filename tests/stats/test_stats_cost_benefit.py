"""Cost-benefit arithmetic and assessment thresholds."""

from __future__ import annotations

import pytest

from generator.stats import CostBenefit, analyse_cost_benefit


def test_reasonable() -> None:
    s = analyse_cost_benefit(CostBenefit(2, 5000, 100, 2000, one_time_cost=500, currency="EUR"))
    assert s.upfront == 10500
    assert s.net_monthly == 1900
    assert s.payback_months == pytest.approx(10500 / 1900)
    assert s.roi_12m == pytest.approx((12 * 1900 - 10500) / 10500)
    assert s.assessment == "reasonable"
    assert s.to_json() == {
        "upfront": 10500.0,
        "net_monthly": 1900.0,
        "payback_months": s.payback_months,
        "roi_12m": s.roi_12m,
        "currency": "EUR",
        "assessment": "reasonable",
        "note": s.note,
    }


def test_likely_worthwhile_and_strategic() -> None:
    assert analyse_cost_benefit(CostBenefit(1, 1000, 0, 1000)).assessment == "likely-worthwhile"
    s = analyse_cost_benefit(CostBenefit(10, 5000, 0, 1000))
    assert s.payback_months == 50
    assert s.assessment == "needs-strategic-justification"
    assert "needs strategic justification" in s.note


@pytest.mark.parametrize("benefit", [100.0, 50.0])
def test_never_pays_back(benefit: float) -> None:
    s = analyse_cost_benefit(CostBenefit(1, 1000, 100, benefit))
    assert s.payback_months is None
    assert s.assessment == "never-pays-back"
    assert s.note == "never pays back: net monthly benefit is not positive"


def test_zero_upfront() -> None:
    s = analyse_cost_benefit(CostBenefit(0, 1000, 0, 10))
    assert s.upfront == 0
    assert s.roi_12m is None
    assert s.payback_months == 0
    assert s.assessment == "likely-worthwhile"
    assert "ROI undefined" in s.note
