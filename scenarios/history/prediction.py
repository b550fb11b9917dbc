"""Backtest with prediction intervals: what service the model predicted for each interval, how
sure it was, and how often the truth fell inside.

For each interval of the history the simulation (the one ``ccplan simulate`` runs) predicts
the service level (answered within ``threshold_s`` / offered) and the abandonment (abandoned /
offered) from the interval's offered calls, the agents on duty and the handle time and
patience estimated from the history. Its prediction interval combines two sources of
uncertainty, one replication at a time:

* **parameter uncertainty**: each replication draws its own mean handle time (normal, with
  the standard error of the recorded mean) and mean patience (``2 T / chi2(2 d)``: the
  sampling distribution of the exponential MLE from ``d`` abandonments in total wait ``T``,
  exact under type II censoring; Lawless 2003, *Statistical Models and Methods for Lifetime
  Data*, section 2.2);
* **the randomness of a day**: Poisson arrivals at the interval's rate, random handle times
  and patience, and the queue carried from one interval to the next.

The arrivals are Poisson at the interval's observed rate, as in a plan, so an interval's
prediction also carries the noise of its count, which the observed interval (its count given)
does not: with the right agents the intervals are a little conservative (80% intervals
covered 83-91% of a month's busy intervals in the tests).

The ``level`` prediction interval of an interval's KPI is the central range of its
replications (quantiles ``(1 - level) / 2`` and ``(1 + level) / 2``); ``coverage`` is the share
of busy intervals whose observed KPI lies inside it (inclusive), which should be close to
``level`` if the model and its uncertainty are right.

Agents come from a staffing input (``read_schedule``: a CSV of agents per interval) when the
planner has one; otherwise from the records themselves (``agents.estimate_staffing``: agents
in a session), an **in-sample estimate** taken from the very calls being scored, which flatters
the model (an overloaded interval's agents are estimated from its busy agents), and is labelled
so everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from erlang._validate import MAX_PATIENCE_S
from simulator import Channel, Pool, SimConfig, exponential, lognormal, replicate

from ..files import MAX_DATA_FILE_BYTES, DataFileError, csv_rows, read_limited
from .agents import estimate_staffing
from .records import CallRecords, HistoryError
from .stats import PeriodStats, handle_time_fit, patience_of, period_stats

KPIS = ("service_level", "abandon_rate")
IN_SAMPLE = (
    "in-sample estimate: agents in a session, inferred from the same calls being scored "
    "(optimistic; give a schedule CSV of the agents on duty for an honest backtest)"
)


@dataclass(frozen=True)
class Schedule:
    """Agents on duty per interval of the history, read from a staffing CSV."""

    source: str
    agents: np.ndarray


def read_schedule(path, calls: CallRecords, interval_minutes: int) -> Schedule:
    """Agents per interval from a CSV with columns ``start`` (the center's local date and
    time, ISO, on the interval grid) and ``agents`` (a whole number >= 0).

    Every interval with offered calls must have a row (a missing one is an error naming it);
    rows outside the history are ignored; intervals without calls and without a row get 0.
    """
    path = Path(path)
    source = str(path)
    try:
        text = read_limited(path, "schedule file", MAX_DATA_FILE_BYTES).decode("utf-8-sig")
    except (DataFileError, OSError, UnicodeDecodeError) as err:
        raise HistoryError(f"{source}: cannot read the schedule ({err})") from None
    step_s = interval_minutes * 60
    n = calls.n_days * (1440 // interval_minutes)
    origin = dt.datetime.combine(calls.origin, dt.time())
    agents = np.full(n, -1, dtype=np.int64)
    rows = csv_rows(source, csv.reader(text.splitlines()))
    header = [h.strip() for h in next(rows, (1, []))[1]]
    if "start" not in header or "agents" not in header:
        raise HistoryError(
            f"{source}: a schedule needs columns `start` and `agents`; the header is: "
            f"{','.join(header)}"
        )
    at_start, at_agents = header.index("start"), header.index("agents")
    for line, cells in rows:
        if not cells or all(not c.strip() for c in cells):
            continue
        cell = cells[at_start].strip() if at_start < len(cells) else ""
        value = cells[at_agents].strip() if at_agents < len(cells) else ""
        try:
            start = dt.datetime.fromisoformat(cell)
        except ValueError:
            raise HistoryError(
                f"{source} line {line}, column 'start': {cell!r} is not an ISO date and time "
                "(e.g. 1999-02-01 07:00)"
            ) from None
        try:
            count = int(value)
        except ValueError:
            count = -1
        if count < 0 or count > 100_000:
            raise HistoryError(
                f"{source} line {line}, column 'agents': {value!r} is not a whole number of "
                "agents from 0 to 100,000"
            )
        offset = (start.replace(tzinfo=None) - origin).total_seconds()
        k, rest = divmod(offset, step_s)
        if rest:
            raise HistoryError(
                f"{source} line {line}, column 'start': {cell} is not on the "
                f"{interval_minutes}-minute grid"
            )
        if 0 <= k < n:
            agents[int(k)] = count
    offered = period_stats(calls, interval_minutes).offered
    missing = np.flatnonzero((agents < 0) & (offered > 0))
    if missing.size:
        first = origin + dt.timedelta(seconds=int(missing[0]) * step_s)
        raise HistoryError(
            f"{source}: no agents given for {missing.size} interval(s) with calls, the first "
            f"{first:%Y-%m-%d %H:%M} ({int(offered[missing[0]])} offered)"
        )
    return Schedule(source, np.maximum(agents, 0))


@dataclass(frozen=True)
class IntervalPrediction:
    """Per-interval predictions and their scores against what happened.

    ``median[kpi]``, ``low[kpi]``, ``high[kpi]`` per interval (the ``level`` prediction
    interval over ``replications``); ``observed`` the history's KPIs; ``covered[kpi]`` whether
    each busy interval's observed KPI lies inside; ``coverage[kpi]`` the share of busy
    intervals covered; ``pit_coverage[kpi]`` the same with ties broken at random
    (``_randomized_pit``), which a right model brings to ``level`` even for the discrete KPIs
    of small intervals (inclusive ``coverage`` runs above ``level`` there); ``mae[kpi]`` the
    mean absolute error of the median over busy intervals;
    ``width[kpi]`` the mean width of the intervals there. ``agents`` per interval and
    ``agents_source`` (the schedule file, or ``IN_SAMPLE``).
    """

    observed: PeriodStats
    busy: np.ndarray
    busy_min_offered: int
    agents: np.ndarray
    agents_source: str
    level: float
    replications: int
    seed: int
    aht_s: float
    aht_se_s: float
    patience_s: float
    patience_abandons: int
    median: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    covered: dict[str, np.ndarray]
    coverage: dict[str, float]
    pit_coverage: dict[str, float]
    mae: dict[str, float]
    width: dict[str, float]

    @property
    def in_sample(self) -> bool:
        return self.agents_source == IN_SAMPLE

    @property
    def method(self) -> str:
        return (
            f"simulation, {self.replications} replications (seed {self.seed}), each with its "
            f"own mean handle time (normal around {self.aht_s:.1f} s, standard error "
            f"{self.aht_se_s:.1f} s) and mean patience (2T/chi2 from {self.patience_abandons} "
            f"abandonments, MLE {self.patience_s:.0f} s); {self.level:.0%} prediction interval "
            "= the central range of the replications"
        )

    def to_dict(self, per_interval: bool = True) -> dict:
        out = {
            "method": self.method,
            "agents": self.agents_source,
            "in_sample_agents": self.in_sample,
            "level": self.level,
            "busy_definition": f"intervals with >= {self.busy_min_offered} offered calls",
            "busy_intervals": int(self.busy.sum()),
            "coverage": dict(self.coverage),
            "coverage_ties_randomized": dict(self.pit_coverage),
            "mae_of_median": dict(self.mae),
            "mean_width": dict(self.width),
        }
        if per_interval:
            out["intervals"] = {
                "start": [str(s) for s in self.observed.start],
                "busy": self.busy,
                "offered": self.observed.offered,
                "agents": self.agents,
                **{
                    kpi: {
                        "observed": getattr(self.observed, kpi),
                        "median": self.median[kpi],
                        "low": self.low[kpi],
                        "high": self.high[kpi],
                        "covered": self.covered[kpi],
                    }
                    for kpi in KPIS
                },
            }
        return out


def _randomized_pit(sims: np.ndarray, seen: np.ndarray, rng) -> np.ndarray:
    """Randomized probability integral transform of each observation under its replications
    (columns): ``F(x-) + V (F(x) - F(x-))`` with ``V`` uniform, uniform on [0, 1] when the
    model is right even for a discrete KPI (Czado, Gneiting & Held 2009, *Biometrics* 65)."""
    if not seen.size:
        return np.array([])
    n = np.isfinite(sims).sum(axis=0)
    below = (sims < seen[None, :] - 1e-12).sum(axis=0) / n
    at_most = (sims <= seen[None, :] + 1e-12).sum(axis=0) / n
    return below + rng.uniform(size=seen.size) * (at_most - below)


def predict_intervals(
    calls: CallRecords,
    *,
    schedule: Schedule | None = None,
    interval_minutes: int = 30,
    threshold_s: float = 20.0,
    busy_min_offered: int = 30,
    level: float = 0.8,
    replications: int = 40,
    seed: int = 1,
    break_gap_s: float = 600.0,
) -> IntervalPrediction:
    """Predict every interval's service level and abandonment with a ``level`` prediction
    interval and score them against the history (module docstring).

    Parameters
    ----------
    calls : CallRecords
        The history (agent names are needed unless a ``schedule`` is given, for the
        after-call time).
    schedule : Schedule, optional
        Agents on duty per interval (``read_schedule``); None: the in-sample estimate.
    interval_minutes, threshold_s, busy_min_offered, break_gap_s
        As in ``backtest.backtest``.
    level : float
        Probability of the prediction intervals, in (0, 1).
    replications, seed : int
        Simulation replications (at least 10: the interval's ends are quantiles of them).
    """
    if not 0 < level < 1:
        raise ValueError(f"`level` must be between 0 and 1 (0.8 for 80%), got {level!r}")
    if replications < 10:
        raise ValueError(
            f"`replications` must be >= 10 for a prediction interval, got {replications}"
        )
    obs = period_stats(calls, interval_minutes, threshold_s)
    fit = handle_time_fit(calls.handle_s)
    try:
        staffing = estimate_staffing(calls, interval_minutes, break_gap_s)
    except ValueError:  # no agent names: no after-call time, and agents only from a schedule
        if schedule is None:
            raise
        staffing = None
    if schedule is None:
        agents, source = staffing.agents_available_whole, IN_SAMPLE
    else:
        agents, source = schedule.agents, f"schedule {schedule.source}"
    # Effective AHT (recorded + after-call time) where agent names allow the estimate.
    aht_s = staffing.effective_aht_s if staffing is not None else fit.mean_s
    aht_se_s = fit.cv * fit.mean_s / np.sqrt(fit.n)
    patience = patience_of(calls)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    children = np.random.SeedSequence(seed).spawn(2)[0].spawn(replications)
    cph = obs.offered * 3600.0 / obs.period_s
    samples = {k: [] for k in KPIS}
    for child in children:
        aht_r = max(aht_s + aht_se_s * rng.standard_normal(), 1.0)
        patience_r = None
        if patience.abandoned:
            patience_r = min(
                2 * patience.total_wait_s / rng.chisquare(2 * patience.abandoned), MAX_PATIENCE_S
            )
        config = SimConfig(
            interval_s=obs.period_s,
            channels=(
                Channel(
                    name="calls",
                    kind="voice",
                    calls_per_hour=cph,
                    handle_time=lognormal(aht_r, fit.cv),
                    patience=exponential(patience_r) if patience_r else None,
                    threshold_s=obs.threshold_s,
                    pool="agents",
                ),
            ),
            pools=(Pool("agents", agents, ("calls",)),),
        )
        run = replicate(config, 1, child)
        for k in KPIS:
            samples[k].append(run.samples(k, channel="calls", level="interval")[0])
    busy = obs.offered >= busy_min_offered
    q = ((1 - level) / 2, 0.5, (1 + level) / 2)
    median, low, high, covered, coverage, mae, width = {}, {}, {}, {}, {}, {}, {}
    pit_coverage = {}
    for k in KPIS:
        sims = np.array(samples[k])
        with warnings.catch_warnings():
            # A replication without arrivals in an interval has no KPI there (NaN): left
            # out; an interval without any (a closed one) has no prediction.
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, mid, hi = np.nanquantile(sims, q, axis=0)
        seen = np.asarray(getattr(obs, k), float)
        scored = busy & np.isfinite(seen) & np.isfinite(mid)
        inside = (seen >= lo - 1e-12) & (seen <= hi + 1e-12)
        median[k], low[k], high[k] = mid, lo, hi
        covered[k] = np.where(scored, inside, False)
        coverage[k] = float(inside[scored].mean()) if scored.any() else float("nan")
        mae[k] = float(np.abs(mid - seen)[scored].mean()) if scored.any() else float("nan")
        width[k] = float((hi - lo)[scored].mean()) if scored.any() else float("nan")
        pit = _randomized_pit(sims[:, scored], seen[scored], rng)
        pit_coverage[k] = float(np.mean((pit >= q[0]) & (pit <= q[2]))) if pit.size else np.nan
    return IntervalPrediction(
        observed=obs,
        busy=busy,
        busy_min_offered=int(busy_min_offered),
        agents=np.asarray(agents),
        agents_source=source,
        level=float(level),
        replications=int(replications),
        seed=int(seed),
        aht_s=float(aht_s),
        aht_se_s=float(aht_se_s),
        patience_s=float(patience.mean_s),
        patience_abandons=int(patience.abandoned),
        median=median,
        low=low,
        high=high,
        covered=covered,
        coverage=coverage,
        pit_coverage=pit_coverage,
        mae=mae,
        width=width,
    )
