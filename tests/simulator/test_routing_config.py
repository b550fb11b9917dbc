"""Multi-skill routing configuration: ``Pool.after_s``, ``Pool.reserve_agents``, channels listed
by several pools, and the errors that name the field and the allowed range."""

import numpy as np
import pytest

from simulator import Channel, Pool, SimConfig, exponential
from simulator.compiled import unsupported_feature

N = 2


def _channel(name, pool, kind="voice"):
    patience = None if kind == "deferred" else exponential(60.0)
    return Channel(name, kind, np.full(N, 10.0), exponential(300.0), patience, 20.0, pool)


def test_defaults_keep_a_pool_unrouted():
    pool = Pool("a", [2, 2], ["v", "w"])
    assert pool.after_s == (0.0, 0.0)
    assert pool.reserve_agents == 0
    assert pool.wait_before("w") == 0.0


def test_a_channel_listed_by_several_pools():
    config = SimConfig(
        900,
        [_channel("v1", "A"), _channel("v2", "B")],
        [Pool("A", [3, 3], ("v1",)), Pool("B", [2, 2], ("v2", "v1"), after_s=(0, 30))],
    )
    assert config.pools[1].after_s == (0.0, 30.0)
    assert unsupported_feature(config) == "overflow delays (`after_s` > 0 on pool 'B')"
    at_once = SimConfig(
        900,
        [_channel("v1", "A"), _channel("v2", "B")],
        [Pool("A", [3, 3], ("v1",)), Pool("B", [2, 2], ("v2", "v1"))],
    )
    assert "channel 'v1' also served by pool 'B'" in unsupported_feature(at_once)


def test_one_pool_per_channel_is_not_routing():
    config = SimConfig(
        900,
        [_channel("v", "A"), _channel("m", "B", "deferred")],
        [Pool("A", [3, 3], ("v",)), Pool("B", [2, 2], ("m",))],
    )
    assert unsupported_feature(config) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"after_s": (0.0,)}, r"`after_s` must hold one value per channel \(2\), got 1"),
        ({"after_s": (0.0, -1.0)}, r"`after_s` for channel 'w' must be a finite number >= 0 s"),
        ({"after_s": (0.0, float("inf"))}, r"`after_s` for channel 'w' must be a finite"),
        ({"after_s": (0.0, "soon")}, r"`after_s` must be a sequence of numbers"),
        ({"reserve_agents": -1}, r"`reserve_agents` must be a whole number >= 0, got -1"),
        ({"reserve_agents": 1.5}, r"`reserve_agents` must be a whole number >= 0"),
        ({"reserve_agents": True}, r"`reserve_agents` must be a whole number >= 0"),
    ],
)
def test_bad_pool_fields_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Pool("a", [1, 1], ("v", "w"), **kwargs)


def test_a_channel_twice_in_one_pool():
    with pytest.raises(ValueError, match=r"pool 'a': `channels` lists a channel twice"):
        Pool("a", [1, 1], ("v", "v"))


def test_primary_pool_must_take_its_channel_at_once():
    with pytest.raises(ValueError, match=r"primary pool 'A' must take it at once \(`after_s` 0\)"):
        SimConfig(900, [_channel("v", "A")], [Pool("A", [1, 1], ("v",), after_s=(5,))])


def test_primary_pool_must_exist_and_list_the_channel():
    with pytest.raises(ValueError, match=r"`pool` 'Z' is not a pool; allowed: \['A'\]"):
        SimConfig(900, [_channel("v", "Z")], [Pool("A", [1, 1], ("v",))])
    with pytest.raises(ValueError, match="pool 'A' does not list it"):
        SimConfig(
            900,
            [_channel("v", "A"), _channel("w", "B")],
            [Pool("A", [1, 1], ("w",)), Pool("B", [1, 1], ("w", "v"))],
        )


def test_pool_names_unique_and_channels_known():
    with pytest.raises(ValueError, match="pool names must be unique"):
        SimConfig(900, [_channel("v", "A")], [Pool("A", [1, 1], ("v",)), Pool("A", [1, 1], ("v",))])
    with pytest.raises(ValueError, match=r"serves unknown channel 'x'; allowed: \['v'\]"):
        SimConfig(900, [_channel("v", "A")], [Pool("A", [1, 1], ("v", "x"))])


def test_reserve_needs_a_deferred_channel():
    with pytest.raises(ValueError, match="`reserve_agents` is for pools that serve a deferred"):
        SimConfig(900, [_channel("v", "A")], [Pool("A", [2, 2], ("v",), reserve_agents=1)])
    config = SimConfig(
        900,
        [_channel("v", "A"), _channel("m", "A", "deferred")],
        [Pool("A", [2, 2], ("v", "m"), reserve_agents=1)],
    )
    assert unsupported_feature(config) == "blending (`reserve_agents` > 0 on pool 'A')"


def test_routed_configs_run_on_simpy_until_the_compiled_engine_follows():
    from simulator import simulate

    config = SimConfig(
        900,
        [_channel("v1", "A"), _channel("v2", "B")],
        [Pool("A", [3, 3], ("v1",)), Pool("B", [2, 2], ("v2", "v1"))],
    )
    assert simulate(config, seed=1).engine == "simpy"
    with pytest.raises(ValueError, match="compiled engine does not cover multi-skill routing"):
        simulate(config, seed=1, engine="compiled")
