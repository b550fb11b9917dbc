"""Demand drivers: self-service deflection, first-contact resolution (repeat contacts) and
retrials of abandoned calls, turned into the arrivals that planning staffs for.

Per channel ``c`` and interval ``t`` (contacts in the interval), with ``F`` the forecast
first contacts, ``d`` the bot's deflection share, ``a`` the predicted abandonment share of
offered contacts (``ChannelPlan.p_abandon``):

* offered ``O_c = (1 - d_c) F_c + R_c + B_c`` (the bot resolves ``d F``; the rest reach agents
  with handle time x ``aht_multiplier``);
* repeats arriving on ``c``: ``R_c = sum over channels k repeating to c of
  shift(u_k (1 - a_k) O_k, repeat_delay_k)``, ``u_k = (1 - fcr_k) x repeat_share_k``
  (answered contacts left unresolved come back; repeats have the FCR of the channel they
  land on, so a repeat can repeat again: a geometric series, total ``F / (1 - u)`` on one
  stationary channel);
* retrials: ``B_c = shift(r_c a_c O_c, retrial_delay_c)`` (abandoners who call again; a
  retrial can abandon and retry again, as in the simulator).

``shift(x, D)`` moves volume later by a random delay ``D``: with arrivals uniform within an
interval of length ``L``, the share landing ``j`` intervals later is
``k_j = (H((j+1)L) - 2 H(jL) + H((j-1)L)) / L`` with ``H(x) = E[(x - D)^+]`` (the convolution
of the uniform position with ``D``, exact for every delay distribution below). Volume shifted
past the horizon is lost; repeats of contacts before the start are not known (the plan
starts with no history, which understates the first days by up to the repeats in flight).
Voice and chat volume landing in a closed interval is moved to the next opening, spread
over those open hours like the channel's forecast (callers come back when callers call,
not all at the opening minute).

The abandonment depends on the staffing, which depends on the arrivals: ``fixed_point``
iterates plan -> abandonment -> arrivals until no interval's arrivals move by more than
``TOLERANCE_CONTACTS`` (at most ``MAX_ITERATIONS`` passes). Whole agents can make it cycle (n
agents abandon enough retrials to need n + 1, whose lower abandonment needs only n): after
``CYCLE_AFTER`` passes the staffing may only rise (each pass staffs at least the larger of the
last two passes' agents, counted in ``DriverLoad.flipping_intervals``), so the passes end at
a staffing that meets the targets at the arrivals its own abandonment implies (at most one
agent more than the cycle's smaller staffing in those intervals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from .demand import ChannelDemand, IntervalTable
from .distributions import DistributionSpec
from .scenario import Channel, Scenario

#: Convergence of the arrivals fixed point [contacts per interval].
TOLERANCE_CONTACTS = 1e-6
#: Most plan <-> abandonment passes (and inner repeat passes) before giving up.
MAX_ITERATIONS = 60
#: Passes after which staffing may only rise, ending a cycle of whole agents (module doc).
CYCLE_AFTER = 6
#: Tail mass of a delay distribution dropped from its kernel.
TAIL = 1e-10


@dataclass(frozen=True)
class ChannelDrivers:
    """Where one channel's offered contacts come from (arrays per interval, contacts)."""

    forecast: np.ndarray
    """First contacts forecast for the channel (before self-service)."""
    deflected: np.ndarray
    """Resolved by self-service while the bot is up (never reach agents)."""
    repeats: np.ndarray
    """Repeat contacts arriving on this channel (unresolved earlier contacts)."""
    retrials: np.ndarray
    """Abandoned callers calling again."""

    @property
    def offered(self) -> np.ndarray:
        """Contacts offered to the agents: forecast - deflected + repeats + retrials."""
        return self.forecast - self.deflected + self.repeats + self.retrials


@dataclass(frozen=True)
class DriverLoad:
    """The drivers' contacts per channel and how the fixed point ended."""

    channels: dict[str, ChannelDrivers]
    iterations: int
    """Plan <-> abandonment passes made."""
    converged: bool
    """Whether the last pass moved no interval's arrivals by more than ``tolerance``."""
    flipping_intervals: int = 0
    """Intervals whose whole agents still flipped after ``CYCLE_AFTER`` passes (n and n + 1):
    staffed with the larger, the arrivals those agents' abandonment implies."""
    tolerance: float = TOLERANCE_CONTACTS


def has_drivers(scenario: Scenario) -> bool:
    """Whether any channel has FCR, self-service or retrials."""
    return any(
        c.fcr is not None or c.self_service is not None or c.retrials is not None
        for c in scenario.channels
    )


def partial_mean(spec: DistributionSpec, x: np.ndarray) -> np.ndarray:
    """``H(x) = E[(x - D)^+]`` of the delay ``D`` at ``x >= 0`` [s] (the integral of its CDF
    from 0 to x): ``x F(x) - E[D; D <= x]``, in closed form per kind (lognormal:
    ``E[D; D <= x] = m Phi((ln x - mu - s^2) / s)``; gamma (exponential: shape 1):
    ``k theta P(k + 1, x / theta)``)."""
    x = np.asarray(x, dtype=float)
    if spec.kind == "deterministic":
        return np.maximum(x - spec.mean_s, 0.0)
    if spec.kind == "empirical":
        values = np.asarray(spec.values_s, dtype=float)
        return np.maximum(x[..., None] - values, 0.0).mean(axis=-1)
    m = spec.mean_s
    if spec.kind == "lognormal":
        s2 = np.log1p(spec.cv**2)
        mu, s = np.log(m) - 0.5 * s2, np.sqrt(s2)
        with np.errstate(divide="ignore"):
            log_x = np.log(np.maximum(x, 0.0))
        cdf = special.ndtr((log_x - mu) / s)
        below = m * special.ndtr((log_x - mu - s2) / s)
        return x * cdf - below
    shape = 1.0 if spec.kind == "exponential" else 1.0 / spec.cv**2
    theta = m / shape
    z = np.maximum(x, 0.0) / theta
    return x * special.gammainc(shape, z) - m * special.gammainc(shape + 1.0, z)


def _longest_delay_s(spec: DistributionSpec) -> float:
    """A delay exceeded with probability below ``TAIL``."""
    if spec.kind in ("deterministic", "empirical"):
        return spec.mean_s if spec.kind == "deterministic" else max(spec.values_s)
    # The (1 - TAIL) quantile in closed form (scipy.stats costs a second to import).
    if spec.kind == "lognormal":
        s2 = np.log1p(spec.cv**2)
        return float(spec.mean_s * np.exp(-0.5 * s2 - np.sqrt(s2) * special.ndtri(TAIL)))
    shape = 1.0 if spec.kind == "exponential" else 1.0 / spec.cv**2
    return float(special.gammainccinv(shape, TAIL) * spec.mean_s / shape)


def delay_kernel(spec: DistributionSpec, interval_s: float, n_intervals: int) -> np.ndarray:
    """``k[j]``: share of the contacts of an interval (arriving uniformly within it) that a
    delay ``spec`` moves ``j`` intervals later, ``j < n_intervals`` (the rest fall past the
    horizon): the second difference of ``partial_mean`` (module docstring)."""
    last = min(n_intervals, int(np.ceil(_longest_delay_s(spec) / interval_s)) + 2)
    edges = np.arange(-1, last + 1) * interval_s
    h = partial_mean(spec, np.maximum(edges, 0.0))
    kernel = (h[2:] - 2.0 * h[1:-1] + h[:-2]) / interval_s
    return np.clip(kernel, 0.0, None)


def shift(volume: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``volume`` moved later by the delay whose ``delay_kernel`` is ``kernel`` (same
    length as ``volume``; what falls past the end is dropped)."""
    n = volume.size
    if not volume.any():
        return np.zeros(n)
    if kernel.size > 64:  # the convolution by FFT, zero-padded against wrap-around
        size = 1 << int(np.ceil(np.log2(n + kernel.size - 1)))
        out = np.fft.irfft(np.fft.rfft(volume, size) * np.fft.rfft(kernel, size), size)[:n]
        return np.clip(out, 0.0, None)  # FFT round-off around exact zeros
    return np.convolve(volume, kernel)[:n]


def to_open(volume: np.ndarray, is_open: np.ndarray, weights: np.ndarray | None = None):
    """``volume`` with what lands in closed intervals moved to the next opening: spread over
    the next run of open intervals in proportion to ``weights`` there (the channel's forecast:
    callers come back when callers call; evenly where the weights are all 0), dropped when no
    opening follows within the horizon."""
    if is_open.all():
        return volume
    n = volume.size
    starts = is_open & ~np.concatenate([[False], is_open[:-1]])
    run = np.where(is_open, np.cumsum(starts) - 1, -1)  # open interval -> its run
    open_idx = np.flatnonzero(is_open)
    nxt = np.searchsorted(open_idx, np.arange(n))
    closed = ~is_open & (nxt < open_idx.size) & (volume != 0)
    out = np.where(is_open, volume, 0.0)
    if not closed.any():
        return out
    runs = int(starts.sum())
    moved = np.bincount(run[open_idx[nxt[closed]]], weights=volume[closed], minlength=runs)
    w = np.where(is_open, 1.0 if weights is None else np.asarray(weights, dtype=float), 0.0)
    r = run[is_open]
    total = np.bincount(r, weights=w[is_open], minlength=runs)[r]
    count = np.bincount(r, minlength=runs)[r]
    share = np.where(total > 0, w[is_open] / np.where(total > 0, total, 1.0), 1.0 / count)
    out[is_open] += moved[r] * share
    return out


def deflect(channel: Channel, demand: ChannelDemand) -> ChannelDemand:
    """The channel's demand with self-service applied: ``(1 - deflection)`` of the contacts,
    handle time x ``aht_multiplier`` (the bot up all the time)."""
    ss = channel.self_service
    if ss is None:
        return demand
    keep = 1.0 - ss.deflection
    return replace(
        demand,
        offered=demand.offered * keep,
        calls_per_hour=demand.calls_per_hour * keep,
        aht_s=demand.aht_s * ss.aht_multiplier,
    )


def with_offered(demand: ChannelDemand, offered: np.ndarray, interval_s: float) -> ChannelDemand:
    """``demand`` with ``offered`` contacts per interval (and the matching rate)."""
    return replace(demand, offered=offered, calls_per_hour=offered * 3600.0 / interval_s)


def _kernels(scenario: Scenario, n: int):
    """Per channel: (repeat target, repeat share u, kernel) and (retrial share, kernel)."""
    repeats, retrials = {}, {}
    for ch in scenario.channels:
        if ch.fcr is not None:
            u = (1.0 - ch.fcr.rate) * ch.fcr.repeat_share
            if u > 0:
                kernel = delay_kernel(ch.fcr.repeat_delay, scenario.interval_s, n)
                repeats[ch.name] = (ch.fcr.repeat_channel or ch.name, u, kernel)
        if ch.retrials is not None and ch.retrials.share > 0:
            kernel = delay_kernel(ch.retrials.delay, scenario.interval_s, n)
            retrials[ch.name] = (ch.retrials.share, kernel)
    return repeats, retrials


def arrivals(
    scenario: Scenario,
    base: dict[str, np.ndarray],
    p_abandon: dict[str, np.ndarray],
    is_open: dict[str, np.ndarray],
    kernels,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Offered contacts, repeats and retrials per channel at fixed abandonment shares
    ``p_abandon``: the linear part of the model (module docstring), iterated from ``base``
    until no interval moves by more than ``TOLERANCE_CONTACTS``."""
    repeat_k, retrial_k = kernels
    kinds = {c.name: c.kind for c in scenario.channels}
    offered = dict(base)
    for _ in range(10 * MAX_ITERATIONS):
        rep = {name: np.zeros_like(v) for name, v in base.items()}
        ret = {name: np.zeros_like(v) for name, v in base.items()}
        for name, (target, u, kernel) in repeat_k.items():
            rep[target] += shift(u * (1.0 - p_abandon[name]) * offered[name], kernel)
        for name, (share, kernel) in retrial_k.items():
            ret[name] += shift(share * p_abandon[name] * offered[name], kernel)
        new = {}
        for name in base:
            extra = rep[name] + ret[name]
            if kinds[name] != "deferred":
                rep[name] = to_open(rep[name], is_open[name], base[name])
                ret[name] = to_open(ret[name], is_open[name], base[name])
                extra = rep[name] + ret[name]
            new[name] = base[name] + extra
        moved = max(float(np.max(np.abs(new[k] - offered[k]), initial=0.0)) for k in base)
        offered = new
        if moved <= TOLERANCE_CONTACTS:
            break
    return offered, rep, ret


def _moved(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """Largest change of any channel's arrivals in any interval [contacts]."""
    return max(float(np.max(np.abs(a[k] - b[k]), initial=0.0)) for k in a)


def fixed_point(
    scenario: Scenario,
    table: IntervalTable,
    plan_channel: Callable[[Channel, ChannelDemand], object],
) -> tuple[IntervalTable, dict, DriverLoad]:
    """The drivers' arrivals and the channel plans at their fixed point.

    ``table`` holds the forecast first contacts; ``plan_channel(channel, demand)`` plans one
    channel (a ``ChannelPlan`` with ``p_abandon``). Each pass computes the arrivals at the
    last plan's abandonment (``arrivals``), plans every channel at them and stops when the
    arrivals moved by at most ``TOLERANCE_CONTACTS`` in every interval. Returns the table
    of offered contacts, the plans and the ``DriverLoad``."""
    n = table.n_intervals
    kernels = _kernels(scenario, n)
    demands = {ch.name: deflect(ch, table.channels[ch.name]) for ch in scenario.channels}
    base = {name: d.offered for name, d in demands.items()}
    is_open = {name: d.open for name, d in demands.items()}
    p_abandon = {name: np.zeros(n) for name in base}
    history, plans, converged, flipping, passes = [], {}, False, 0, 0
    floor = None  # staffing held up once whole agents cycle

    done = {}  # channel -> (offered, floor, demand, plan) of its last planning

    def planned(offered):
        out_demands, out_plans = {}, {}
        for ch in scenario.channels:
            name, held = ch.name, None if floor is None else floor[ch.name]
            last = done.get(name)
            if (
                last is None
                or not np.array_equal(last[0], offered[name])
                or not (held is None and last[1] is None or np.array_equal(held, last[1]))
            ):  # re-plan only a channel whose arrivals or staffing floor changed
                demand = with_offered(demands[name], offered[name], table.interval_s)
                last = done[name] = (offered[name], held, demand, plan_channel(ch, demand, held))
            out_demands[name], out_plans[name] = last[2], last[3]
        return out_demands, out_plans

    for passes in range(1, MAX_ITERATIONS + 1):  # noqa: B007 (read after the loop)
        offered, rep, ret = arrivals(scenario, base, p_abandon, is_open, kernels)
        if history and _moved(offered, history[-1]) <= TOLERANCE_CONTACTS:
            converged = True  # the plan of the last pass is the plan of these arrivals
            break
        previous = plans
        demands, plans = planned(offered)
        if len(history) >= CYCLE_AFTER:
            # Whole agents flip (n agents abandon enough to need n + 1, whose lower
            # abandonment needs only n): from here staffing only rises (the larger of the last
            # two passes'), so the passes end, with the arrivals of that staffing.
            raised = {
                k: np.maximum(plans[k].required_agents, previous[k].required_agents) for k in base
            }
            if floor is None:
                flipping = sum(int(np.sum(raised[k] > plans[k].required_agents)) for k in base)
            floor = raised
            demands, plans = planned(offered)
        p_abandon = {name: np.asarray(p.p_abandon, dtype=float) for name, p in plans.items()}
        history.append(offered)
        if not kernels[1] and not kernels[0]:
            converged = True  # nothing depends on the plan: one pass is exact
            break
    load = DriverLoad(
        channels={
            ch.name: ChannelDrivers(
                forecast=table.channels[ch.name].offered,
                deflected=table.channels[ch.name].offered - base[ch.name],
                repeats=rep[ch.name],
                retrials=ret[ch.name],
            )
            for ch in scenario.channels
        },
        iterations=passes,
        converged=converged,
        flipping_intervals=flipping,
    )
    return replace(table, channels=demands), plans, load
