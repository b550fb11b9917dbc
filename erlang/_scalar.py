"""Scalar fast path of the Erlang C staffing search: one question in plain Python floats.

The vectorized search (``staffing.required_agents``) answers a year of intervals in one go, but
one interval pays its fixed cost: dozens of small numpy calls (validation, bracketing,
bisection, special functions), about 0.8 ms. One interval needs none of that: the Erlang B
recursion walks the agent counts upwards in plain floats,

    B(0, a) = 1,    B(n, a) = a B(n-1, a) / (n + a B(n-1, a))

(every step a ratio of positive numbers: stable, e.g. Jagerman 1974), and Erlang C follows
from B with the identity the vectorized code uses (``erlang_c._log_erlang_c``),

    C(n, a) = 1 / (1 + (1 - a/n) (1/B - 1)),    n > a,

then SL = 1 - C exp(-(n - a) T / h), ASA = C h / (n - a), occupancy = a / n (Gans, Koole &
Mandelbaum 2003). Under Erlang C every target is monotone in the agent count, so the first
count meeting them all is the answer.

The two paths round differently (the recursion carries a relative error of about n x 1e-16,
the vectorized code evaluates incomplete gamma functions), so where a KPI at the answer or one
agent below it is within ``_TIE`` (relative) of its target, the fast path declines and the
vectorized search decides: both paths then give the same agent count everywhere. It also
declines whatever it does not cover (Erlang A, arrays, loads outside ``(_MIN_LOAD,
_MAX_LOAD]``, targets the vectorized code reports as unreachable, out-of-range arguments,
whose error messages are the vectorized code's): ``None`` means "ask the general search".

References
----------
D. L. Jagerman (1974), "Some properties of the Erlang loss function", *Bell System Technical
Journal* 53(3), 525-551.
N. Gans, G. Koole and A. Mandelbaum (2003), "Telephone call centers: tutorial, review, and
research prospects", *Manufacturing & Service Operations Management* 5(2).
"""

from __future__ import annotations

import math

import numpy as np

from .results import QueueKPIs, StaffingResult

#: Relative distance to a target below which the fast path leaves the decision to the
#: vectorized search (both round to ~1e-13 here; the band is 10,000 times wider).
_TIE = 1e-9
#: Loads the fast path answers [erlangs]: above, the walk from 0 agents gets long (and the
#: vectorized search is as fast); below, loads the vectorized code may round to 0.
_MIN_LOAD, _MAX_LOAD = 1e-6, 2000.0


def _number(value) -> float | None:
    """``value`` as a finite float when it is a plain (or numpy) scalar number, else None."""
    if type(value) is float or type(value) is int:
        x = float(value)
    elif isinstance(value, (np.floating, np.integer)) and not isinstance(value, np.bool_):
        x = float(value)
    else:
        return None
    return x if math.isfinite(x) else None


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= _TIE * max(abs(target), 1e-300)


def erlang_c_staffing(
    calls_per_hour,
    aht_s,
    service_level,
    threshold_s,
    max_asa_s,
    max_abandon,
    max_occupancy,
    max_agents,
    sl_definition,
) -> StaffingResult | None:
    """The Erlang C ``required_agents`` answer of one interval, or None where the fast path
    does not apply (see the module docstring)."""
    cph, aht = _number(calls_per_hour), _number(aht_s)
    if cph is None or aht is None or cph < 0 or aht <= 0:
        return None
    targets = {}
    for name, value, low, high in (
        ("service_level", service_level, 0.0, 1.0),
        ("max_asa_s", max_asa_s, 0.0, math.inf),
        ("max_abandon", max_abandon, 0.0, 1.0),
        ("max_occupancy", max_occupancy, 0.0, 1.0),
    ):
        if value is not None:
            x = _number(value)
            # Bounds exclusive where the vectorized code has a special case (impossible
            # targets, a target met by any staffing): it decides those.
            if x is None or not low < x < high and not (name == "max_occupancy" and x == 1.0):
                return None
            targets[name] = x
    if "service_level" not in targets and "max_asa_s" not in targets:
        return None  # occupancy alone may be met at n = a: the general search decides
    t = 0.0
    if threshold_s is not None:
        t = _number(threshold_s)
        if t is None or t < 0:
            return None
    if max_agents is not None and (
        isinstance(max_agents, bool) or not isinstance(max_agents, (int, np.integer))
    ):
        return None
    a = cph / 3600.0 * aht  # offered_load_erlangs, same operations
    if not _MIN_LOAD < a <= _MAX_LOAD:
        return None

    sl_target = targets.get("service_level")
    asa_target = targets.get("max_asa_s")
    occ_target = targets.get("max_occupancy")

    try:
        return _search(a, aht, t, sl_target, asa_target, occ_target, max_agents, sl_definition)
    except _Decline:
        return None


class _Decline(Exception):
    """The fast path does not answer this question."""


def _search(a, aht, t, sl_target, asa_target, occ_target, max_agents, sl_definition):
    """The first count meeting every target (``erlang_c_staffing`` after its checks)."""

    def at(n: int, b: float):
        """(P(wait), SL, ASA, occupancy) at ``n`` agents, ``b`` = B(n, a)."""
        if n <= a:  # unstable: everybody waits, for ever
            return 1.0, 0.0, math.inf, 1.0
        c = 1.0 / (1.0 + (n - a) / n * ((1.0 - b) / b))
        if c <= 0.0:
            raise _Decline  # 1/B overflowed: far beyond the load, the vectorized code decides
        sl = -math.expm1(math.log(c) - (n - a) * t / aht)
        return c, sl, c * aht / (n - a), a / n

    def misses(kpis) -> list[str]:
        _, sl, asa, occ = kpis
        out = []
        if sl_target is not None and not sl >= sl_target:
            out.append("service_level")
        if asa_target is not None and not asa <= asa_target:
            out.append("max_asa_s")
        if occ_target is not None and not occ <= occ_target:
            out.append("max_occupancy")
        return out

    def near(kpis) -> bool:
        _, sl, asa, occ = kpis
        return (
            (sl_target is not None and _close(sl, sl_target))
            or (asa_target is not None and math.isfinite(asa) and _close(asa, asa_target))
            or (occ_target is not None and _close(occ, occ_target))
        )

    # Counts up to the load are unstable (every SL and ASA target missed): B only.
    b, n = 1.0, 0
    while n + 1 <= a:
        n += 1
        b = a * b / (n + a * b)
    below = at(n, b)
    while True:
        n += 1
        b = a * b / (n + a * b)
        if b <= 0.0:
            raise _Decline  # underflow: far beyond any sensible target
        here = at(n, b)
        if not misses(here):
            break
        below = here
        if n > 2 * _MAX_LOAD + 1000:
            raise _Decline
    if near(here) or near(below) or (max_agents is not None and n > max_agents):
        raise _Decline
    binding = "+".join(misses(below))
    p_wait, sl, asa, occupancy = here
    kpis = QueueKPIs(
        model="erlang_c",
        agents=n,
        threshold_s=t,
        load_erlangs=a,
        p_wait=p_wait,
        p_abandon=0.0,
        service_level=sl,
        service_level_excl_short_abandons=sl,
        service_level_of_answered=sl,
        asa_s=asa,
        mean_wait_s=asa,
        occupancy=occupancy,
    )
    return StaffingResult(
        agents=n, reachable=True, binding=binding, kpis=kpis, sl_definition=sl_definition
    )


_NAMES = ("service_level", "max_asa_s", "max_occupancy")


def erlang_c_walk(a, aht_s, threshold_s, targets: dict, impossible, max_agents):
    """The scalar walk vectorized over intervals (Erlang C; ``targets``: name -> per-interval
    standard, as ``staffing._Problem`` holds them): per interval the first count meeting every
    target, found by the Erlang B recursion with cheap array operations (no special
    function). Returns ``(agents, binding, walked, kpis)``: ``walked`` marks the intervals
    answered (those with no load, at 0 agents, among them; the others -- outside the loads and
    targets the walk covers, or within ``_TIE`` of a target at the answer or one agent below
    it -- are left to the vectorized search); ``kpis`` (P(wait), SL, ASA, occupancy) at the
    answer, within ~1e-13 (relative) of the closed forms where walked."""
    size = a.size
    # The KPIs at the answer, as ``erlang_c._erlang_c`` names them.
    kpis = {k: np.zeros(size) for k in ("p_wait", "service_level", "asa_s", "occupancy")}
    agents = np.full(size, -1, dtype=np.int64)
    binding = np.full(size, "", dtype=object)
    walked = np.zeros(size, dtype=bool)
    # No load: nothing waits, nobody is busy, every target is met with no agent at all.
    idle = a == 0.0
    agents[idle], binding[idle], walked[idle] = 0, "none", True
    kpis["service_level"][idle] = 1.0
    sl_t = targets.get("service_level")
    asa_t = targets.get("max_asa_s")
    occ_t = targets.get("max_occupancy")
    if sl_t is None and asa_t is None:
        return agents, binding, walked, kpis
    ok = (a > _MIN_LOAD) & (a <= _MAX_LOAD) & ~impossible
    if sl_t is not None:
        ok &= (sl_t > 0.0) & (sl_t < 1.0)
    if asa_t is not None:
        ok &= asa_t > 0.0
    if occ_t is not None:
        ok &= occ_t > 0.0
    idx = np.flatnonzero(ok)
    if not idx.size:
        return agents, binding, walked, kpis
    load, rate, h = a[idx], threshold_s[idx] / aht_s[idx], aht_s[idx]
    sl_i = None if sl_t is None else sl_t[idx]
    asa_i = None if asa_t is None else asa_t[idx]
    occ_i = None if occ_t is None else occ_t[idx]
    # Phase 1: B(n) up to n = floor(a), where every SL and ASA target is missed (unstable).
    # Sorted by load, the intervals still recursing at step n are a suffix: plain slices.
    order = np.argsort(load, kind="stable")
    sorted_load = load[order]
    b_sorted = np.ones(idx.size)
    n_stop = np.floor(sorted_load)
    step = 1
    first = int(np.searchsorted(n_stop, 1.0, side="left"))
    while first < idx.size:
        x = sorted_load[first:]
        ab = x * b_sorted[first:]
        b_sorted[first:] = ab / (step + ab)
        step += 1
        first = int(np.searchsorted(n_stop, float(step), side="left"))
    b = np.empty(idx.size)
    b[order] = b_sorted
    # Phase 2: one agent more at a time in every interval still walking, KPIs each time; the
    # arrays hold the walking intervals only (compacted as they finish).
    wanted = [(k, std) for k, std in enumerate((sl_i, asa_i, occ_i)) if std is not None]
    pos = np.arange(idx.size)
    n = np.floor(load)  # B(n) known here; n <= a: unstable (SL 0, ASA inf, occupancy 1)
    x, r, hh = load, rate, h
    stds = [std for _, std in wanted]
    below = [np.array([0.0, np.inf, 1.0][k]).repeat(idx.size) for k, _ in wanted]
    limit = 2 * _MAX_LOAD + 1000
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        while pos.size:
            n = n + 1.0
            ab = x * b
            b = ab / (n + ab)
            gap = n - x
            c = 1.0 / (1.0 + gap / n * ((1.0 - b) / b))
            here = []
            missed = np.zeros(pos.size, dtype=bool)
            for (k, _), s in zip(wanted, stds, strict=True):
                if k == 0:
                    value = -np.expm1(np.log(c) - gap * r)
                    missed |= ~(value >= s)
                else:
                    value = c * hh / gap if k == 1 else x / n
                    missed |= ~(value <= s)
                here.append(value)
            hit = ~missed & (c > 0.0)
            if hit.any():
                near = np.zeros(int(hit.sum()), dtype=bool)
                names = np.full(near.size, "", dtype=object)
                for (k, _), s, now, prev in zip(wanted, stds, here, below, strict=True):
                    s, now, prev = s[hit], now[hit], prev[hit]
                    band = _TIE * np.maximum(np.abs(s), 1e-300)
                    near |= np.abs(now - s) <= band
                    near |= np.isfinite(prev) & (np.abs(prev - s) <= band)
                    fails = ~(prev >= s) if k == 0 else ~(prev <= s)
                    name = _NAMES[k]
                    names = np.where(fails, np.where(names == "", name, names + "+" + name), names)
                nh = n[hit]
                good = ~near & (nh <= max_agents)
                where = idx[pos[hit][good]]
                agents[where] = nh[good].astype(np.int64)
                binding[where] = names[good]
                walked[where] = True
                ch, gh, xh = c[hit][good], gap[hit][good], x[hit][good]
                kpis["p_wait"][where] = ch
                kpis["service_level"][where] = -np.expm1(np.log(ch) - gh * r[hit][good])
                kpis["asa_s"][where] = ch * hh[hit][good] / gh
                kpis["occupancy"][where] = xh / nh[good]
            # 1/B overflowing (c = 0) or B underflowing: far beyond the load, not walked.
            keep = ~hit & (c > 0.0) & (b > 0.0) & (n <= limit)
            if not keep.all():
                pos, n, b, x, r, hh = (v[keep] for v in (pos, n, b, x, r, hh))
                stds = [v[keep] for v in stds]
                here = [v[keep] for v in here]
            below = here
    return agents, binding, walked, kpis
