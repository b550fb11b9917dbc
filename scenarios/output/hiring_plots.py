"""Plot of a hiring plan: a pure function returning a matplotlib Figure."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..contract.hiring import HiringResult
from .plots import _figure


def hiring_figure(result: HiringResult) -> Figure:
    """Per month: headcount, available and required FTE on duty (top); the headline channel's
    service level (worst reporting period of the month, closed form) against its standard
    (bottom)."""
    x = np.arange(result.labels.size)
    fig = _figure(10.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    top.bar(x, result.headcount, color="0.85", label="headcount at the start of the month")
    top.bar(x, result.hires, bottom=result.headcount, color="tab:green", label="hires")
    top.plot(x, result.available_fte, "o-", color="tab:blue", label="available FTE (on duty)")
    top.plot(x, result.required_fte, "s--", color="tab:red", label="required FTE (busiest week)")
    top.set_ylabel("FTE")
    top.legend(loc="best", fontsize="small")
    top.set_title(f"{result.scenario_name}: hiring plan")
    sl, _ = result.month_service()
    service = result.services.get(result.headline)
    if service is not None:
        bottom.plot(x, sl, "o-", color="tab:blue", label="service level (worst period)")
        bottom.axhline(service.standard, color="tab:red", ls="--", label="standard")
        bottom.set_ylabel(f"SL {service.threshold_s:g} s ({service.sl_definition.value})")
        bottom.set_ylim(0, 1.02)
        bottom.legend(loc="lower left", fontsize="small")
    bottom.set_xticks(x, result.labels, rotation=45, ha="right")
    return fig
