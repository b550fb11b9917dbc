"""A planned scenario as a simulation: each channel answered by its own pool of agents."""

from __future__ import annotations

import numpy as np

from simulator import Channel as SimChannel
from simulator import Pool, SimConfig

from .demand import ChannelDemand
from .periods import pooled_ratio
from .pipeline import PlanResult
from .scenario import Channel


def planned_retrials(result: PlanResult, name: str) -> np.ndarray | None:
    """The retrials planning added to channel ``name``'s offered contacts (None: none)."""
    if result.drivers is None or result.scenario.channel(name).retrials is None:
        return None
    return result.drivers.channels[name].retrials


def planned_repeats(result: PlanResult, name: str) -> np.ndarray | None:
    """The FCR repeats planning added to channel ``name``'s offered contacts, from every
    channel whose repeats land on it (None: no channel's do)."""
    if result.drivers is None or not any(
        c.fcr is not None and (c.fcr.repeat_channel or c.name) == name
        for c in result.scenario.channels
    ):
        return None
    return result.drivers.channels[name].repeats


def _without_planned(demand: ChannelDemand, planned: list[np.ndarray]) -> np.ndarray:
    """``demand``'s arrival rate [contacts/h] without the ``planned`` contacts per interval
    (retrials, repeats) the simulator makes itself: scaled by ``(offered - planned) /
    offered`` in each interval, so the rate keeps its relation to ``offered``."""
    first = np.clip(demand.offered - sum(planned), 0.0, None)
    return first * demand.calls_per_hour / np.where(demand.offered > 0, demand.offered, 1.0)


def _repeat_fields(ch: Channel) -> dict:
    """The simulator's FCR repeat fields of scenario channel ``ch``: an answered contact comes
    back with probability ``(1 - rate) x repeat_share`` after ``repeat_delay``, on
    ``repeat_channel`` (``scenarios.drivers``' ``u``); none without ``fcr``."""
    if ch.fcr is None:
        return {}
    return {
        "repeat_share": (1.0 - ch.fcr.rate) * ch.fcr.repeat_share,
        "repeat_delay": ch.fcr.repeat_delay.to_simulator(),
        "repeat_channel": ch.fcr.repeat_channel or ch.name,
    }


def sim_channel(
    ch: Channel,
    demand: ChannelDemand,
    threshold_s: float,
    deadline_clock: str = "wall_clock",
    planned_retrials: np.ndarray | None = None,
    planned_repeats: np.ndarray | None = None,
    repeats: bool = False,
) -> SimChannel:
    """The simulator's view of a scenario channel, answered by a pool of the same name; the
    handle time and patience follow the demand's per-interval means (``intraday_bands``,
    self-service's AHT multiplier); a deferred channel's SL wait runs on ``deadline_clock``
    (the target's). A channel with ``retrials`` makes its own in the simulator (share and
    delay): ``planned_retrials`` (``planned_retrials``), the closed form's estimate of them,
    is taken out of the arrivals so they are not counted twice. Likewise with ``repeats``
    (every channel its repeats land on is simulated with it): a channel with ``fcr`` makes its
    FCR repeats in the simulator, and ``planned_repeats`` (``planned_repeats``: those landing
    on this channel) is taken out of its arrivals; without it, FCR repeats stay in the
    arrivals as planned. Deflection stays in the arrivals as planned."""
    patience = None if ch.patience is None else ch.patience.to_simulator()
    calls_per_hour = demand.calls_per_hour
    made = {}  # the contacts the simulator makes itself
    if ch.retrials is not None:
        made = {
            "retrial_share": ch.retrials.share,
            "retrial_delay": ch.retrials.delay.to_simulator(),
        }
    if repeats:
        made.update(_repeat_fields(ch))
    planned = [
        p
        for p, simulated in (
            (planned_retrials, ch.retrials is not None),
            (planned_repeats, repeats),
        )
        if p is not None and simulated
    ]
    if planned:
        calls_per_hour = _without_planned(demand, planned)
    if ch.callback is not None:  # the callers who take a callback do not queue
        calls_per_hour = calls_per_hour * (1.0 - ch.callback.share)
    scaled = bool(ch.intraday_bands) or ch.self_service is not None
    return SimChannel(
        name=ch.name,
        kind=ch.kind,
        calls_per_hour=calls_per_hour,
        handle_time=ch.handle_time.to_simulator(),
        patience=patience,
        threshold_s=float(threshold_s),
        pool=ch.name,
        concurrency=ch.concurrency,
        concurrency_stretch=ch.concurrency_stretch,
        open_intervals=demand.open,
        deadline_clock=deadline_clock if ch.kind == "deferred" else "wall_clock",
        aht_scale=demand.aht_s / ch.aht_s if scaled else None,
        patience_scale=demand.patience_s / ch.patience_s
        if ch.intraday_bands and patience is not None
        else None,
        **made,
    )


def callback_channel(
    ch: Channel,
    demand: ChannelDemand,
    planned_repeats: np.ndarray | None = None,
    repeats: bool = False,
) -> SimChannel | None:
    """A voice channel's callbacks as the simulator's deferred channel "NAME (callbacks)":
    ``share`` of the forecast callers, made while the channel is open within ``deadline_s``,
    answered by the channel's pool after its waiting callers (lower priority: idle time).
    With ``repeats`` (``sim_channel``), an answered callback left unresolved comes back on the
    channel's repeat channel, and ``planned_repeats`` is not among the callbacks."""
    if ch.callback is None or ch.callback.share <= 0:
        return None
    calls_per_hour = demand.calls_per_hour
    if repeats and planned_repeats is not None:
        calls_per_hour = _without_planned(demand, [planned_repeats])
    return SimChannel(
        name=f"{ch.name} (callbacks)",
        kind="deferred",
        calls_per_hour=calls_per_hour * ch.callback.share,
        handle_time=ch.handle_time.to_simulator(),
        patience=None,
        threshold_s=float(ch.callback.deadline_s),
        pool=ch.name,
        open_intervals=demand.open,
        aht_scale=demand.aht_s / ch.aht_s
        if ch.intraday_bands or ch.self_service is not None
        else None,
        **(_repeat_fields(ch) if repeats else {}),
    )


def channel_and_pool(
    ch: Channel,
    demand: ChannelDemand,
    agents,
    threshold_s: float,
    deadline_clock: str = "wall_clock",
    planned_retrials: np.ndarray | None = None,
    planned_repeats: np.ndarray | None = None,
    repeats: bool = False,
) -> tuple[list[SimChannel], Pool]:
    """The simulator's channels of scenario channel ``ch`` (``sim_channel``, and its
    callbacks, ``callback_channel``) and the pool of ``agents`` answering them."""
    sims = [
        sim_channel(
            ch, demand, threshold_s, deadline_clock, planned_retrials, planned_repeats, repeats
        )
    ]
    callbacks = callback_channel(ch, demand, planned_repeats, repeats)
    if callbacks is not None:
        sims.append(callbacks)
    return sims, Pool(ch.name, agents, tuple(c.name for c in sims))


def warmup_s(scenario, table, channels) -> float:
    """Warm-up [s] for simulating ``channels``: ``max(1 h, 10 x the largest AHT)`` where every
    one of them is open through the whole first day (a 24/7 center has no closed night to start
    empty from), else 0. From empty, the mean number of busy agents reaches
    ``a (1 - exp(-t / AHT))`` (the M/M/inf transient), within 5e-5 of the load after 10 AHT;
    the hour floor leaves time for the queue of a heavily loaded pool to build up as well."""
    per_day = scenario.intervals_per_day
    if not all(bool(np.all(table.channels[name].open[:per_day])) for name in channels):
        return 0.0
    return max(3600.0, 10.0 * max(scenario.channel(name).aht_s for name in channels))


def simulation_config(result: PlanResult) -> SimConfig:
    """Simulate the plan: the agents on duty are the *required* (productive) agents per
    interval, since shrinkage is time they are not available for contacts.

    Forecast error: the largest coefficient of variation given by any channel applies to all
    (the simulator draws one per channel from it).

    Warm-up (``warmup_s``): a 24/7 center's first interval runs before the horizon, uncounted,
    since starting empty would show the first hours better than they are.

    Retrials are made by the simulator, and FCR repeats too when every channel they land on
    is open around the clock (every channel is simulated, so every repeat lands on a simulated
    channel); planning's estimates of them are taken out of the arrivals (``sim_channel``).
    A repeat due while its channel is closed would be lost in the simulator, where planning
    moves it to the next opening (``drivers.to_open``): with opening hours the repeats stay in
    the arrivals as planned, so both count the same load.
    """
    scenario = result.scenario
    targets = {c.fcr.repeat_channel or c.name for c in scenario.channels if c.fcr is not None}
    repeats = all(scenario.channel(name).opening_hours is None for name in targets)
    channels, pools = [], []
    for ch in scenario.channels:
        demand = result.table.channels[ch.name]
        target = scenario.target_for(ch.name)
        threshold = result.channels[ch.name].threshold_s
        sims, pool = channel_and_pool(
            ch,
            demand,
            result.channels[ch.name].required_agents,
            threshold if target is not None else 20.0,
            target.deadline_clock if target is not None else "wall_clock",
            planned_retrials(result, ch.name),
            planned_repeats(result, ch.name),
            repeats=repeats,
        )
        channels.extend(sims)
        pools.append(pool)
    errors = [c.demand.forecast_error for c in scenario.channels]
    return SimConfig(
        interval_s=scenario.interval_s,
        channels=channels,
        pools=pools,
        day_volume_cv=max(e.day_volume_cv for e in errors),
        interval_volume_cv=max(e.interval_volume_cv for e in errors),
        day_aht_cv=max(e.day_aht_cv for e in errors),
        warmup_s=warmup_s(scenario, result.table, [ch.name for ch in scenario.channels]),
    )


def predicted_run_kpi(result: PlanResult, channel: str, field: str) -> float:
    """Offered-weighted mean of a per-interval predicted KPI over the horizon."""
    offered = result.table.channels[channel].offered
    values = getattr(result.channels[channel], field)
    total = offered.sum()
    return float(np.sum(values * offered) / total) if total > 0 else float("nan")


def _queued(ch: Channel, sim_kpi: str) -> float:
    """The planned abandonment is a share of all offered; the simulated one of the callers who
    queue (callbacks are their own channel): divide by the share who queue."""
    if sim_kpi == "abandon_rate" and ch.callback is not None:
        return 1.0 - ch.callback.share
    return 1.0


def _pooled_counts(reps, channel: str, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """Per replication, the numerator and denominator of the run-level ``kpi`` of
    ``channel`` (``simulator.ChannelKPIs`` names), to pool: SL = answered within T over its
    definition's denominator, abandonment = abandoned / offered, ASA = the answered contacts'
    total wait / answered."""

    def count(name):
        return reps.samples(name, channel=channel)

    offered, answered = count("offered"), count("answered")
    if kpi == "abandon_rate":
        return count("abandoned"), offered
    if kpi == "asa_s":
        return np.where(answered > 0, answered * np.nan_to_num(count("asa_s")), 0.0), answered
    denominator = {
        "service_level": offered,
        "service_level_excl_short_abandons": offered - count("abandoned_within"),
        "service_level_of_answered": answered,
    }[kpi]
    return count("answered_within"), denominator


def simulation_summary(result: PlanResult, reps, seed) -> dict:
    """Simulated run-level KPIs per channel (SL under the target's definition, abandonment,
    ASA; names as in ``simulator.ChannelKPIs``) pooled over the replications ``reps`` (sum of
    numerators over sum of denominators, e.g. answered within T over offered, never a mean of
    per-replication ratios) with the ratio estimator's 95% interval (``periods.pooled_ratio``;
    shares clipped to [0, 1], waits at 0), beside the plan's closed-form predictions
    (offered-weighted over the horizon)."""
    scenario = result.scenario
    out = {
        "scenario": scenario.name,
        "replications": len(reps.runs),
        "seed": seed,
        "engine": reps.engine,  # "compiled" or "simpy" (simulator.simulate's engine)
        "confidence": 0.95,
        "estimator": "pooled over replications (ratio estimator, 95% t interval)",
        "channels": {},
    }
    for ch in scenario.channels:
        plan_ch = result.channels[ch.name]
        entry = {"sl_definition": plan_ch.sl_definition.value, "threshold_s": plan_ch.threshold_s}
        for sim_kpi, planned_field in (
            (plan_ch.sl_definition.field, "service_level"),
            ("abandon_rate", "p_abandon"),
            ("asa_s", "asa_s"),
        ):
            numerator, denominator = _pooled_counts(reps, ch.name, sim_kpi)
            value, half = (float(v) for v in pooled_ratio(numerator, denominator))
            top = np.inf if sim_kpi == "asa_s" else 1.0
            entry[sim_kpi] = {
                "simulated": value,
                "ci_low": max(value - half, 0.0),
                "ci_high": min(value + half, top),
                # A deferred plan has no ASA prediction (only the wait until opening).
                "planned": None
                if ch.kind == "deferred" and sim_kpi == "asa_s"
                else predicted_run_kpi(result, ch.name, planned_field) / _queued(ch, sim_kpi),
            }
        out["channels"][ch.name] = entry
    return out
