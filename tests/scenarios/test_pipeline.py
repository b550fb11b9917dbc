"""The pipeline against independent computations: erlang.required_agents, hours, FTE, cost."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

from erlang import SLDefinition, required_agents
from scenarios import expand, load_scenario, plan
from scenarios.io import parse_scenario
from scenarios.pipeline import deferred_staffing, schedule

DEFAULT = Path(__file__).parents[2] / "scenarios" / "examples" / "default.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(DEFAULT)


@pytest.fixture(scope="module")
def result(scenario):
    return plan(scenario)


def test_voice_agents_equal_required_agents_on_the_same_inputs(scenario, result):
    demand = result.table.channels["voice"]
    target = scenario.target_for("voice")
    expected = required_agents(
        demand.calls_per_hour,
        scenario.channel("voice").aht_s,
        patience_s=scenario.channel("voice").patience_s,
        service_level=target.service_level,
        threshold_s=target.threshold_s,
        sl_definition=target.sl_definition,
        max_abandon=target.max_abandon,
        max_occupancy=scenario.workforce.max_occupancy,
    )
    np.testing.assert_array_equal(result.channels["voice"].required_agents, expected.agents)
    erlang_c = plan(scenario, "erlang_c").channels["voice"]
    assert erlang_c.model == "erlang_c"
    # Where the SL target binds, ignoring abandonment (Erlang C) is the conservative side; the
    # abandonment cap binds only under Erlang A (nobody abandons under Erlang C).
    a = result.channels["voice"]
    sl_bound = np.array(["max_abandon" not in b for b in a.binding])
    assert sl_bound.sum() > 100
    assert np.all(erlang_c.required_agents[sl_bound] >= a.required_agents[sl_bound])


def test_hours_fte_and_cost_follow_from_the_schedule(scenario, result):
    wf = scenario.workforce
    interval_h = scenario.interval_minutes / 60
    total_hours = sum(p.scheduled_agents.sum() * interval_h for p in result.channels.values())
    assert result.total.paid_hours[0] == pytest.approx(total_hours)
    assert result.total.cost[0] == pytest.approx(total_hours * wf.hourly_cost)
    assert result.total.fte[0] == pytest.approx(
        total_hours / (wf.hours_per_fte_per_week * scenario.days / 7)
    )
    # Weeks: 7 days each; their hours add up to the total.
    assert np.all(result.weeks.days == 7)
    assert result.weeks.paid_hours.sum() == pytest.approx(total_hours)
    assert result.days.cost.sum() == pytest.approx(result.total.cost[0])
    # Scheduled = ceil(required / (1 - shrinkage)), held for 30-minute blocks.
    voice = result.channels["voice"]
    raw = np.ceil(voice.required_agents / (1 - wf.total_shrinkage) - 1e-9)
    np.testing.assert_array_equal(voice.scheduled_agents, np.repeat(raw.reshape(-1, 2).max(1), 2))
    handled = sum(p.handled.sum() for p in result.channels.values())
    assert result.total.cost_per_contact[0] == pytest.approx(result.total.cost[0] / handled)


def test_hybrid_revenue_is_fixed_fee_by_calendar_month_plus_per_contact(scenario, result):
    p = scenario.pricing
    handled = sum(c.handled.sum() for c in result.channels.values())
    expected = p.fixed_monthly * scenario.days / 31 + p.per_contact * handled  # all in January
    assert result.total.revenue[0] == pytest.approx(expected)


def test_demand_keeps_daily_volume_within_opening_hours(scenario):
    table = expand(scenario)
    voice = table.channels["voice"]
    per_day = voice.offered.reshape(scenario.days, -1)
    factors = np.array(scenario.channel("voice").demand.day_of_week_factors)
    weekday = [(scenario.start_date + dt.timedelta(days=d)).weekday() for d in range(scenario.days)]
    np.testing.assert_allclose(per_day.sum(1), 2400 * factors[weekday])
    assert np.all(voice.offered[~voice.open] == 0)
    email = table.channels["email"]
    assert email.offered[~email.open].sum() > 0  # email arrives at night and waits


def test_special_period_multiplies_and_flags_excluded_intervals():
    data = yaml.safe_load(DEFAULT.read_text())
    data["channels"][0]["demand"]["special_periods"] = [
        {
            "label": "outage",
            "start_date": "2027-01-05",
            "start_time": "10:00",
            "end_time": "12:00",
            "multiplier": 4,
            "excluded_from_sla": True,
        }
    ]
    s = parse_scenario(data)
    base, spiked = expand(load_scenario(DEFAULT)).channels["voice"], expand(s).channels["voice"]
    hit = spiked.excluded
    assert hit.sum() == 8  # 2 hours of 15-minute intervals on one day
    np.testing.assert_allclose(spiked.offered[hit], 4 * base.offered[hit])
    np.testing.assert_allclose(spiked.offered[~hit], base.offered[~hit])


def test_interval_volumes_from_csv(tmp_path):
    data = yaml.safe_load(DEFAULT.read_text())
    data["days"] = 1
    data["channels"][0]["demand"] = {"csv": "volumes.csv"}
    (tmp_path / "volumes.csv").write_text(
        "start,volume\n2027-01-04T09:00,30\n2027-01-04T09:15,45\n"
    )
    s = parse_scenario(data)
    voice = expand(s, tmp_path).channels["voice"]
    assert voice.offered[36] == 30 and voice.offered[37] == 45 and voice.offered.sum() == 75
    (tmp_path / "volumes.csv").write_text("start,volume\n2027-01-04T09:07,30\n")
    with pytest.raises(ValueError, match="not on the 15-minute grid"):
        expand(s, tmp_path)


def test_deferred_staffing_meets_the_deadline_in_the_fluid_plan():
    # 8 open hours a day (32 intervals of 15 min); 10 agent-hours of work arrive at 09:00.
    is_open = np.zeros(96, dtype=bool)
    is_open[32:64] = True
    work = np.zeros(96)
    work[36] = 10 * 3600.0
    load, met, wait = deferred_staffing(work, is_open, 900.0, 4 * 3600.0)
    assert load.sum() * 900 == pytest.approx(10 * 3600)  # all work is planned
    assert np.all(load[36:52] > 0) and load[:36].sum() == 0 and load[52:].sum() == 0
    assert met[36] and wait[36] == 0
    # Work arriving at 02:00 cannot be answered within 4 h: it misses and waits for 08:00.
    work2 = np.zeros(96)
    work2[8] = 3600.0
    load2, met2, wait2 = deferred_staffing(work2, is_open, 900.0, 4 * 3600.0)
    assert not met2[8] and wait2[8] == 6 * 3600 and load2[32:48].sum() * 900 == pytest.approx(3600)


def test_schedule_rounds_up_after_shrinkage_and_holds_blocks():
    np.testing.assert_array_equal(schedule(np.array([7, 10, 0, 3]), 0.3, 2), [15, 15, 5, 5])


def test_unknown_model_is_rejected(scenario):
    with pytest.raises(ValueError, match="`model` must be one of erlang_a, erlang_c"):
        plan(scenario, "erlang_x")


def test_sl_definition_of_target_is_used(scenario):
    data = yaml.safe_load(DEFAULT.read_text())
    data["targets"][0]["sl_definition"] = "of_answered"
    loose = plan(parse_scenario(data)).channels["voice"]
    assert loose.sl_definition is SLDefinition.OF_ANSWERED
    # max_abandon still binds, but never more agents than the strict definition needs.
    assert np.all(loose.required_agents <= plan(scenario).channels["voice"].required_agents)


def test_intraday_bands_set_aht_and_patience_per_interval_in_plan_and_simulation(scenario):
    from scenarios.simulation import simulation_config

    voice = scenario.channel("voice")
    bands = (
        {"start": "07:00", "end": "09:30", "aht_s": 240},
        {"start": "17:00", "end": "24:00", "patience_s": 400},
    )
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["channels"][0]["intraday_bands"] = list(bands)
    banded = parse_scenario(data)
    result = plan(banded)
    demand = result.table.channels["voice"]
    minute = np.arange(demand.offered.size) * banded.interval_minutes % 1440
    morning = (minute >= 7 * 60) & (minute < 9 * 60 + 30)
    evening = minute >= 17 * 60
    np.testing.assert_array_equal(demand.aht_s, np.where(morning, 240.0, voice.aht_s))
    np.testing.assert_array_equal(demand.patience_s, np.where(evening, 400.0, voice.patience_s))
    target = banded.target_for("voice")
    expected = required_agents(
        demand.calls_per_hour,
        np.where(morning, 240.0, voice.aht_s),
        patience_s=np.where(evening, 400.0, voice.patience_s),
        service_level=target.service_level,
        threshold_s=target.threshold_s,
        max_abandon=target.max_abandon,
        max_occupancy=banded.workforce.max_occupancy,
    )
    np.testing.assert_array_equal(result.channels["voice"].required_agents, expected.agents)
    sim = simulation_config(result).channels[0]
    np.testing.assert_allclose(sim.aht_scale, np.where(morning, 240.0 / voice.aht_s, 1.0))
    np.testing.assert_allclose(sim.patience_scale, np.where(evening, 400.0 / voice.patience_s, 1.0))
    plain = simulation_config(plan(scenario)).channels[0]
    assert plain.aht_scale is None and plain.patience_scale is None


def test_the_simulation_measures_a_business_hours_deadline_in_opening_hours():
    from scenarios.examples import example_path
    from scenarios.simulation import simulation_config

    retailer = load_scenario(example_path("retailer"))
    config = simulation_config(plan(retailer))
    clocks = {c.name: c.deadline_clock for c in config.channels}
    for ch in retailer.channels:
        target = retailer.target_for(ch.name)
        business = ch.kind == "deferred" and target.deadline_clock == "opening_hours"
        assert clocks[ch.name] == ("opening_hours" if business else "wall_clock")
    assert "opening_hours" in clocks.values()


def test_the_simulation_warms_up_a_24_7_center_and_starts_one_with_a_closed_night_empty():
    from scenarios.examples import example_path
    from scenarios.simulation import simulation_config

    nurse_line = load_scenario(example_path("healthcare"))  # open 24/7
    result = plan(nurse_line)
    assert all(result.table.channels[c.name].open.all() for c in nurse_line.channels)
    longest_aht_s = max(c.aht_s for c in nurse_line.channels)
    assert simulation_config(result).warmup_s == max(3600.0, 10 * longest_aht_s)
    assert simulation_config(plan(load_scenario(DEFAULT))).warmup_s == 0.0  # closed at night


def test_the_simulation_summary_pools_counts_over_replications():
    """Summed numerators over summed denominators (not the mean of per-replication rates), with
    bounds a share cannot leave: two short replications give a wide interval, clipped to [0, 1]."""
    from scenarios.simulation import simulation_config, simulation_summary
    from simulator import replicate

    result = plan(load_scenario(DEFAULT))
    reps = replicate(simulation_config(result), 2, seed=3)
    out = simulation_summary(result, reps, 3)["channels"]["voice"]

    def total(name):
        return sum(float(getattr(r.run.channels["voice"], name)[0]) for r in reps.runs)

    assert out["service_level"]["simulated"] == pytest.approx(
        total("answered_within") / total("offered"), rel=1e-12
    )
    assert out["abandon_rate"]["simulated"] == pytest.approx(
        total("abandoned") / total("offered"), rel=1e-12
    )
    waits = sum(
        float(r.run.channels["voice"].answered[0] * r.run.channels["voice"].asa_s[0])
        for r in reps.runs
    )
    assert out["asa_s"]["simulated"] == pytest.approx(waits / total("answered"), rel=1e-12)
    for kpi in ("service_level", "abandon_rate"):
        assert 0.0 <= out[kpi]["ci_low"] <= out[kpi]["simulated"] <= out[kpi]["ci_high"] <= 1.0


@pytest.fixture(scope="module")
def example_plans():
    """Plans of the bundled examples, made once for the tests that read them."""
    return {}


@pytest.mark.parametrize(
    ("example", "channel", "options"),
    [
        ("default", "voice", {}),
        ("default", "voice", {"service_levels": [0.6, 0.8, 0.95], "with_asa": False}),
        ("seed_contract", "chat", {}),  # concurrency: KPIs recomputed at whole agents
        ("seed_contract", "voice", {"floor": "every third interval +2"}),
    ],
)
def test_distinct_intervals_staffed_once_give_each_interval_its_own_answer(
    example, channel, options, example_plans
):
    """``_queue_staffing`` staffs each distinct (rate, handle time, patience, floor) once and
    copies the answer: element for element what staffing every interval on its own gives."""
    from scenarios.examples import load_example
    from scenarios.pipeline import _queue_staffing, _queue_staffing_rows, slot_aht_s

    if example not in example_plans:
        example_plans[example] = plan(load_example(example))
    planned = example_plans[example]
    scen = planned.scenario
    demand = planned.table.channels[channel]
    ch = scen.channel(channel)
    options = dict(options)
    if "floor" in options:
        floor = np.zeros(demand.calls_per_hour.size, dtype=np.int64)
        floor[::3] = planned.channels[channel].required_agents[::3] + 2
        options["floor"] = floor
    rows = np.stack([demand.calls_per_hour, slot_aht_s(ch, demand), demand.patience_s])
    assert np.unique(rows, axis=1).shape[1] < rows.shape[1]  # the shortcut is taken
    got = _queue_staffing(scen, ch, demand, "erlang_a", **options)
    expected = _queue_staffing_rows(
        scen,
        ch,
        "erlang_a",
        demand.calls_per_hour,
        slot_aht_s(ch, demand),
        demand.patience_s,
        options.get("service_levels"),
        options.get("with_asa", True),
        options.get("floor"),
    )
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            assert got[key].shape == value.shape, key
            if value.dtype.kind == "f":
                np.testing.assert_array_equal(got[key], value, err_msg=key)  # NaN == NaN here
            else:
                assert (got[key] == value).all(), key
        else:
            assert got[key] == value, key
    if "floor" in options:
        assert (got["required_agents"] >= options["floor"]).all()


def _deferred_loop(work_s, is_open, interval_s, deadline_s, business_hours=False):
    """The fluid plan of ``deferred_staffing``, interval by interval (its definition)."""
    n = work_s.size
    window = max(1, int(np.ceil(deadline_s / interval_s - 1e-9)))
    open_idx = np.flatnonzero(is_open)
    open_count = np.concatenate([[0], np.cumsum(is_open)])
    first = np.searchsorted(open_idx, np.arange(n))
    load, met = np.zeros(n), np.ones(n, dtype=bool)
    for k in np.flatnonzero(work_s > 0):
        if first[k] >= open_idx.size:
            met[k] = False
            continue
        if business_hours:
            members = open_idx[first[k] : first[k] + window]
            met[k] = members.size == window
        else:
            on_time = open_count[min(k + window, n)] > open_count[k]
            anchor = k if on_time else open_idx[first[k]]
            met[k] = anchor == k
            members = anchor + np.flatnonzero(is_open[anchor : min(anchor + window, n)])
        load[members] += work_s[k] / (members.size * interval_s)
    return load, met


@pytest.mark.parametrize("business_hours", [False, True])
def test_deferred_staffing_is_the_interval_by_interval_plan_to_the_bit(business_hours):
    """Spread without a Python loop, each open interval's load is the same sum, in the same
    order, as adding the arriving intervals' shares one after the other: equal to the bit,
    over random opening hours, deadlines (shorter and longer than a night) and work."""
    rng = np.random.default_rng(18)
    for _ in range(40):
        n = int(rng.integers(1, 400))
        is_open = rng.random(n) < rng.uniform(0.05, 1.0)
        if rng.random() < 0.2:
            is_open[int(rng.integers(0, n)) :] = False  # nothing opens after some point
        work = np.where(rng.random(n) < 0.7, rng.exponential(3600.0, n), 0.0)
        deadline_s = float(rng.choice([60.0, 900.0, 4 * 3600.0, 26 * 3600.0, 1e6]))
        load, met, _ = deferred_staffing(
            work, is_open, 900.0, deadline_s, business_hours=business_hours
        )
        want_load, want_met = _deferred_loop(work, is_open, 900.0, deadline_s, business_hours)
        np.testing.assert_array_equal(load, want_load)
        np.testing.assert_array_equal(met, want_met)


def test_distinct_intervals_are_numpys_unique_rows():
    """The distinct rows and where each interval's row is among them are those of
    ``np.unique(axis=0, return_inverse=True)`` (the definition; one lexsort is faster), over
    columns of several widths with many repeats, ties in the first columns included."""
    from scenarios.pipeline import distinct_intervals

    rng = np.random.default_rng(18)
    for _ in range(30):
        n = int(rng.integers(2, 300))
        rate = rng.choice([0.0, 12.5, 40.0, 40.25], n)
        aht = rng.choice([180.0, 240.0], n)
        table = rng.choice([0.0, 1.0, 2.5], (n, int(rng.integers(1, 5))))
        (got_rate, got_aht, got_table), inverse = distinct_intervals(rate, aht, table)
        want, want_inverse = np.unique(
            np.column_stack([rate, aht, table]), axis=0, return_inverse=True
        )
        if inverse is None:  # every row distinct: the columns come back as given
            assert want.shape[0] == n
            continue
        np.testing.assert_array_equal(np.column_stack([got_rate, got_aht, got_table]), want)
        np.testing.assert_array_equal(inverse, want_inverse.reshape(-1))
