"""Erlang's loss formula (M/M/n/n)."""

from __future__ import annotations

import numpy as np

from ._special import log_upper_ratio
from ._validate import as_agents, as_float_array, is_scalar


def erlang_b(agents, load_erlangs):
    """Blocking probability of an M/M/n/n loss system (Erlang B).

    Parameters
    ----------
    agents : array_like of int
        Number of agents (servers) [agents], >= 0.
    load_erlangs : array_like
        Offered load [erlangs], >= 0.

    Returns
    -------
    float or ndarray
        Probability that an arriving contact finds every agent busy and is lost.
        1 for zero agents (and a positive load); 0 at zero load (nothing arrives, so
        nothing is blocked -- also with zero agents).

    Notes
    -----
    .. math:: B(n, a) = \\frac{a^n / n!}{\\sum_{k=0}^{n} a^k / k!}
              = \\frac{p(n; a)}{Q(n + 1, a)}

    with :math:`p` the Poisson probability and :math:`Q` the regularized upper incomplete gamma
    function, evaluated in log space (no factorials, no overflow up to 100,000 agents; the
    overloaded corner, agents far below the load, is summed as a short positive series).

    References
    ----------
    .. [1] A. K. Erlang (1917), "Solution of some problems in the theory of probabilities of
       significance in automatic telephone exchanges", *Elektroteknikeren* 13.

    Examples
    --------
    >>> round(float(erlang_b(10, 5.0)), 6)
    0.018385
    >>> float(erlang_b(0, 3.0)), float(erlang_b(5, 0.0))
    (1.0, 0.0)
    """
    n = as_agents("agents", agents)
    a = as_float_array("load_erlangs", load_erlangs, unit="erlangs")
    out = np.where(a > 0.0, np.exp(-log_upper_ratio(n, a)), 0.0)
    return float(out) if is_scalar(agents, load_erlangs) else out
