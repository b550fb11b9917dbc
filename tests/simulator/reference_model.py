"""A small process-based SimPy model of one voice queue: the reference for the fast kernel.

Written the way SimPy's own bank-renege example is: one process per caller, who asks for an
agent and reneges if patience runs out first (``yield request | env.timeout(patience_s)``).
Nothing is shared with ``simulator.model`` but the contacts (drawn beforehand) and the rules
of the schedule documented on ``simulator.Pool``:

* callers are answered first come, first served by any free agent;
* at an interval boundary, a drop sends idle agents home at once; busy agents are not
  preempted: the rest of the drop designates agents in service, those whose caller was
  answered earliest (then the lower caller number), who leave when that caller is done, while
  the others keep answering;
* a rise first keeps on the designated agents whose caller was answered latest, then adds
  agents, who take waiting callers.

Agents are tokens in a ``simpy.Store``: its ``get`` requests are served in order (FIFO queue),
its ``items`` are the idle agents. Slow (a generator per caller) and plain on purpose.
"""

from __future__ import annotations

import numpy as np
import simpy

from simulator.kpis import ABANDONED, ANSWERED, WAITING


def reference_log(arrived_s, handle_s, patience_s, agents, interval_s: float) -> dict:
    """Per-caller ``wait_s``, ``outcome``, ``handle_s`` (NaN unless answered) of one voice
    queue with ``agents[k]`` on duty in interval ``k``, run to the end of the last interval."""
    arrived_s, handle_s, patience_s = (
        np.asarray(v, dtype=float) for v in (arrived_s, handle_s, patience_s)
    )
    n = arrived_s.size
    horizon_s = len(agents) * interval_s
    env = simpy.Environment()
    free = simpy.Store(env)
    staff = {"present": 0}
    in_service = {}  # caller -> (answered at [s], caller): whose agent a drop may designate
    leaving = set()  # callers whose agent leaves when they are done
    wait_s = np.full(n, np.nan)
    outcome = np.full(n, WAITING, dtype=np.int8)
    served_s = np.full(n, np.nan)

    def agent_done(i, agent):
        del in_service[i]
        if i in leaving:  # the schedule dropped while this agent was busy: it goes
            leaving.discard(i)
            staff["present"] -= 1
        else:
            free.put(agent)

    def caller(i):
        request = free.get()
        if np.isinf(patience_s[i]):
            yield request
        else:
            done = yield request | env.timeout(patience_s[i])
            if request not in done:  # patience ran out first: renege
                request.cancel()
                wait_s[i] = env.now - arrived_s[i]
                outcome[i] = ABANDONED
                return
        wait_s[i] = env.now - arrived_s[i]
        outcome[i] = ANSWERED
        served_s[i] = handle_s[i]
        in_service[i] = (env.now, i)
        yield env.timeout(handle_s[i])
        agent_done(i, request.value)

    def callers():
        for i in range(n):
            yield env.timeout(arrived_s[i] - env.now)
            env.process(caller(i))

    def schedule():
        for k, target in enumerate(agents):
            yield env.timeout(k * interval_s - env.now)
            change = int(target) - (staff["present"] - len(leaving))
            while change < 0 and free.items:  # idle agents leave at once
                free.items.pop()
                staff["present"] -= 1
                change += 1
            serving = sorted(in_service[i] for i in in_service if i not in leaving)
            designated = sorted(in_service[i] for i in leaving)
            if change < 0:
                leaving.update(i for _, i in serving[:-change])
            else:
                for _, i in designated[::-1][:change]:  # kept on: answered latest
                    leaving.discard(i)
                    change -= 1
                for _ in range(change):
                    staff["present"] += 1
                    free.put(object())

    env.process(schedule())
    env.process(callers())
    env.run(until=horizon_s)
    waiting = outcome == WAITING  # still queued at the end: censored at the horizon
    wait_s[waiting] = horizon_s - arrived_s[waiting]
    return {"wait_s": wait_s, "outcome": outcome, "handle_s": served_s}
