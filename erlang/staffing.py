"""Staffing search: the smallest number of agents that meets every target, per interval."""

from __future__ import annotations

import numpy as np

from ._scalar import erlang_c_staffing, erlang_c_walk
from ._validate import as_float_array, as_fraction, as_patience, is_scalar
from .erlang_a import _erlang_a
from .erlang_c import _erlang_c
from .load import offered_load_erlangs
from .results import QueueKPIs, StaffingResult
from .service_level import SLDefinition

# Target names, in the order they are reported in ``StaffingResult.binding``.
_TARGETS = ("service_level", "max_asa_s", "max_abandon", "max_occupancy")


#: Agent counts computed from loads are clipped here before the cast to int64: loads of
#: 1e300 erlangs must give "unreachable", not an overflowed (negative) count.
_COUNT_CAP = 1e15


def _kpis(model, n, a, aht_s, patience_s, threshold_s, with_asa, with_sl=True):
    if model == "erlang_c":
        return _erlang_c(n, a, aht_s, threshold_s)
    return _erlang_a(n, a, aht_s, patience_s, threshold_s, with_asa=with_asa, with_sl=with_sl)


#: Counts remembered per question by ``_Problem.kpis``: the bisection's last bracket is among
#: them (about log2(sqrt(load)) + 2 counts are evaluated per question).
_SLOTS = 8


class _Problem:
    """Flat arrays for one staffing question per element (interval)."""

    def __init__(self, model, a, aht_s, patience_s, threshold_s, targets, sl_definition):
        self.model = model
        self.a, self.aht_s, self.patience_s, self.threshold_s = a, aht_s, patience_s, threshold_s
        self.targets = targets  # name -> flat array (only the targets that were given)
        self.sl_definition = sl_definition
        self.sl_field = sl_definition.field
        # Targets whose satisfaction is monotone in the agent count (so bisection is exact):
        # under Erlang C all of them; under Erlang A the SL of offered and the abandonment
        # (adding an agent shortens every caller's virtual wait). The excl-short-abandons and
        # of-answered SL, the ASA of answered callers and (unproven) the occupancy of Erlang A
        # are checked by scanning upwards instead.
        if model == "erlang_c":
            self.monotone = list(targets)
        else:
            self.monotone = [k for k in ("max_abandon",) if k in targets]
            if "service_level" in targets and sl_definition is SLDefinition.OF_OFFERED:
                self.monotone.insert(0, "service_level")
        self.scanned = [k for k in targets if k not in self.monotone]
        # The counts evaluated last per question and their KPIs (``kpis``), in a ring.
        size = a.size
        self._seen_n = np.full((size, _SLOTS), -1.0)
        fields = {self.sl_field, "asa_s", "p_abandon", "occupancy"}
        self._seen = {field: np.zeros((size, _SLOTS)) for field in fields}
        self._next = np.zeros(size, dtype=np.int64)

    def subset(self, idx) -> _Problem:
        """The questions ``idx`` alone."""
        return _Problem(
            self.model,
            self.a[idx],
            self.aht_s[idx],
            self.patience_s[idx],
            self.threshold_s[idx],
            {k: v[idx] for k, v in self.targets.items()},
            self.sl_definition,
        )

    def kpis(self, n, idx, with_asa):
        """The KPIs the targets read, at ``n`` agents for the questions ``idx``. The last
        ``_SLOTS`` counts evaluated per question are remembered: the occupancy floor, the
        scan and the binding clause look again at counts the bisection evaluated (its last
        bracket), and are answered from memory (an ASA only if it was computed)."""
        match = self._seen_n[idx] == n[:, None]
        if with_asa:
            match &= ~np.isnan(self._seen["asa_s"][idx])
        hit = match.any(axis=1)
        slot = match.argmax(axis=1)
        out = {field: values[idx, slot] for field, values in self._seen.items()}
        miss = np.flatnonzero(~hit)
        if miss.size:
            i = idx[miss]
            k = _kpis(
                self.model,
                n[miss],
                self.a[i],
                self.aht_s[i],
                self.patience_s[i],
                self.threshold_s[i],
                with_asa=with_asa,
                # Erlang A's threshold quantities only where an SL target reads them.
                with_sl="service_level" in self.targets,
            )
            for field in out:
                out[field][miss] = k[field]
            first = np.arange(i.size)
            if i.size > 1 and not np.all(i[1:] > i[:-1]):
                # One slot per question and call (a scan asks several counts of a question).
                i, first = np.unique(i, return_index=True)
            slot = self._next[i] % _SLOTS
            self._next[i] += 1
            self._seen_n[i, slot] = n[miss][first]
            for field, values in self._seen.items():
                values[i, slot] = k[field][first]
        return out

    def failing(self, n, idx, names):
        """Per target in ``names``: boolean array, True where ``n`` agents miss it."""
        k = self.kpis(n, idx, with_asa="max_asa_s" in names)
        fails = {}
        for name in names:
            target = self.targets[name][idx]
            if name == "service_level":
                fails[name] = ~(k[self.sl_field] >= target)
            elif name == "max_asa_s":
                fails[name] = ~(k["asa_s"] <= target)
            elif name == "max_abandon":
                fails[name] = ~(k["p_abandon"] <= target)
            else:
                fails[name] = ~(k["occupancy"] <= target)
        return fails

    def ok(self, n, idx, names):
        fails = self.failing(n, idx, names)
        bad = np.zeros(np.shape(n), dtype=bool)
        for f in fails.values():
            bad |= f
        return ~bad


#: Largest explicit ``max_agents`` accepted, and the ceiling of the load-scaled default.
_MAX_AGENTS_LIMIT = 10_000_000

#: The default cap never goes below the fixed cap it replaces, so every answer found before
#: is still found.
_MIN_DEFAULT_CAP = 100_000


def _default_max_agents(problem) -> int:
    """The search cap when ``max_agents`` is None: scaled with the largest load.

    Square-root staffing (Halfin & Whitt, "Heavy-traffic limits for queues with many
    exponential servers", Oper. Res. 29(3), 1981): with ``n = a + beta * sqrt(a)`` agents the
    probability of waiting tends to the Halfin-Whitt function of ``beta``, about 1e-22 at
    ``beta = 10``, far below any target a double can tell from 1; ``+ 100`` covers small loads
    where the limit is not yet reached. An occupancy cap ``rho`` needs ``a / rho`` agents at
    most (the carried load never exceeds the offered), so that count is allowed too.
    """
    a = np.minimum(problem.a, _COUNT_CAP)
    need = a + 10.0 * np.sqrt(a) + 100.0
    occ = problem.targets.get("max_occupancy")
    if occ is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.maximum(need, np.where(occ > 0, a / occ + 1.0, 0.0))
    top = float(np.max(need)) if need.size else 0.0
    return int(min(max(np.ceil(top), _MIN_DEFAULT_CAP), _MAX_AGENTS_LIMIT))


def _bisect(problem, names, lo, hi, max_agents):
    """Smallest ``n`` in ``(lo, max_agents]`` meeting ``names`` (monotone), or -1 if none.

    ``lo`` must fail (or be -1); ``hi`` is a first guess, grown geometrically until it meets.
    """
    size = lo.size
    idx = np.arange(size)
    hi = np.clip(np.maximum(hi, lo + 1), 0, max_agents)
    found = problem.ok(hi.astype(float), idx, names)
    # Grow the bracket geometrically where the guess still fails; a count at the cap that
    # still fails leaves hi == lo (unreachable).
    width = np.sqrt(problem.a) + 1.0
    grow = np.flatnonzero(~found)
    while grow.size:
        lo[grow] = hi[grow]
        grow = grow[hi[grow] < max_agents]
        if not grow.size:
            break
        step = np.ceil(np.minimum(width[grow], _COUNT_CAP)).astype(np.int64)
        hi[grow] = np.minimum(hi[grow] + step, max_agents)
        width[grow] *= 2.0
        ok = problem.ok(hi[grow].astype(float), grow, names)
        grow = grow[~ok]
    reachable = hi > lo
    active = np.flatnonzero(reachable & (hi - lo > 1))
    while active.size:
        mid = (lo[active] + hi[active]) // 2
        ok = problem.ok(mid.astype(float), active, names)
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok]
        active = active[hi[active] - lo[active] > 1]
    return np.where(reachable, hi, -1)


def _scan(problem, start, max_agents, span=None):
    """Smallest ``n >= start`` meeting every target, checking counts one by one (in chunks),
    up to ``max_agents`` and, if ``span`` is given, at most ``span`` counts above ``start``."""
    names = list(problem.targets)
    answer = np.full(start.size, -1, dtype=np.int64)
    active = np.flatnonzero(start >= 0)
    limit = np.full(start.size, max_agents, dtype=np.int64)
    if span is not None:
        limit = np.minimum(limit, start + span)
    base = start.copy()
    # After a bisection the start alone first: mostly the answer, and remembered (``kpis``).
    chunk = 1 if problem.monotone else 4
    while active.size:
        offsets = np.arange(chunk)
        cand = base[active, None] + offsets[None, :]
        valid = cand <= limit[active, None]
        rows = np.repeat(active, chunk)
        ok = problem.ok(np.minimum(cand, max_agents).ravel().astype(float), rows, names)
        ok = ok.reshape(cand.shape) & valid
        hit = ok.any(axis=1)
        answer[active[hit]] = cand[hit, np.argmax(ok[hit], axis=1)]
        base[active] += chunk
        active = active[~hit & (base[active] <= limit[active])]
        chunk = min(chunk * 2, 1024)
    return answer


#: Margin of the Erlang A lower bounds of ``_lower_bounds`` (absolute, on shares).
_BOUND_MARGIN = 1e-6


def _lower_bounds(problem):
    """Agent counts known to miss the (monotone) targets: a safe start for the search."""
    a = problem.a
    lo = np.full(a.size, -1, dtype=np.int64)
    if problem.model == "erlang_c":
        # Unstable queues (n <= a) miss any SL target above 0 and any finite ASA target.
        sl = problem.targets.get("service_level")
        needs_stability = np.zeros(a.size, dtype=bool)
        if sl is not None:
            needs_stability |= sl > 0
        if "max_asa_s" in problem.targets:
            needs_stability[:] = True
        lo = np.where(
            needs_stability & (a > 0), np.floor(np.minimum(a, _COUNT_CAP)).astype(np.int64), lo
        )
        occ = problem.targets.get("max_occupancy")
        if occ is not None:
            # Occupancy a/n above the cap below n = a/cap (cap 0 is handled as impossible).
            with np.errstate(divide="ignore", invalid="ignore"):
                floor = np.where(occ > 0, np.ceil(np.minimum(a / occ, _COUNT_CAP)), 0.0)
            lo = np.maximum(lo, floor.astype(np.int64) - 1)
    else:
        # Erlang A: the carried load a P(answered) is at most n, so SL (of offered) <= P(answered)
        # <= n/a and P(abandon) >= 1 - n/a. Counts with n/a below the SL target, or below one
        # minus the abandonment cap, by more than _BOUND_MARGIN (far above the KPIs' rounding)
        # miss them.
        share = np.full(a.size, -np.inf)
        if "service_level" in problem.monotone:
            share = np.maximum(share, problem.targets["service_level"] - _BOUND_MARGIN)
        if "max_abandon" in problem.monotone:
            share = np.maximum(share, 1.0 - problem.targets["max_abandon"] - _BOUND_MARGIN)
        with np.errstate(invalid="ignore"):
            floor = np.floor(np.minimum(a, _COUNT_CAP) * share)
        lo = np.where((a > 0) & (floor >= 0), floor, -1).astype(np.int64)
    return lo


def _impossible(problem):
    """Targets that no finite staffing meets although rounding might say so.

    With load > 0 the probability of waiting longer than the threshold, of abandoning (Erlang
    A) and the ASA are strictly positive for every finite agent count, so an SL target of 100%,
    an abandonment cap of 0 or an ASA cap of 0 s is unreachable (their double-precision values
    underflow to the target at large staffing, which must not count as meeting it).
    """
    busy = problem.a > 0
    out = np.zeros(problem.a.size, dtype=bool)
    t = problem.targets
    if "service_level" in t:
        out |= busy & (t["service_level"] >= 1.0)
    if "max_asa_s" in t:
        out |= busy & (t["max_asa_s"] <= 0.0)
    if "max_abandon" in t and problem.model == "erlang_a":
        out |= busy & (t["max_abandon"] <= 0.0)
    if "max_occupancy" in t:
        out |= busy & (t["max_occupancy"] <= 0.0)
    return out


def required_agents(
    calls_per_hour,
    aht_s,
    *,
    patience_s=None,
    service_level=None,
    threshold_s=None,
    sl_definition=SLDefinition.OF_OFFERED,
    max_asa_s=None,
    max_abandon=None,
    max_occupancy=None,
    max_agents=None,
    with_asa: bool = True,
) -> StaffingResult:
    """Smallest number of agents meeting every given target, per interval.

    Erlang A (M/M/n+M, exponential patience with mean ``patience_s``) when ``patience_s`` is
    given, Erlang C (M/M/n, nobody abandons) otherwise. Every array argument broadcasts
    (one element per interval); scalar inputs give a scalar answer.

    Parameters
    ----------
    calls_per_hour : array_like
        Arrival rate [contacts/h], >= 0.
    aht_s : array_like
        Average handle time [s], > 0.
    patience_s : array_like, optional
        Mean patience [s], in (0, 86400] (one day, as in the scenario schema). Selects
        Erlang A.
    service_level : array_like, optional
        SL target, a fraction in [0, 1] (0.8 for 80%); needs ``threshold_s``.
    threshold_s : array_like, optional
        SL threshold [s], >= 0. Also the threshold of the KPIs reported (0 if omitted).
    sl_definition : SLDefinition or str
        How the SL target is counted (default: answered within threshold / offered).
    max_asa_s : array_like, optional
        Cap on the average speed of answer of answered contacts [s].
    max_abandon : array_like, optional
        Cap on the share of offered contacts that abandon, a fraction (Erlang A only; always
        met under Erlang C, where nobody abandons).
    max_occupancy : array_like, optional
        Cap on occupancy (carried load / agents), a fraction in (0, 1].
    max_agents : int or None
        Largest agent count considered; beyond it the targets are reported unreachable.
        None (default): scaled with the load, ``ceil(a + 10 sqrt(a) + 100)`` for the largest
        load ``a`` (square-root staffing; also ``a / max_occupancy`` with an occupancy cap),
        at least 100,000 and at most 10,000,000. Targets that are not monotone in the agent
        count (checked count by count, see Notes) are then looked for at most 100,000 counts
        above where the monotone ones are met, so the search time does not grow with the load.
    with_asa : bool
        Compute the ASA and mean wait of the KPIs at the answer (default). Under Erlang A the
        ASA is a numerical integral, about a third of a staffing search's time; a caller that
        reads only the agents (a cost curve) passes False and gets NaN there. An ASA target
        is met either way (the search computes the ASA where it needs it).

    Returns
    -------
    StaffingResult
        ``agents`` (smallest count meeting all targets), ``reachable``, ``binding`` (the
        targets one agent fewer would miss) and ``kpis`` at ``agents``.

    Notes
    -----
    The answer is the smallest count that truly meets the targets, also where a KPI is not
    monotone in the agent count: the excl-short-abandons and of-answered service levels and
    the ASA of Erlang A can be met with very few agents (impatient callers leave, the rest are
    answered quickly), missed with more, and met again with many. Targets that are monotone
    (Erlang C: all; Erlang A: SL of offered, abandonment) are bracketed and bisected; the
    others are checked count by count upwards from there. A target of 100% SL, 0 abandonment
    or 0 s ASA is unreachable for any positive load.

    Examples
    --------
    >>> r = required_agents(250, 330, service_level=0.8, threshold_s=30)
    >>> r.agents, round(r.kpis.service_level, 3)   # answered within 30 s / offered
    (28, 0.8)
    """
    if all(v is None for v in (service_level, max_asa_s, max_abandon, max_occupancy)):
        raise ValueError(
            "no target given: pass `service_level` with `threshold_s`, `max_asa_s`, "
            "`max_abandon` or `max_occupancy`"
        )
    if service_level is not None and threshold_s is None:
        raise ValueError("`threshold_s` is required with `service_level` (the Y of X% within Y s)")
    try:
        sl_definition = SLDefinition(sl_definition)
    except ValueError:
        allowed = ", ".join(repr(d.value) for d in SLDefinition)
        raise ValueError(
            f"`sl_definition` must be one of {allowed}, got {sl_definition!r}"
        ) from None
    if max_agents is not None and (
        isinstance(max_agents, bool)
        or not isinstance(max_agents, (int, np.integer))
        or not 0 <= max_agents <= _MAX_AGENTS_LIMIT
    ):
        raise ValueError(
            f"`max_agents` must be a whole number in [0, 10000000], got {max_agents!r}"
        )

    if patience_s is None:
        # One Erlang C interval: the Erlang B recursion in plain floats, ~50x faster than the
        # vectorized search's fixed cost; None where it does not apply (or a KPI is within
        # rounding of its target): then the vectorized search below answers.
        fast = erlang_c_staffing(
            calls_per_hour,
            aht_s,
            service_level,
            threshold_s,
            max_asa_s,
            max_abandon,
            max_occupancy,
            max_agents,
            sl_definition,
        )
        if fast is not None:
            return fast

    cph = as_float_array("calls_per_hour", calls_per_hour, unit="contacts/h")
    aht = as_float_array("aht_s", aht_s, unit="s", lower_inclusive=False)
    model = "erlang_c" if patience_s is None else "erlang_a"
    pat = np.ones(()) if patience_s is None else as_patience(patience_s)
    t = (
        np.zeros(())
        if threshold_s is None
        else as_float_array("threshold_s", threshold_s, unit="s")
    )
    given = {}
    if service_level is not None:
        given["service_level"] = as_fraction("service_level", service_level)
    if max_asa_s is not None:
        given["max_asa_s"] = as_float_array("max_asa_s", max_asa_s, unit="s")
    if max_abandon is not None:
        given["max_abandon"] = as_fraction("max_abandon", max_abandon)
    if max_occupancy is not None:
        given["max_occupancy"] = as_fraction("max_occupancy", max_occupancy)

    a = offered_load_erlangs(cph, aht)
    shape = np.broadcast_shapes(
        a.shape, aht.shape, pat.shape, t.shape, *(v.shape for v in given.values())
    )
    flat = [np.broadcast_to(v, shape).ravel() for v in (a, aht, pat, t)]
    targets = {k: np.broadcast_to(v, shape).ravel() for k, v in given.items()}
    problem = _Problem(model, *flat, targets, sl_definition)
    size = flat[0].size
    # The count-by-count scan of non-monotone targets costs one evaluation per count: with the
    # load-scaled default it looks at most the old fixed cap's worth of counts above its start
    # (where the bracketed targets are met), so its cost does not grow with the load.
    scan_span = None
    if max_agents is None:
        max_agents = _default_max_agents(problem)
        scan_span = _MIN_DEFAULT_CAP

    impossible = _impossible(problem)
    if model == "erlang_c":
        # Erlang C: the Erlang B recursion walks most intervals to their answer with cheap
        # array operations; the search below answers the rest (near ties, large loads).
        walk_agents, walk_binding, walked, walk_kpis = erlang_c_walk(
            *flat[:2], flat[3], targets, impossible, max_agents
        )
    else:
        walked = np.zeros(size, dtype=bool)
    rest = np.flatnonzero(~walked)
    searched = problem.subset(rest) if walked.any() else problem
    start, binding = _search(searched, impossible[rest], max_agents, scan_span)
    agents = np.empty(size, dtype=np.int64)
    agents[rest] = start
    reachable = np.zeros(size, dtype=bool)
    reachable[rest] = binding != "unreachable"
    if walked.any():
        agents[walked] = walk_agents[walked]
        reachable[walked] = True
        binding_rest, binding = binding, np.empty(size, dtype=object)
        binding[rest] = binding_rest
        binding[walked] = walk_binding[walked]

    if walked.any():
        # The walk's KPIs where it answered, the closed forms' elsewhere.
        k = {key: np.zeros(size) for key in _WALK_FIELDS}
        for key, source in _WALK_FIELDS.items():
            if source is not None:
                k[key][walked] = walk_kpis[source][walked]
        if rest.size:
            searched_k = _kpis(model, start.astype(float), *(v[rest] for v in flat), with_asa=True)
            for key, value in searched_k.items():
                k[key][rest] = value
    else:
        k = _kpis(model, agents.astype(float), *flat, with_asa=with_asa)
    scalar = is_scalar(
        calls_per_hour,
        aht_s,
        patience_s,
        threshold_s,
        service_level,
        max_asa_s,
        max_abandon,
        max_occupancy,
    )

    def shaped(v, kind=np.asarray):
        v = np.asarray(v).reshape(shape)
        return kind(v[()]) if scalar else v

    kpis = QueueKPIs(
        model=model,
        agents=shaped(agents, int),
        threshold_s=shaped(flat[3], float),
        load_erlangs=shaped(flat[0], float),
        **{key: shaped(value, float) for key, value in k.items()},
    )
    return StaffingResult(
        agents=shaped(agents, int),
        reachable=shaped(reachable, bool),
        binding=shaped(binding, str),
        kpis=kpis,
        sl_definition=sl_definition,
    )


#: Erlang C's KPIs (``erlang_c._erlang_c``) from the walk's (``_scalar.erlang_c_walk``): with
#: nobody abandoning the three SLs coincide and the mean wait is the ASA.
_WALK_FIELDS = {
    "p_wait": "p_wait",
    "p_abandon": None,
    "service_level": "service_level",
    "service_level_excl_short_abandons": "service_level",
    "service_level_of_answered": "service_level",
    "asa_s": "asa_s",
    "mean_wait_s": "asa_s",
    "occupancy": "occupancy",
}


def _search(problem, impossible, max_agents, scan_span):
    """Per element of ``problem``: the agents (``max_agents`` where unreachable) and the
    binding targets, by bracketing and bisection of the monotone targets and a count-by-count
    scan of the others (see ``required_agents``)."""
    # No search where no finite staffing can do: a scan for it would run to the cap, which
    # scales with the load (millions of counts for millions of erlangs).
    start = np.where(impossible, -1, 0).astype(np.int64)
    if problem.monotone:
        lo = _lower_bounds(problem)
        guess = np.ceil(np.minimum(problem.a + 1.5 * np.sqrt(problem.a) + 1, _COUNT_CAP)).astype(
            np.int64
        )
        start = np.where(impossible, -1, _bisect(problem, problem.monotone, lo, guess, max_agents))
    if problem.scanned:
        if "max_occupancy" in problem.scanned:
            start = _occupancy_floor(problem, start, max_agents)
        start = _scan(problem, start, max_agents, scan_span)
    reachable = (start >= 0) & ~impossible
    agents = np.where(reachable, start, max_agents).astype(np.int64)

    binding = np.full(agents.size, "none", dtype=object)
    binding[~reachable] = "unreachable"
    prev = np.flatnonzero(reachable & (agents > 0))
    if prev.size:
        fails = problem.failing((agents[prev] - 1).astype(float), prev, list(problem.targets))
        names = np.full(prev.size, "", dtype=object)
        for name in _TARGETS:
            if name in fails:
                names = np.where(
                    fails[name], np.where(names == "", name, names + "+" + name), names
                )
        binding[prev] = names
    return agents, binding


def _occupancy_floor(problem, start, max_agents):
    """Raise ``start`` to a count below which Erlang A's occupancy cap cannot hold.

    For ``n >= start`` abandonment is at most ``P_ab(start)`` (monotone), so occupancy
    ``a (1 - P_ab(n)) / n >= a (1 - P_ab(start)) / n``; the cap then needs
    ``n >= a (1 - P_ab(start)) / cap``. Two rounds tighten the bound.
    """
    cap = problem.targets["max_occupancy"]
    idx = np.flatnonzero((start >= 0) & (problem.a > 0) & (cap > 0))
    for _ in range(2):
        if not idx.size:
            break
        n = start[idx].astype(float)
        k = problem.kpis(n, idx, with_asa=False)
        carried = problem.a[idx] * (1.0 - k["p_abandon"])
        with np.errstate(divide="ignore", over="ignore"):
            # Clipped before the cast: a tiny cap asks for more agents than an int64 holds.
            floor = np.minimum(np.ceil(carried / cap[idx] * (1 - 1e-12)), max_agents + 1.0)
        floor = floor.astype(np.int64)
        start[idx] = np.minimum(np.maximum(start[idx], floor), max_agents)
    return start
