"""FCR repeat contacts in the simulator: an answered contact comes back with probability
``repeat_share`` after ``repeat_delay`` (``Channel``), made by the SimPy engine only.

Independent references: the repeats logged are a sum of Bernoulli draws over the services
that ended (mean and 4-sigma band), and the repeats land on ``repeat_channel`` with that
channel's handle time. Planning's repeats against these: ``tests/scenarios/test_drivers.py``.
"""

import numpy as np
import pytest

from simulator import Channel, Pool, SimConfig, exponential, simulate
from simulator.model import ANSWERED

HOUR_S = 3600.0


def _config(*, share=0.3, repeat_channel=None, hours=6, **kw):
    """A voice line (120 calls/h, AHT 300 s, 15 agents) whose repeats land on ``repeat_channel``,
    beside a chat channel (AHT 600 s) with its own pool."""
    voice = Channel(
        "voice",
        "voice",
        [120.0] * hours,
        exponential(300),
        None,
        20.0,
        "v",
        repeat_share=share,
        repeat_delay=exponential(600) if share else None,
        repeat_channel=repeat_channel,
        **kw,
    )
    chat = Channel("chat", "chat", [10.0] * hours, exponential(600), None, 60.0, "c")
    pools = [Pool("v", [15] * hours, ("voice",)), Pool("c", [10] * hours, ("chat",))]
    return SimConfig(HOUR_S, [voice, chat], pools)


def test_repeats_are_flagged_and_a_bernoulli_share_of_the_services_ended():
    r = simulate(_config(share=0.3), seed=11, engine="simpy")
    log = r.log
    repeats = log[log["repeat"]]
    assert repeats.size > 0 and not np.any(log["retrial"])
    assert np.all(repeats["channel"] == 0) and np.all(repeats["arrived_at_s"] > 0)
    # Repeats come after the forecast contacts in the log (made during the run).
    first = np.flatnonzero(log["repeat"])[0]
    assert np.all(log["repeat"][first:])
    # Each service that ended repeats with probability 0.3, after an exponential 600 s delay;
    # the log holds the repeats arriving before the end (6 h): a sum of Bernoulli variables
    # with p_i = 0.3 P(delay < end - ended_i). Its mean and a 4-sigma band:
    answered = log[log["outcome"] == ANSWERED]
    ended_s = answered["arrived_at_s"] + answered["wait_s"] + answered["handle_s"]
    ended_s = ended_s[ended_s < 6 * HOUR_S]
    p = 0.3 * -np.expm1(-(6 * HOUR_S - ended_s) / 600.0)
    assert abs(repeats.size - p.sum()) <= 4 * np.sqrt(np.sum(p * (1 - p)))
    # The KPIs count repeats as offered contacts.
    assert r.run.channels["voice"].offered[0] == np.sum(log["channel"] == 0)


def test_no_repeat_share_makes_no_repeats_and_leaves_the_other_contacts_unchanged():
    with_repeats = simulate(_config(share=0.3), seed=4, engine="simpy").log
    without = simulate(_config(share=0.0), seed=4, engine="simpy").log
    assert not without["repeat"].any()
    # Own random stream: the forecast contacts are the very same with or without repeats.
    forecast = with_repeats[~with_repeats["repeat"]]
    np.testing.assert_array_equal(forecast["arrived_at_s"], without["arrived_at_s"])


def test_repeats_land_on_the_repeat_channel_with_its_handle_time():
    for target in ("chat", 1):
        log = simulate(_config(share=0.5, repeat_channel=target), seed=2, engine="simpy").log
        repeats = log[log["repeat"]]
        assert repeats.size > 100 and np.all(repeats["channel"] == 1)
        handle = repeats["handle_s"][repeats["outcome"] == ANSWERED]
        # chat AHT 600 s, not voice's 300 s (exponential: mean within 4 standard errors)
        assert abs(handle.mean() - 600.0) < 4 * 600.0 / np.sqrt(handle.size)


def test_auto_falls_back_to_simpy_with_repeats_and_compiled_refuses():
    assert simulate(_config(share=0.3, hours=1), seed=1).engine == "simpy"
    assert simulate(_config(share=0.0, hours=1), seed=1, keep_log=False).engine in (
        "compiled",
        "simpy",  # only where numba does not import
    )
    with pytest.raises(ValueError, match="repeat_share"):
        simulate(_config(share=0.3, hours=1), seed=1, engine="compiled")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"share": 1.5}, "`repeat_share` must be a fraction in [0, 1]"),
        ({"share": -0.1}, "`repeat_share` must be a fraction in [0, 1]"),
        ({"share": 0.2, "repeat_channel": "fax"}, "`repeat_channel` 'fax' is not a channel"),
        ({"share": 0.2, "repeat_channel": 5}, "`repeat_channel` index must be in [0, 1]"),
        ({"share": 0.2, "repeat_channel": 1.5}, "`repeat_channel` must be a channel name"),
    ],
)
def test_bad_repeat_fields_name_the_field_and_the_range(changes, message):
    with pytest.raises(ValueError) as err:
        _config(**changes)
    assert message in str(err.value)


def test_repeat_share_needs_a_delay():
    with pytest.raises(ValueError, match="`repeat_delay` is required"):
        Channel("c", "voice", [1.0], exponential(300), None, 20.0, "p", repeat_share=0.2)
