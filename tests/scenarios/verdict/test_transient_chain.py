"""The exact transient chain (the peak check's oracle) against the closed forms and itself."""

import numpy as np
import pytest

from erlang import erlang_a_kpis, erlang_c_kpis

from .transient_chain import transient_service_level


def test_in_steady_state_it_is_erlang_c():
    # 200 calls/h, AHT 180 s, 14 agents, 20 s (the Call Centre Helper example): after a
    # warm-up of 60 AHTs the chain is stationary to far below 1e-6.
    chain = transient_service_level(
        [200.0, 200.0], [14, 14], interval_s=1800, aht_s=180, threshold_s=20, warmup_s=60 * 180
    )
    closed = erlang_c_kpis(200, 180, 14, 20).service_level
    assert chain.truncation_mass < 1e-9
    assert chain.offered[0] == pytest.approx(100.0, rel=1e-12)
    # rtol 1e-6: the closed form is exact to ~1e-12, the chain's uniformization to ~1e-15.
    assert chain.service_level()[0] == pytest.approx(closed, abs=1e-6)
    # The horizon's end censors: a contact still waiting then is not answered within T.
    assert chain.service_level()[1] < closed - 1e-5


@pytest.mark.parametrize(("calls_per_hour", "agents"), [(1200.0, 100), (300.0, 22)])
def test_in_steady_state_it_is_erlang_a(calls_per_hour, agents):
    chain = transient_service_level(
        [calls_per_hour] * 2,
        [agents] * 2,
        interval_s=1800,
        aht_s=300,
        patience_s=240,
        threshold_s=20,
        warmup_s=60 * 300,
    )
    closed = erlang_a_kpis(calls_per_hour, 300, 240, agents, 20)
    assert chain.truncation_mass < 1e-9
    assert chain.service_level()[0] == pytest.approx(closed.service_level, abs=1e-6)
    assert chain.service_level("excl_short_abandons")[0] == pytest.approx(
        closed.service_level_excl_short_abandons, abs=1e-6
    )


def test_a_rise_is_seen_only_by_the_contacts_whose_deadline_crosses_it():
    """A rise from 14 to 16 agents at the start of a last, empty interval: the contacts of the
    interval before it arriving within T of the boundary are answered sooner; the interval
    before that is untouched (up to rounding: the grids differ)."""
    base = dict(interval_s=1800, aht_s=180, threshold_s=20, warmup_s=60 * 180)
    flat = transient_service_level([200.0] * 3, [14] * 3, **base)
    quiet = transient_service_level([200.0, 200.0, 0.0], [14, 14, 16], **base)
    # The last T seconds of interval 1 see the rise: their contacts do better.
    assert quiet.service_level()[1] > flat.service_level()[1]
    np.testing.assert_allclose(quiet.service_level()[0], flat.service_level()[0], rtol=1e-9)


def test_the_quadrature_has_converged():
    args = ([40.0, 120.0, 40.0, 40.0], [22, 60, 22, 30])
    kw = dict(interval_s=1800, aht_s=1800, threshold_s=20, warmup_s=18_000)
    coarse = transient_service_level(*args, nodes=8, **kw).service_level()
    fine = transient_service_level(*args, nodes=24, **kw).service_level()
    np.testing.assert_allclose(coarse, fine, rtol=0, atol=1e-10)


def test_staffing_changes_follow_the_simulators_rules():
    """A drop with every agent busy (designated agents finish their contact, the others take
    the queue) and a rise while some are still finishing (they are kept on first): the
    chain's service level per interval lies in the simulator's 99% interval (pooled counts,
    ratio estimator over 200 replications). The simulator is the system under test here,
    the chain its independent description."""
    from scenarios.verdict.peak import pooled_interval_sl
    from simulator import Channel, Pool, SimConfig, exponential, replicate

    rate = np.array([600.0, 600, 760, 560, 600, 600])
    agents = np.array([55, 55, 70, 46, 58, 55])
    channel = Channel("v", "voice", rate, exponential(300), None, 20, "p")
    config = SimConfig(1800, [channel], [Pool("p", agents, ("v",))], warmup_s=6000)
    simulated = pooled_interval_sl(replicate(config, 200, seed=3), "v", "of_offered", 0.99)
    chain = transient_service_level(
        rate, agents, interval_s=1800, aht_s=300, threshold_s=20, warmup_s=6000, max_in_system=260
    )
    assert chain.truncation_mass < 1e-9
    sl = chain.service_level()
    assert np.all(np.abs(sl - simulated.pooled) <= simulated.half_width), (sl, simulated.pooled)
    assert sl[3] < 0.5 < sl[2]  # the drop shows
