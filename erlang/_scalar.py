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
