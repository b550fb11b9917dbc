"""Erlang A: the M/M/n+M queue, in which waiting callers abandon (Palm 1943).

Notation (Mandelbaum & Zeltyn 2007): arrival rate :math:`\\lambda`, service rate
:math:`\\mu = 1/h` (h = AHT), abandonment rate :math:`\\theta = 1/\\bar\\tau` (mean patience),
``n`` agents, load :math:`a = \\lambda/\\mu`, and the scaled parameters
:math:`x = n\\mu/\\theta`, :math:`y = \\lambda/\\theta`.

The stationary distribution of the birth-death chain gives, with :math:`E = B(n, a)` (Erlang B)
and :math:`G = G(x, y) = \\sum_{m\\ge0} y^m / \\prod_{i=1}^m (x+i)` (their :math:`A(x, y)`),

.. math::
    \\pi_n = \\frac{1}{1/E + G - 1}, \\qquad P(W > 0) = G\\,\\pi_n .

A caller who finds all agents busy would reach an agent after a "virtual wait" :math:`V` with
density, on :math:`V > 0`,

.. math:: f_V(t) = \\pi_n\\, n\\mu\\, \\exp\\!\\big(-n\\mu t + y (1 - e^{-\\theta t})\\big),

and is answered if :math:`V` is shorter than its own exponential patience. Integrating
:math:`f_V` against the patience distribution gives every KPI in terms of regularized
incomplete gamma functions :math:`P(s, z)` (derivation in the docstring of ``_erlang_a``).
"""

from __future__ import annotations

import numpy as np
from scipy import special as sc

from ._special import (
    log_gamma_interval,
    log_lower_ratio,
    log_upper_ratio_minus_one,
    lower_gamma_terms,
)
from ._validate import as_agents, as_float_array, as_patience, is_scalar
from .load import offered_load_erlangs
from .results import QueueKPIs

# Composite Gauss-Legendre rule for the mean wait of answered callers: panels whose widths
# grow geometrically away from the peak of a log-concave integrand, 16 nodes each.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_PANELS = 6
_DROP = 46.0  # integrate where the integrand is within e^-46 (~1e-20) of its peak


def _newton_drop(drop, slope, start, iterations=60):
    """Solve ``drop(d) = _DROP`` for convex increasing ``drop``, starting right of the root."""
    d = start.copy()
    for _ in range(iterations):
        step = (drop(d) - _DROP) / slope(d)
        d -= step
        if np.all(np.abs(step) <= 1e-12 * np.maximum(d, 1e-300)):
            break
    return d


def _geometric_panels(width, core):
    """Breakpoints ``0 = b_0 < b_1 < ... < b_P = width`` with ``b_1 <= core`` and growing gaps."""
    core = np.minimum(core, width)
    k = np.arange(_PANELS) / (_PANELS - 1.0)
    ratio = np.maximum(width / core, 1.0)
    inner = core[:, None] * ratio[:, None] ** k[None, :]
    return np.concatenate([np.zeros((width.size, 1)), inner], axis=1)


def _integrate_panels(bounds, log_f):
    """Integrals of ``e^{log_f(d)}`` and ``d e^{log_f(d)}`` over the panels
    ``bounds[:, j]..bounds[:, j+1]``, summed: one evaluation of the integrand for both."""
    lo, hi = bounds[:, :-1, None], bounds[:, 1:, None]
    half = 0.5 * (hi - lo)
    nodes = 0.5 * (hi + lo) + half * _GL_X
    weighted = np.exp(log_f(nodes)) * (half * _GL_W)
    return np.sum(weighted, axis=(1, 2)), np.sum(weighted * nodes, axis=(1, 2))


def _mean_answered_wait_scaled(x, y):
    """``theta * E[V | answered, V > 0]``: the mean wait of answered waiting callers, in units
    of the mean patience.

    The answered callers' waits have density proportional to :math:`e^{\\phi(\\tau)}`,
    :math:`\\phi(\\tau) = -(x+1)\\tau + y(1 - e^{-\\tau})`, :math:`\\tau = \\theta t` (the virtual
    wait density times the chance of still being there). :math:`\\phi` is concave with its
    maximum at :math:`\\tau^* = \\max(0, \\log(y/(x+1)))`; writing :math:`\\tau = \\tau^* + d`,
    :math:`\\phi - \\phi(\\tau^*) = -(x+1) d - \\kappa\\,\\mathrm{expm1}(-d)`,
    :math:`\\kappa = y e^{-\\tau^*}`. The mean is a ratio of two integrals over the window where
    the integrand is within :math:`e^{-46}` of its peak, each by the same composite rule.
    """
    s = x + 1.0
    interior = y > s
    tau_star = np.where(interior, np.log(np.where(interior, y / s, 1.0)), 0.0)
    kappa = np.where(interior, s, y)

    def log_f(s, kappa):
        return lambda d: -s[:, None, None] * d - kappa[:, None, None] * np.expm1(-d)

    c = _DROP / s
    # Right of the peak drop(d) >= s (d - 1), so d = c + 1 is right of the root.
    d_hi = _newton_drop(
        lambda d: s * d + kappa * np.expm1(-d), lambda d: s - kappa * np.exp(-d), c + 1.0
    )
    # Width of the peak: log f ~ -(s - kappa) d - kappa d^2 / 2 near it, so the narrower of
    # 1/(s - kappa) (exponential fall, at 0) and 1/sqrt(kappa) (Gaussian, interior peak). The
    # first panel must not be wider: with a day of patience (x ~ 10^7) a panel of
    # 1/sqrt(s - kappa) spanned e^-160 of fall and the ASA was off by 1.6e-7 (relative).
    core = 1.0 / np.maximum(np.sqrt(kappa), s - kappa)
    m, d = _integrate_panels(_geometric_panels(d_hi, core), log_f(s, kappa))
    # Left of the peak only where it is interior (kappa = s there): the rest start at 0.
    i = np.flatnonzero(interior)
    if i.size:
        si = s[i]
        # drop = s (e^u - 1 - u) for u = -d; u = log1p(2c) + 1 is past the root.
        u_lo = _newton_drop(
            lambda u: si * (np.expm1(u) - u), lambda u: si * np.expm1(u), np.log1p(2 * c[i]) + 1
        )
        u_lo = np.minimum(u_lo, tau_star[i])
        left = -_geometric_panels(np.maximum(u_lo, 1e-300), core[i])[:, ::-1]
        m_l, d_l = _integrate_panels(left, log_f(si, kappa[i]))
        m[i] += m_l
        d[i] += d_l
    return tau_star + d / m


def _from_shortfall(shortfall, direct):
    """A share from ``1 - shortfall`` when the shortfall is small, else from its direct ratio."""
    return np.where(shortfall <= 0.5, 1.0 - shortfall, direct)


def _erlang_a(n, a, aht_s, patience_s, threshold_s, *, with_asa=True, with_sl=True):
    # Logs of probabilities that underflow are -inf by design; their exp() is an exact 0.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        return _erlang_a_unguarded(
            n, a, aht_s, patience_s, threshold_s, with_asa=with_asa, with_sl=with_sl
        )


def _erlang_a_unguarded(n, a, aht_s, patience_s, threshold_s, *, with_asa=True, with_sl=True):
    """Erlang A KPIs as a dict of arrays (same shape as the broadcast inputs).

    Derivation (Mandelbaum & Zeltyn 2007, section 3, re-derived for the threshold quantities).
    With :math:`R = 1/G(x, y)`, :math:`y_T = y e^{-\\theta T}`, :math:`P` the regularized lower
    incomplete gamma function and :math:`M(x, z) = (z - x) G(x, z) + x`:

    * :math:`P(W > 0) = 1 / (1 + (1/E - 1) R)`;
    * answered after waiting more than T:
      :math:`P(W>0)\\,(x/y)\\,P(x+1, y_T)/P(x, y)` (T = 0: :math:`P(W>0)(x/y)(1-R)`);
    * abandoned after waiting more than T:
      :math:`P(W>0)\\,P(x, y_T)\\,[M/G](x, y_T) / (y\\,P(x, y))` (T = 0: :math:`P(ab)`);
    * answered within T = 1 - P(ab) - (answered after T), or, when that is below 1/2, the
      direct form :math:`1 - P(W>0) + P(W>0)(x/y)[P(x+1, y) - P(x+1, y_T)]/P(x, y)`;
    * mean wait of all callers = P(ab) x mean patience (abandonment rate = :math:`\\theta E[Q]`);
    * ASA from ``_mean_answered_wait_scaled``.

    Every quantity is assembled from logs that stay moderate where the result is
    representable, so no large numbers cancel.
    """
    shape = n.shape
    out = {
        k: np.empty(shape)
        for k in (
            "p_wait",
            "p_abandon",
            "service_level",
            "service_level_excl_short_abandons",
            "service_level_of_answered",
            "asa_s",
            "mean_wait_s",
            "occupancy",
        )
    }
    # Zero load: nobody arrives, nobody waits.
    idle = a == 0.0
    for key, value in (("p_wait", 0.0), ("p_abandon", 0.0), ("asa_s", 0.0), ("mean_wait_s", 0.0)):
        out[key][idle] = value
    for key in ("service_level", "service_level_excl_short_abandons", "service_level_of_answered"):
        out[key][idle] = 1.0
    out["occupancy"][idle] = 0.0
    # No agents: every caller waits until its patience runs out.
    empty = (n == 0.0) & ~idle
    for key, value in (("p_wait", 1.0), ("p_abandon", 1.0), ("asa_s", np.inf), ("occupancy", 1.0)):
        out[key][empty] = value
    for key in ("service_level", "service_level_excl_short_abandons", "service_level_of_answered"):
        out[key][empty] = 0.0
    out["mean_wait_s"][empty] = patience_s[empty]

    m = ~(idle | empty)
    n, a, h, pat, t = n[m], a[m], aht_s[m], patience_s[m], threshold_s[m]
    x, y = n * pat / h, a * pat / h
    theta_t = t / pat

    y_t = y * np.exp(-theta_t)
    # The lower-gamma terms at (x, y) and, past a threshold, at (x + 1, y_T) and (x, y_T), in
    # one call: one pass of the series loop for all three (its cost is mostly per call).
    late = theta_t > 0.0
    # y_T = 0 (T far beyond patience): nobody late. Without the SLs none of this is needed.
    li = np.flatnonzero(late & (y_t > 0.0) if with_sl else np.zeros(x.size, dtype=bool))
    k, j = x.size, li.size
    log_g, log_mg, log_p = lower_gamma_terms(
        np.concatenate([x, x[li] + 1.0, x[li]]), np.concatenate([y, y_t[li], y_t[li]])
    )
    log_p_next_t = log_p[k : k + j]  # log P(x + 1, y_T)
    log_mg_t, log_p_t = log_mg[k + j :], log_p[k + j :]  # at (x, y_T)
    log_g, log_mg, log_p = log_g[:k], log_mg[:k], log_p[:k]
    # P(W > 0) = 1 / (1 + (H - 1) R),  no wait = (H - 1) R / (1 + (H - 1) R)
    log_hr = log_upper_ratio_minus_one(n, a) - log_g
    p_wait = sc.expit(-log_hr)
    no_wait = sc.expit(log_hr)
    # 1 - R = 1 - 1/G; near G = 1 use G - 1 = y/(x+1) G(x+1, y) instead of subtracting.
    one_minus_r = -np.expm1(-log_g)
    near_one = log_g < 0.5
    if near_one.any():
        xs, ys = x[near_one], y[near_one]
        log_gm1 = np.log(ys / (xs + 1.0)) + log_lower_ratio(xs + 1.0, ys)
        one_minus_r[near_one] = np.exp(log_gm1 - log_g[near_one])
    p_answered_after_wait = p_wait * (n / a) * one_minus_r  # x/y = n/a
    p_abandon = p_wait * np.exp(log_mg) / y
    p_answered = no_wait + p_answered_after_wait

    if with_sl:
        # Answered, and abandoned, after waiting more than T (the whole of each where T = 0).
        p_answered_late = p_answered_after_wait.copy()
        p_abandon_late = p_abandon.copy()
        p_answered_late[late] = 0.0
        p_abandon_late[late] = 0.0
        if j:
            pwl, ratio = p_wait[li], n[li] / a[li]  # x / y = n / a
            p_answered_late[li] = pwl * ratio * np.exp(log_p_next_t - log_p[li])
            p_abandon_late[li] = pwl * np.exp(log_p_t + log_mg_t - log_p[li]) / y[li]

        unmet = p_abandon + p_answered_late
        sl = 1.0 - unmet
        direct = unmet > 0.5
        if direct.any():
            xd, yd = x[direct], y[direct]
            log_within = log_gamma_interval(xd + 1.0, y_t[direct], yd) - log_p[direct]
            ratio = n[direct] / a[direct]  # x / y
            sl[direct] = no_wait[direct] + p_wait[direct] * ratio * np.exp(log_within)

        # 1 - P(abandoned within T) = answered + abandoned after T: a sum, no cancellation. Each
        # ratio is taken from its complement (a ratio of sums of positive terms) when that is the
        # smaller, so service levels near 1 keep their last digits and never exceed 1.
        not_short = p_answered + p_abandon_late
        excl = _from_shortfall((p_answered_late + p_abandon_late) / not_short, sl / not_short)
        of_answered = _from_shortfall(p_answered_late / p_answered, sl / p_answered)
    else:  # not computed (a search without an SL target); never returned to users
        sl = excl = of_answered = np.full(x.size, np.nan)

    out["p_wait"][m] = p_wait
    out["p_abandon"][m] = p_abandon
    out["service_level"][m] = sl
    out["service_level_excl_short_abandons"][m] = excl
    out["service_level_of_answered"][m] = of_answered
    out["mean_wait_s"][m] = p_abandon * pat
    # a (1 - P(ab)) / n <= 1 exactly; clip the last-bit rounding of saturated queues.
    out["occupancy"][m] = np.minimum(a * p_answered / n, 1.0)
    if with_asa:
        asa = np.zeros(x.size)
        waits = p_answered_after_wait > 0.0
        if waits.any():
            mean_tau = _mean_answered_wait_scaled(x[waits], y[waits])
            asa[waits] = pat[waits] * mean_tau * p_answered_after_wait[waits] / p_answered[waits]
        out["asa_s"][m] = asa
    else:
        out["asa_s"][m] = np.nan  # not computed; never returned to users
    return out


def erlang_a_kpis(calls_per_hour, aht_s, patience_s, agents, threshold_s) -> QueueKPIs:
    """KPIs of an M/M/n+M queue (Erlang A): callers abandon after an exponential patience.

    Parameters
    ----------
    calls_per_hour : array_like
        Arrival rate [contacts/h], >= 0.
    aht_s : array_like
        Average handle time [s], > 0 (exponential in the model).
    patience_s : array_like
        Mean patience: how long callers are willing to wait on average [s], in (0, 86400]
        (exponential; one day, the scenario schema's cap). For callers who never abandon use
        ``erlang_c_kpis``; the Erlang A KPIs converge to it as ``patience_s`` grows.
    agents : array_like of int
        Agents on duty [agents], >= 0.
    threshold_s : array_like
        Service-level threshold [s], >= 0.

    Returns
    -------
    QueueKPIs
        ``service_level`` (answered within T / offered), ``service_level_excl_short_abandons``
        (answered within T / (offered - abandoned within T)), ``service_level_of_answered``
        (answered within T / answered), ``p_abandon``, ``p_wait``, ``asa_s`` (mean wait of
        answered callers), ``mean_wait_s`` (mean wait of all callers), ``occupancy`` (carried
        load / agents). Always stable: abandonment bounds the queue, so load above the agent
        count is a valid input (expect high abandonment). With zero agents every caller
        abandons: service levels 0, ``asa_s`` inf, ``mean_wait_s`` = ``patience_s``.

    Notes
    -----
    Closed forms in regularized incomplete gamma functions, evaluated in log space; see the
    module docstring and ``_erlang_a``. The two excluding SL definitions and the ASA can fall
    as agents are *removed* (the impatient leave and the rest are answered quickly):
    compare definitions before signing.

    References
    ----------
    .. [1] A. Mandelbaum and S. Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A
       queue, with applications to call centers", in *Advances in Services Innovations*.
    .. [2] O. Garnett, A. Mandelbaum and M. Reiman (2002), "Designing a call center with
       impatient customers", *Manufacturing & Service Operations Management* 4(3).

    Examples
    --------
    100 erlangs on 100 agents, mean patience = AHT = 300 s: a figure in [1]_ reads "about 70%"
    answered within 20 s and "about 4%" abandoning.

    >>> k = erlang_a_kpis(1200, 300, 300, 100, 20)
    >>> round(k.service_level, 3), round(k.p_abandon, 3)   # answered within 20 s / offered
    (0.726, 0.04)
    """
    cph = as_float_array("calls_per_hour", calls_per_hour, unit="contacts/h")
    aht = as_float_array("aht_s", aht_s, unit="s", lower_inclusive=False)
    pat = as_patience(patience_s)
    n = as_agents("agents", agents)
    t = as_float_array("threshold_s", threshold_s, unit="s")
    a = offered_load_erlangs(cph, aht)
    n, a, aht, pat, t = np.broadcast_arrays(n, a, aht, pat, t)
    k = _erlang_a(n, a, aht, pat, t)
    scalar = is_scalar(calls_per_hour, aht_s, patience_s, agents, threshold_s)
    f = float if scalar else np.asarray
    return QueueKPIs(
        model="erlang_a",
        agents=int(n) if scalar else n,
        threshold_s=f(t),
        load_erlangs=f(a),
        **{key: f(value) for key, value in k.items()},
    )
