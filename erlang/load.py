"""Offered load: the one place where a rate per hour becomes erlangs."""

from __future__ import annotations

import numpy as np

SECONDS_PER_HOUR = 3600.0


def offered_load_erlangs(calls_per_hour, aht_s):
    """Offered load [erlangs] = arrival rate x mean handle time.

    Parameters
    ----------
    calls_per_hour : array_like
        Arrival rate [contacts/h].
    aht_s : array_like
        Average handle time (talk + hold + after-call work) [s].

    Examples
    --------
    >>> float(offered_load_erlangs(720, 240))  # 720 calls/h x 4 minutes = 48 erlangs
    48.0
    """
    return (
        np.asarray(calls_per_hour, dtype=float) * np.asarray(aht_s, dtype=float) / SECONDS_PER_HOUR
    )
