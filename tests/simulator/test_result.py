"""``SimResult``'s KPIs are computed from its per-interval sums when first read, and a result
sent from a worker process carries the sums only."""

import dataclasses
import pickle

import numpy as np

from simulator import simulate

from .test_draws import kpi_bytes
from .test_engines import FEATURES

LEVELS = ("intervals", "days", "run")


def test_levels_are_computed_once_and_never_pickled():
    config = FEATURES["pools_with_priority_and_mixed_chat_concurrency"]
    result = simulate(config, 4, keep_log=False)
    assert not set(LEVELS) & set(vars(result))  # nothing computed yet
    size = len(pickle.dumps(result))
    first = kpi_bytes(result)  # reads every level
    assert all(getattr(result, level) is getattr(result, level) for level in LEVELS)
    assert len(pickle.dumps(result)) == size
    copy = pickle.loads(pickle.dumps(result))
    assert not set(LEVELS) & set(vars(copy))
    assert kpi_bytes(copy) == first
    # The sums are smaller than the KPIs of the three levels they replace.
    assert size < len(pickle.dumps(tuple(getattr(result, level) for level in LEVELS)))


def test_days_and_run_add_up_the_intervals():
    config = FEATURES["intraday_scales_and_forecast_error"]
    result = simulate(config, 9)
    for name, per_interval in result.intervals.channels.items():
        for f in ("offered", "answered", "abandoned", "lost", "answered_within"):
            counts = getattr(per_interval, f)
            assert getattr(result.run.channels[name], f)[0] == counts.sum()
            assert getattr(result.days.channels[name], f).sum() == counts.sum()
        offered = np.bincount(result.log["interval"], minlength=config.n_intervals)
        assert np.array_equal(offered, per_interval.offered + per_interval.lost)
    assert dataclasses.is_dataclass(result.run)
