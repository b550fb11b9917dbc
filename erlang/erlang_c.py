"""Erlang C: the M/M/n queue in which nobody abandons."""

from __future__ import annotations

import numpy as np

from ._special import log_upper_ratio_minus_one
from ._validate import as_agents, as_float_array, is_scalar
from .load import offered_load_erlangs
from .results import QueueKPIs


def _log_erlang_c(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``log C(n, a)`` for stable queues (``n > a > 0``).

    ``C = 1 / (1 + (1 - a/n) (H - 1))`` with ``H = 1/B``; ``H - 1`` comes from the Erlang B
    recursion, so nothing close to 1 is subtracted.
    """
    log_t = np.log((n - a) / n) + log_upper_ratio_minus_one(n, a)
    return -np.logaddexp(0.0, log_t)


def erlang_c(agents, load_erlangs):
    """Probability of waiting, P(W > 0), in an M/M/n queue (Erlang C).

    Parameters
    ----------
    agents : array_like of int
        Number of agents [agents], >= 0.
    load_erlangs : array_like
        Offered load [erlangs], >= 0.

    Returns
    -------
    float or ndarray
        P(an arriving contact has to wait). 1 when ``agents <= load_erlangs`` (the queue is
        unstable: it grows without bound and everybody waits); 0 at zero load (also with zero
        agents: nothing arrives, so nothing waits).

    Notes
    -----
    .. math:: C(n, a) = \\frac{B(n, a)}{1 - \\frac{a}{n}\\,(1 - B(n, a))}, \\quad n > a

    (Gans, Koole & Mandelbaum 2003, eq. 2; :math:`B` is Erlang B). Erlang C >= Erlang B.

    References
    ----------
    .. [1] N. Gans, G. Koole and A. Mandelbaum (2003), "Telephone call centers: tutorial,
       review, and research prospects", *Manufacturing & Service Operations Management* 5(2).

    Examples
    --------
    >>> round(float(erlang_c(14, 10.0)), 7)  # 200 calls/h x 180 s = 10 erlangs
    0.1741319
    >>> float(erlang_c(10, 10.0))  # agents <= load: unstable, everybody waits
    1.0
    """
    n = as_agents("agents", agents)
    a = as_float_array("load_erlangs", load_erlangs, unit="erlangs")
    n, a = np.broadcast_arrays(n, a)
    out = np.where(a > 0.0, 1.0, 0.0)
    stable = (n > a) & (a > 0.0)
    out[stable] = np.exp(_log_erlang_c(n[stable], a[stable]))
    return float(out) if is_scalar(agents, load_erlangs) else out


def _erlang_c(n, a, aht_s, threshold_s):
    """Erlang C KPIs as a dict of arrays over validated, broadcast inputs (see erlang_c_kpis)."""
    p_wait = np.where(a > 0.0, 1.0, 0.0)
    sl = np.where(a > 0.0, 0.0, 1.0)
    asa = np.where(a > 0.0, np.inf, 0.0)
    occupancy = np.where(a > 0.0, 1.0, 0.0)
    s = (n > a) & (a > 0.0)
    ns, as_ = n[s], a[s]
    log_c = _log_erlang_c(ns, as_)
    p_wait[s] = np.exp(log_c)
    sl[s] = -np.expm1(log_c - (ns - as_) * threshold_s[s] / aht_s[s])
    asa[s] = p_wait[s] * aht_s[s] / (ns - as_)
    occupancy[s] = as_ / ns
    return {
        "p_wait": p_wait,
        "p_abandon": np.zeros_like(p_wait),
        "service_level": sl,
        "service_level_excl_short_abandons": sl,
        "service_level_of_answered": sl,
        "asa_s": asa,
        "mean_wait_s": asa,
        "occupancy": occupancy,
    }


def erlang_c_kpis(calls_per_hour, aht_s, agents, threshold_s) -> QueueKPIs:
    """Service level, ASA, P(wait) and occupancy of an M/M/n queue (Erlang C).

    Parameters
    ----------
    calls_per_hour : array_like
        Arrival rate [contacts/h], >= 0.
    aht_s : array_like
        Average handle time [s], > 0 (exponentially distributed in the model).
    agents : array_like of int
        Agents on duty [agents], >= 0.
    threshold_s : array_like
        Service-level threshold, the "Y" of "X% within Y seconds" [s], >= 0.

    Returns
    -------
    QueueKPIs
        With nobody abandoning, the three SL definitions coincide (``service_level`` =
        ``service_level_excl_short_abandons`` = ``service_level_of_answered`` = answered within
        ``threshold_s`` / offered), ``p_abandon`` is 0 and ``mean_wait_s`` equals ``asa_s``.
        Unstable queues (``agents <= load``, load > 0) are answers at the limit, not errors:
        ``p_wait`` 1, service level 0, ``asa_s`` = ``mean_wait_s`` = inf, occupancy 1.

    Notes
    -----
    With :math:`a` = load, :math:`n` = agents, :math:`C` = Erlang C, :math:`h` = AHT, :math:`T`
    = threshold (Gans, Koole & Mandelbaum 2003, section 4.1):

    .. math::
        SL = 1 - C e^{-(n - a) T / h}, \\qquad ASA = \\frac{C\\,h}{n - a},
        \\qquad occupancy = a / n

    ``1 - SL`` is computed in log space, so a target of 100% is never "met" by rounding.

    Examples
    --------
    >>> k = erlang_c_kpis(200, 180, 14, 20)   # Call Centre Helper worked example
    >>> round(k.service_level, 5), round(k.asa_s, 4)   # answered within 20 s / offered
    (0.88835, 7.8359)
    """
    cph = as_float_array("calls_per_hour", calls_per_hour, unit="contacts/h")
    aht = as_float_array("aht_s", aht_s, unit="s", lower_inclusive=False)
    n = as_agents("agents", agents)
    t = as_float_array("threshold_s", threshold_s, unit="s")
    a = offered_load_erlangs(cph, aht)
    n, a, aht, t = np.broadcast_arrays(n, a, aht, t)
    k = _erlang_c(n, a, aht, t)
    scalar = is_scalar(calls_per_hour, aht_s, agents, threshold_s)
    f = float if scalar else np.asarray
    return QueueKPIs(
        model="erlang_c",
        agents=int(n) if scalar else n,
        threshold_s=f(t),
        load_erlangs=f(a),
        **{key: f(value) for key, value in k.items()},
    )
