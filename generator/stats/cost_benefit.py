"""Cost–benefit arithmetic of adopting a change: upfront cost, payback period, 12-month ROI.

upfront = implementation_weeks × engineer_week_cost + one_time_cost
net_monthly = monthly_benefit − monthly_cost
payback_months = upfront / net_monthly      (None when net_monthly ≤ 0: it never pays back)
roi_12m = (12 × net_monthly − upfront) / upfront   (None when upfront = 0, with a note)

Assessment thresholds: payback < 3 months "likely-worthwhile", > 12 months
"needs-strategic-justification", in between "reasonable", no payback "never-pays-back".
"""

from __future__ import annotations

from ._common import finite
from .inputs import CostBenefit
from .results import Assessment as Assessment
from .results import CostBenefitStats as CostBenefitStats


def analyse_cost_benefit(c: CostBenefit) -> CostBenefitStats:
    """Payback and ROI of one estimate. Never raises; undefined values are None."""
    upfront = finite(c.implementation_weeks * c.engineer_week_cost + c.one_time_cost)
    net = finite(c.monthly_benefit - c.monthly_cost)
    extra: list[str] = []
    roi = None
    if upfront is None or net is None:
        extra.append("costs are not finite numbers: nothing computed")
    elif upfront == 0.0:
        extra.append("no upfront cost: 12-month ROI undefined")
    else:
        roi = finite((12.0 * net - upfront) / upfront)

    payback = None
    assessment: Assessment
    if net is None or net <= 0.0:
        assessment = "never-pays-back"
        note = "never pays back: net monthly benefit is not positive"
    else:
        payback = None if upfront is None else finite(max(0.0, upfront) / net)
        months = f"pays back in {payback:.1f} months" if payback is not None else "payback unknown"
        if payback is not None and payback < 3.0:
            assessment, note = "likely-worthwhile", f"{months}: likely worthwhile"
        elif payback is not None and payback > 12.0:
            assessment = "needs-strategic-justification"
            note = f"{months}: needs strategic justification"
        else:
            assessment, note = "reasonable", f"{months}: reasonable"
    if extra:
        note = "; ".join([note, *extra])
    return CostBenefitStats(upfront, net, payback, roi, c.currency, assessment, note)
