"""A planned scenario as a simulation: each channel answered by its own pool of agents."""

from __future__ import annotations

import numpy as np

from simulator import Channel as SimChannel
from simulator import Pool, SimConfig

from .pipeline import PlanResult


def simulation_config(result: PlanResult) -> SimConfig:
    """Simulate the plan: the agents on duty are the *required* (productive) agents per
    interval, since shrinkage is time they are not available for contacts.

    Forecast error: the largest coefficient of variation given by any channel applies to all
    (the simulator draws one per channel from it).
    """
    scenario = result.scenario
    channels, pools = [], []
    for ch in scenario.channels:
        demand = result.table.channels[ch.name]
        target = scenario.target_for(ch.name)
        threshold = result.channels[ch.name].threshold_s
        channels.append(
            SimChannel(
                name=ch.name,
                kind=ch.kind,
                calls_per_hour=demand.calls_per_hour,
                handle_time=ch.handle_time.to_simulator(),
                patience=None if ch.patience is None else ch.patience.to_simulator(),
                threshold_s=threshold if target is not None else 20.0,
                pool=ch.name,
                concurrency=ch.concurrency,
                concurrency_stretch=ch.concurrency_stretch,
                open_intervals=demand.open,
            )
        )
        pools.append(Pool(ch.name, result.channels[ch.name].required_agents, (ch.name,)))
    errors = [c.demand.forecast_error for c in scenario.channels]
    return SimConfig(
        interval_s=scenario.interval_s,
        channels=channels,
        pools=pools,
        day_volume_cv=max(e.day_volume_cv for e in errors),
        interval_volume_cv=max(e.interval_volume_cv for e in errors),
        day_aht_cv=max(e.day_aht_cv for e in errors),
    )


def predicted_run_kpi(result: PlanResult, channel: str, field: str) -> float:
    """Offered-weighted mean of a per-interval predicted KPI over the horizon."""
    offered = result.table.channels[channel].offered
    values = getattr(result.channels[channel], field)
    total = offered.sum()
    return float(np.sum(values * offered) / total) if total > 0 else float("nan")
