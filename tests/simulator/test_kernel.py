"""The kernel's bookkeeping: no numpy view of a per-contact column outlives a resize."""

import sys

import numpy as np

from simulator import Channel, Pool, SimConfig, exponential, simulate
from simulator.arrivals import ContactStream
from simulator.model import Model
from simulator.run import spawn_streams


def test_a_profiler_holding_every_local_and_argument_does_not_break_the_run():
    # A profiler or debugger may keep references to what it sees: the locals of every frame
    # and the C functions called (bound methods hold their object). Before, a numpy view of a
    # live typed array kept that way made the next resize raise BufferError.
    n = 8
    ch = Channel("c", "voice", np.full(n, 400.0), exponential(300), exponential(60), 20.0, "p")
    config = SimConfig(900.0, [ch], [Pool("p", np.full(n, 30), ("c",))])
    kept = []

    def hold_everything(frame, event, arg):
        if frame.f_globals.get("__name__", "").startswith("simulator"):
            kept.append((dict(frame.f_locals), arg))

    expected = simulate(config, seed=3)
    sys.setprofile(hold_everything)
    try:
        # chunks of ~100 contacts: many drops of finished contacts while the run goes on
        streams = spawn_streams(3, 1)
        model = Model(config, ContactStream(config, streams, 100), streams["retrial"][0])
        model.run()
    finally:
        sys.setprofile(None)
    assert kept  # the profiler saw the kernel
    assert sum(len(p["channel"]) for p in model.ledger.log_parts) == len(expected.log)
    got = np.concatenate([p["wait_s"] for p in model.ledger.log_parts])
    np.testing.assert_array_equal(np.sort(got), np.sort(expected.log["wait_s"]))
