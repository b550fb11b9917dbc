"""Bounded memory: contacts drawn chunk by chunk, KPIs aggregated as the simulation goes.

The chunking must not change a single number, the KPIs must not depend on whether the
per-contact log is kept, and the live contact window must stay bounded by the chunk size
rather than grow with the horizon.
"""

import dataclasses

import numpy as np
import pytest

from simulator import (
    Channel,
    Pool,
    SimConfig,
    exponential,
    gamma,
    lognormal,
    simulate,
)
from simulator import arrivals as arrivals_module
from simulator.arrivals import ContactStream, draw_contacts
from simulator.kpis import ABANDONED, ANSWERED, LOST, WAITING
from simulator.model import Model
from simulator.run import spawn_streams

HALF_HOUR_S = 1800.0


def mixed_config(days: int = 2) -> SimConfig:
    """Voice with retrials, chat and a deferred channel closed at night: every code path."""
    n = days * 48
    hour = (np.arange(n) % 48) / 2.0
    open_ = (hour >= 8) & (hour < 18)
    rate = np.where(open_, 300.0, 20.0)
    voice = Channel(
        "voice",
        "voice",
        rate,
        lognormal(240, 0.8),
        exponential(90),
        20,
        "front",
        retrial_share=0.5,
        retrial_delay=exponential(900),
    )
    chat = Channel(
        "chat", "chat", rate / 3, gamma(400, 0.6), exponential(200), 60, "back", concurrency=2
    )
    mail = Channel(
        "mail", "deferred", np.full(n, 30.0), exponential(300), None, 4 * 3600, "back",
        open_intervals=open_,
    )  # fmt: skip
    front = Pool("front", np.where(open_, 19, 2), ("voice",))
    back = Pool("back", np.where(open_, 14, 1), ("chat", "mail"))
    return SimConfig(HALF_HOUR_S, [voice, chat, mail], [front, back], day_volume_cv=0.1)


@pytest.fixture
def chunk_size(monkeypatch):
    def set_size(size: int) -> None:
        monkeypatch.setattr(arrivals_module, "CHUNK_CONTACTS", size)

    return set_size


def assert_same_kpis(a, b, rtol=0.0):
    """Counts equal; float KPIs equal, or within ``rtol`` where sums of waits may be added in
    another order."""
    for level in ("intervals", "days", "run"):
        pa, pb = getattr(a, level), getattr(b, level)
        for group in ("channels", "pools"):
            for name, ka in getattr(pa, group).items():
                kb = getattr(pb, group)[name]
                for f in dataclasses.fields(ka):
                    x, y = getattr(ka, f.name), getattr(kb, f.name)
                    msg = f"{level} {name} {f.name}"
                    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
                        np.testing.assert_allclose(x, y, rtol=rtol, err_msg=msg)
                    else:
                        np.testing.assert_array_equal(x, y, err_msg=msg)


@pytest.mark.parametrize("size", [1, 37, 500])
def test_chunking_changes_no_number(chunk_size, size):
    whole = simulate(mixed_config(), seed=5)  # default chunks exceed this horizon's contacts
    chunk_size(size)
    chunked = simulate(mixed_config(), seed=5)
    assert whole.log.tobytes() == chunked.log.tobytes()
    # Totals are added chunk by chunk, so a mean wait may differ in its last bit (rel 1e-16).
    assert_same_kpis(whole, chunked, rtol=1e-13)


def test_chunks_joined_are_the_contacts_drawn_at_once():
    config = mixed_config()
    at_once = draw_contacts(config, spawn_streams(3, 3))
    stream = ContactStream(config, spawn_streams(3, 3), chunk_contacts=100)
    assert stream.n_chunks > 5
    parts = [stream.chunk(j) for j in range(stream.n_chunks)]
    for f in ("arrived_at_s", "channel", "handle_s", "patience_s"):
        joined = np.concatenate([getattr(p, f) for p in parts])
        np.testing.assert_array_equal(joined, getattr(at_once, f), err_msg=f)


def test_kpis_do_not_depend_on_keeping_the_log():
    with_log = simulate(mixed_config(), seed=8)
    without = simulate(mixed_config(), seed=8, keep_log=False)
    assert without.log is None
    assert_same_kpis(with_log, without)


def test_interval_kpis_match_a_recount_of_the_log(chunk_size):
    chunk_size(50)
    config = mixed_config()
    r = simulate(config, seed=13)
    log = r.log
    for i, ch in enumerate(config.channels):
        k = r.intervals.channels[ch.name]
        for interval in range(config.n_intervals):
            rows = log[(log["channel"] == i) & (log["interval"] == interval)]
            offered = rows[rows["outcome"] != LOST]
            answered = rows[rows["outcome"] == ANSWERED]
            assert k.offered[interval] == len(offered)
            assert k.answered[interval] == len(answered)
            assert k.abandoned[interval] == np.sum(rows["outcome"] == ABANDONED)
            assert k.waiting[interval] == np.sum(rows["outcome"] == WAITING)
            assert k.answered_within[interval] == np.sum(answered["wait_s"] <= ch.threshold_s)
            if len(answered):
                # Summation order differs from the log's (chunk by chunk): rounding only.
                assert k.asa_s[interval] == pytest.approx(answered["wait_s"].mean(), rel=1e-12)
            if len(offered):
                assert k.max_wait_s[interval] == offered["wait_s"].max()


def test_log_holds_only_contacts_that_arrived_within_the_horizon():
    # Many abandoners call back after ~15 min; some are due after the horizon ends. They never
    # arrived, so they are not offered and have no (negative) wait.
    config = mixed_config(days=1)
    r = simulate(config, seed=2)
    assert r.log["retrial"].sum() > 0
    assert np.all(r.log["arrived_at_s"] < config.horizon_s)
    assert np.all(r.log["wait_s"] >= 0)
    offered = sum(int(k.offered[0] + k.lost[0]) for k in r.run.channels.values())
    assert offered == len(r.log)


def test_live_contacts_stay_bounded_by_the_chunk_not_the_horizon():
    days = 20
    config = mixed_config(days)
    streams = spawn_streams(1, len(config.channels))
    stream = ContactStream(config, streams, chunk_contacts=400)
    model = Model(config, stream, streams["retrial"][0], keep_log=False)
    live = []
    load = model._next_chunk

    def recording_next_chunk():
        more = load()
        live.append(len(model.contacts))
        return more

    model._next_chunk = recording_next_chunk
    model.run()
    per_day = (
        (model.ledger.totals.offered + model.ledger.totals.lost)
        .sum(axis=0)
        .reshape(days, -1)
        .sum(axis=1)
    )
    # Live: a chunk (<= 400 contacts), the contacts still queued or in service, and the ones
    # after them; the mail queued overnight holds back at most about a day of contacts.
    assert per_day.sum() > 15 * per_day.max()
    assert max(live) < 1.5 * per_day.max(), (max(live), per_day.max())


def test_unmeasured_periods_are_nan_and_left_out_of_the_interval_estimate():
    """A period with nothing offered is not measured (NaN), and the t-interval of a period
    uses only the replications that measured it (checked against scipy.stats.t)."""
    from scipy import stats

    from simulator.replications import t_interval

    rng = np.random.default_rng(5)
    x = rng.random((12, 3))
    x[[2, 7], 1] = np.nan
    x[:, 2] = np.nan
    est = t_interval(x)
    for j in (0, 1):
        kept = x[~np.isnan(x[:, j]), j]
        half = stats.t.ppf(0.975, kept.size - 1) * kept.std(ddof=1) / np.sqrt(kept.size)
        assert est.mean[j] == pytest.approx(kept.mean()) and est.half_width[j] == pytest.approx(
            half
        )
    assert np.isnan(est.mean[2]) and np.isinf(est.half_width[2])
