"""One simulation, several SL thresholds: a threshold only counts waits, so the within-counts
kept at a channel's further thresholds (``Channel.also_thresholds_s``) must be exactly those a
simulation run with that threshold counts, on both engines, with and without the log."""

from dataclasses import fields, replace

import numpy as np
import pytest

from simulator import SimConfig, replicate, simulate

from .test_engines import FEATURES, assert_same_kpis, voice


def with_thresholds(config: SimConfig, i: int, threshold_s: float, also=()) -> SimConfig:
    channels = list(config.channels)
    channels[i] = replace(channels[i], threshold_s=threshold_s, also_thresholds_s=also)
    return replace(config, channels=channels)


def assert_same_totals(a, b, where: str) -> None:
    for f in fields(a.sums.totals):
        if not f.name.endswith("_also"):
            x, y = getattr(a.sums.totals, f.name), getattr(b.sums.totals, f.name)
            np.testing.assert_array_equal(x, y, err_msg=f"{where} {f.name}")


@pytest.mark.parametrize("engine", ["compiled", "simpy"])
@pytest.mark.parametrize("name", sorted(FEATURES))
def test_a_further_threshold_counts_what_a_simulation_with_it_counts(name, engine):
    config = FEATURES[name]
    keep_log = engine == "simpy"  # the compiled engine without the log sums in compiled code
    differ = []
    for i, ch in enumerate(config.channels):
        # 0 s (answered at once only), below, and far above the channel's own threshold
        others = (0.0, ch.threshold_s / 2, 3 * ch.threshold_s + 7.0)
        both = simulate(
            with_thresholds(config, i, ch.threshold_s, others), 5, engine=engine, keep_log=keep_log
        )
        for threshold_s in others:
            alone = simulate(
                with_thresholds(config, i, threshold_s), 5, engine=engine, keep_log=keep_log
            )
            seen = both.at_threshold(ch.name, threshold_s)
            where = f"{name} {engine} {ch.name} at {threshold_s} s"
            assert seen.sums.channels[i] == (ch.name, threshold_s)
            assert_same_totals(seen, alone, where)
            assert_same_kpis(seen, alone, where)
        within = [both.at_threshold(ch.name, t).sums.totals.answered_within[i] for t in others]
        differ.append(len({int(w.sum()) for w in within}) > 1)
    assert any(differ), "the thresholds count the same: the test would prove nothing"


def test_reading_at_the_own_threshold_is_the_same_result_and_others_are_refused():
    config = with_thresholds(voice(np.full(4, 200.0), np.full(4, 12)), 0, 20.0, (30.0,))
    result = simulate(config, 1)
    assert result.at_threshold("v", 20.0) is result
    swapped = result.at_threshold("v", 30.0)
    assert swapped.sums.also_thresholds_s == ((20.0,),)
    back = swapped.at_threshold("v", 20.0)  # and back: the first counts again
    assert_same_totals(back, result, "back")
    np.testing.assert_array_equal(
        back.sums.totals.answered_within_also, result.sums.totals.answered_within_also
    )
    with pytest.raises(ValueError, match=r"`threshold_s` 15\.0 was not counted .* 20\.0 s"):
        result.at_threshold("v", 15.0)
    with pytest.raises(ValueError, match=r"`channel` must be one of \['v'\]"):
        result.at_threshold("chat", 20.0)
    reps = replicate(config, 2, seed=3)
    np.testing.assert_array_equal(
        reps.at_threshold("v", 30.0).samples("answered_within", channel="v"),
        replicate(with_thresholds(config, 0, 30.0), 2, seed=3).samples(
            "answered_within", channel="v"
        ),
    )


@pytest.mark.parametrize("bad", [(-1.0,), (float("nan"),), (float("inf"), 20.0)])
def test_bad_further_thresholds_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"channel 'v': `also_thresholds_s` must be finite"):
        with_thresholds(voice(np.full(2, 100.0), np.full(2, 5)), 0, 20.0, bad)


def test_counts_per_interval_read_from_the_sums_are_the_kpis_counts():
    """``ReplicationResult.samples`` reads a count per interval from the replications' sums
    without computing their KPIs: the same numbers as the KPIs give."""
    from simulator.kpis import COUNT_FIELDS

    config = FEATURES["pools_with_priority_and_mixed_chat_concurrency"]
    reps = replicate(config, 3, seed=2)
    for channel in (c.name for c in config.channels):
        for kpi in COUNT_FIELDS:
            kpis = [getattr(r.intervals.channels[channel], kpi) for r in reps.runs]
            np.testing.assert_array_equal(
                reps.samples(kpi, channel=channel, level="interval"), np.array(kpis, float)
            )
    with pytest.raises(KeyError):
        reps.samples("offered", channel="nobody", level="interval")
