"""Plots of pricing under volume risk: pure functions returning matplotlib Figures."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..contract import QUANTILES, PricingAnalysis
from .plots import _figure


def pricing_figure(analysis: PricingAnalysis) -> Figure:
    """Left: what the client pays per year under each pricing model against the volume, with
    the provider's re-planned cost (where a model's line is above the cost, the provider
    earns a margin); the P10/P50/P90 volumes marked. Right: each model's margin at the three
    quantiles."""
    fig = _figure(11.0, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=(3, 2))
    x = analysis.grid_offered / 1e3
    keep = (analysis.grid >= 0.5) & (analysis.grid <= 2.0)  # the volumes a contract is about
    for name, cost in analysis.grid_client_cost.items():
        left.plot(x[keep], cost[keep] / 1e6, lw=1.4, label=name)
    left.plot(x[keep], analysis.grid_cost[keep] / 1e6, "k--", lw=1.6, label="provider's cost")
    for q, offered in zip(QUANTILES, analysis.offered, strict=True):
        left.axvline(offered / 1e3, color="grey", lw=0.8, ls=":")
        left.text(
            offered / 1e3, 0.02, q, transform=left.get_xaxis_transform(), ha="center", va="bottom"
        )
    cur = analysis.currency
    left.set_xlabel("contacts offered per year [thousands]")
    left.set_ylabel(f"per year [M{cur}]")
    left.set_title("Client's cost by pricing model; provider's cost re-planned", fontsize="medium")
    left.legend(fontsize="small")
    width = 0.8 / max(len(analysis.models), 1)
    pos = np.arange(len(QUANTILES))
    for k, m in enumerate(analysis.models):
        right.bar(
            pos + (k - (len(analysis.models) - 1) / 2) * width, m.margin / 1e6, width, label=m.name
        )
    right.axhline(0, color="black", lw=0.8)
    right.set_xticks(pos, QUANTILES)
    right.set_ylabel(f"provider's margin per year [M{cur}]")
    right.set_title("Margin at P10 / P50 / P90 volume", fontsize="medium")
    right.legend(fontsize="small")
    return fig
