"""Offered load: the one place where a rate per hour becomes erlangs."""

from __future__ import annotations

import numpy as np

SECONDS_PER_HOUR = 3600.0
# Loads below this many erlangs (one contact per ~1e270 years) are treated as zero load: every
# KPI then differs from its exact value by less than about this much, and the scaled
# parameters of the formulas would otherwise underflow to subnormal numbers.
NEGLIGIBLE_LOAD_ERLANGS = 1e-250


def offered_load_erlangs(calls_per_hour, aht_s):
    """Offered load [erlangs] = arrival rate x mean handle time.

    Parameters
    ----------
    calls_per_hour : array_like
        Arrival rate [contacts/h].
    aht_s : array_like
        Average handle time (talk + hold + after-call work) [s].

    Returns
    -------
    ndarray
        Offered load [erlangs]; loads below ``NEGLIGIBLE_LOAD_ERLANGS`` (1e-250) are 0.

    Examples
    --------
    >>> float(offered_load_erlangs(720, 240))  # 720 calls/h x 4 minutes = 48 erlangs
    48.0
    """
    rate_per_s = np.asarray(calls_per_hour, dtype=float) / SECONDS_PER_HOUR
    load = rate_per_s * np.asarray(aht_s, dtype=float)
    return np.where(load < NEGLIGIBLE_LOAD_ERLANGS, 0.0, load)
