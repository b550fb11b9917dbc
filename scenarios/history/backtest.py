"""Backtest: would the models have predicted the service we actually gave?

With the history's own inputs per interval (offered calls, the agents observed, the handle
time and patience estimated from the same history) each model predicts the service level,
ASA and abandonment of every interval; the backtest compares them with what was observed:

* ``erlang_c`` -- M/M/n, nobody abandons (``erlang.erlang_c_kpis``);
* ``erlang_a`` -- M/M/n+M with the exponential patience MLE (``erlang.erlang_a_kpis``);
* ``simulation`` -- the SimPy model of the whole day (queues carry over between intervals),
  lognormal handle times with the observed CV, exponential patience, a few replications.

Two input sets (``BacktestVariant``): *plain* (recorded service time as AHT, agents = those
who served in the interval) and *corrected* (after-call time added, agents = agents available,
from ``history_agents.estimate_staffing``). Errors are mean absolute errors over the *busy*
intervals (at least ``busy_min_offered`` offered calls). Then: the staffing that would have met
the standard (Erlang A, corrected inputs) beside the agents observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents
from erlang._validate import MAX_PATIENCE_S, as_float_array
from simulator import Channel, Pool, SimConfig, exponential, lognormal, replicate

from .agents import StaffingEstimate, estimate_staffing
from .records import CallRecords
from .stats import (
    HandleTimeFit,
    PatienceEstimate,
    PeriodStats,
    handle_time_fit,
    patience_of,
    period_stats,
)

MODELS = ("erlang_c", "erlang_a", "simulation")
KPIS = ("service_level", "abandon_rate", "asa_s")


@dataclass(frozen=True)
class ModelPrediction:
    """One model's predictions per interval and its mean absolute errors over busy intervals.

    ``service_level`` is answered within ``threshold_s`` / offered; ``abandon_rate`` is
    abandoned / offered; ``asa_s`` the mean wait of answered calls [s]. ``mae`` maps each KPI
    to the mean of |predicted - observed| over the busy intervals (``asa_s`` over those where
    both are finite); ``bias`` the mean of predicted - observed.
    """

    model: str
    service_level: np.ndarray
    abandon_rate: np.ndarray
    asa_s: np.ndarray
    mae: dict[str, float]
    bias: dict[str, float]


@dataclass(frozen=True)
class BacktestVariant:
    """The models fed with one input set (``name`` "plain" or "corrected")."""

    name: str
    description: str
    aht_s: float
    agents: np.ndarray
    predictions: dict[str, ModelPrediction]


@dataclass(frozen=True)
class Backtest:
    """Observed KPIs per interval, the model variants, and the staffing that would have met
    the standard.

    ``busy`` marks intervals with at least ``busy_min_offered`` offered calls (the MAEs are
    over those). ``required_agents`` is the Erlang A staffing per interval for
    ``target_service_level`` answered within ``threshold_s`` of offered with the corrected
    AHT and the patience MLE; compare with ``staffing.agents_available_whole`` and
    ``staffing.agents_serving``.
    """

    observed: PeriodStats
    staffing: StaffingEstimate
    handle: HandleTimeFit
    patience: PatienceEstimate
    busy: np.ndarray
    busy_min_offered: int
    threshold_s: float
    replications: int
    seed: int
    variants: dict[str, BacktestVariant]
    target_service_level: float
    required_agents: np.ndarray
    notes: tuple[str, ...] = field(default=())

    @property
    def sl_definition(self) -> str:
        return SLDefinition.OF_OFFERED.describe(self.threshold_s)

    def mae_table(self) -> list[dict]:
        """One row per variant and model: MAE of SL, abandonment and ASA over busy intervals."""
        return [
            {
                "inputs": v.name,
                "model": p.model,
                "aht_s": v.aht_s,
                "mae_service_level": p.mae["service_level"],
                "mae_abandon_rate": p.mae["abandon_rate"],
                "mae_asa_s": p.mae["asa_s"],
                "bias_service_level": p.bias["service_level"],
                "bias_abandon_rate": p.bias["abandon_rate"],
            }
            for v in self.variants.values()
            for p in v.predictions.values()
        ]

    def to_dict(self, per_interval: bool = True) -> dict:
        out = {
            "sl_definition": self.sl_definition,
            "threshold_s": self.threshold_s,
            "busy_definition": f"intervals with >= {self.busy_min_offered} offered calls",
            "busy_intervals": int(self.busy.sum()),
            "patience_mean_s": self.patience.mean_s,
            "simulation": f"{self.replications} replications, seed {self.seed}",
            "method": list(self.staffing.method),
            "notes": list(self.notes),
            "mae": self.mae_table(),
            "staffing_for_target": {
                "standard": f"{self.target_service_level:.0%} {self.sl_definition}",
                "model": "erlang_a, corrected AHT, patience MLE",
                "required_agents_busy_sum": int(self.required_agents[self.busy].sum()),
                "available_agents_busy_sum": int(
                    self.staffing.agents_available_whole[self.busy].sum()
                ),
                "serving_agents_busy_sum": int(self.staffing.agents_serving[self.busy].sum()),
            },
        }
        if per_interval:
            obs = self.observed
            out["intervals"] = {
                "start": [str(s) for s in obs.start],
                "busy": self.busy,
                "offered": obs.offered,
                "observed": {k: getattr(obs, k) for k in KPIS},
                "agents_serving": self.staffing.agents_serving,
                "agents_available": self.staffing.agents_available,
                "required_agents": self.required_agents,
                "predicted": {
                    v.name: {
                        p.model: {k: getattr(p, k) for k in KPIS} for p in v.predictions.values()
                    }
                    for v in self.variants.values()
                },
            }
        return out


def _errors(pred: dict, obs: PeriodStats, busy: np.ndarray):
    mae, bias = {}, {}
    for k in KPIS:
        p, o = np.asarray(pred[k], float), np.asarray(getattr(obs, k), float)
        ok = busy & np.isfinite(p) & np.isfinite(o)
        diff = p[ok] - o[ok]
        mae[k] = float(np.abs(diff).mean()) if diff.size else float("nan")
        bias[k] = float(diff.mean()) if diff.size else float("nan")
    return mae, bias


def _simulate(
    calls_per_hour, agents, aht_s, handle, patience_s, interval_s, threshold_s, reps, seed
):
    config = SimConfig(
        interval_s=interval_s,
        channels=(
            Channel(
                name="calls",
                kind="voice",
                calls_per_hour=calls_per_hour,
                handle_time=lognormal(aht_s, handle.cv),
                patience=exponential(patience_s),
                threshold_s=threshold_s,
                pool="agents",
            ),
        ),
        pools=(Pool("agents", agents, ("calls",)),),
    )
    runs = replicate(config, reps, seed)
    out = {k: runs.samples(k, channel="calls", level="interval").mean(axis=0) for k in KPIS}
    # ASA over the replications in which someone was answered (NaN where none was).
    asa = runs.samples("asa_s", channel="calls", level="interval")
    finite = np.isfinite(asa)
    count = finite.sum(axis=0)
    total = np.where(finite, asa, 0.0).sum(axis=0)
    out["asa_s"] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _variant(name, description, aht_s, agents, obs, busy, handle, patience_s, reps, seed):
    t = obs.threshold_s
    cph = obs.offered * 3600.0 / obs.period_s
    raw = {
        "erlang_c": erlang_c_kpis(cph, aht_s, agents, t),
        "erlang_a": erlang_a_kpis(cph, aht_s, patience_s, agents, t),
    }
    preds = {
        m: {"service_level": k.service_level, "abandon_rate": k.p_abandon, "asa_s": k.asa_s}
        for m, k in raw.items()
    }
    if reps:
        preds["simulation"] = _simulate(
            cph, agents, aht_s, handle, patience_s, obs.period_s, t, reps, seed
        )
    out = {}
    for m, pred in preds.items():
        mae, bias = _errors(pred, obs, busy)
        out[m] = ModelPrediction(m, *(np.asarray(pred[k], float) for k in KPIS), mae, bias)
    return BacktestVariant(name, description, float(aht_s), np.asarray(agents), out)


def backtest(
    calls: CallRecords,
    *,
    interval_minutes: int = 30,
    threshold_s: float = 20.0,
    busy_min_offered: int = 30,
    target_service_level: float = 0.8,
    break_gap_s: float = 600.0,
    replications: int = 5,
    seed: int = 1,
) -> Backtest:
    """Backtest Erlang C, Erlang A and the simulation against the observed intervals.

    Parameters
    ----------
    calls : CallRecords
        The imported history (``read_history``); must name agents.
    interval_minutes : int
        Interval length [min].
    threshold_s : float
        Service-level threshold [s]; SL is answered within it / offered.
    busy_min_offered : int
        An interval is busy with at least this many offered calls; errors are averaged over
        busy intervals.
    target_service_level : float
        The standard for the "what staffing would have met it" comparison (0.8 for 80/20).
    break_gap_s : float
        See ``estimate_staffing``.
    replications, seed : int
        Simulation replications (0 skips the simulation) and seed.
    """
    # Checked first: a threshold of 1e308 s would overflow in the models (a numpy warning).
    threshold_s = float(as_float_array("threshold_s", threshold_s, unit="s", upper=86_400.0))
    obs = period_stats(calls, interval_minutes, threshold_s)
    staffing = estimate_staffing(calls, interval_minutes, break_gap_s)
    handle = handle_time_fit(calls.handle_s)
    patience = patience_of(calls)
    if not np.isfinite(patience.mean_s):
        raise ValueError("nobody abandoned in the history, so patience cannot be estimated")
    # The models take at most a day of mean patience (erlang.erlang_a_kpis); a longer
    # estimate (few abandonments) is that cap, where Erlang A is practically Erlang C.
    patience_s = min(patience.mean_s, MAX_PATIENCE_S)
    capped = patience_s < patience.mean_s
    busy = obs.offered >= busy_min_offered
    inputs = {
        "plain": (
            "AHT = recorded service time; agents = agents who served in the interval",
            staffing.recorded_aht_s,
            staffing.agents_serving,
        ),
        "corrected": (
            "AHT = recorded + inferred after-call time; agents = agents available (sessions)",
            staffing.effective_aht_s,
            staffing.agents_available_whole,
        ),
    }
    variants = {
        name: _variant(name, *args, obs, busy, handle, patience_s, replications, seed)
        for name, args in inputs.items()
    }
    cph = obs.offered * 3600.0 / obs.period_s
    need = required_agents(
        cph,
        staffing.effective_aht_s,
        patience_s=patience_s,
        service_level=target_service_level,
        threshold_s=threshold_s,
        sl_definition=SLDefinition.OF_OFFERED,
    )
    notes = (
        f"patience: exponential MLE {patience.mean_s:.0f} s over the whole history "
        f"({patience.abandoned} abandonments, {patience.censored_share:.0%} censored)"
        + (f"; the models use its cap, {MAX_PATIENCE_S:,.0f} s" if capped else ""),
        f"handle time in the simulation: lognormal with the recorded CV {handle.cv:.2f}",
        "AHT and patience are the history-wide values in every interval; offered calls and "
        "agents are each interval's own",
        "the corrected agents are estimated from the same calls the backtest is scored on (in "
        "an overloaded interval the agents available are close to the agents busy), so the "
        "corrected errors are in-sample; check them on days not used to set the method",
    )
    return Backtest(
        observed=obs,
        staffing=staffing,
        handle=handle,
        patience=patience,
        busy=busy,
        busy_min_offered=int(busy_min_offered),
        threshold_s=float(threshold_s),
        replications=int(replications),
        seed=int(seed),
        variants=variants,
        target_service_level=float(target_service_level),
        required_agents=np.asarray(need.agents, dtype=np.int64),
        notes=notes,
    )
