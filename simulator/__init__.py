"""Discrete-event simulation of a contact center. 1 simulation time unit = 1 second.

Two engines run the same model on the same drawn contacts and give the same per-contact log
and KPIs: ``simulator.model`` (SimPy, the reference) and ``simulator.compiled`` (numba, ~10x
faster, the default where numba imports). ``simulate(..., engine=...)`` chooses.

Takes plain dataclasses and arrays (``SimConfig``, ``Channel``, ``Pool``, distributions),
returns a per-contact log (numpy structured array) and KPIs per interval, day and run, with
service levels under the three ``erlang.SLDefinition`` definitions. Every stochastic function
takes a seed; replications spawn independent streams with ``numpy.random.SeedSequence``.
"""

from .config import Channel, Pool, SimConfig
from .distributions import (
    Distribution,
    deterministic,
    empirical,
    exponential,
    gamma,
    lognormal,
    make_distribution,
)
from .executors import (
    DaskExecutor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    ThreadExecutor,
    make_executor,
)
from .kpis import ChannelKPIs, PoolKPIs
from .ledger import CONTACT_DTYPE
from .model import OUTCOMES
from .replications import (
    Estimate,
    ReplicationResult,
    replicate,
    replicate_in_batches,
    t_interval,
)
from .run import SimResult, simulate

__all__ = [
    "CONTACT_DTYPE",
    "OUTCOMES",
    "Channel",
    "ChannelKPIs",
    "DaskExecutor",
    "Distribution",
    "Estimate",
    "ExecutorError",
    "Pool",
    "PoolKPIs",
    "ProcessExecutor",
    "ThreadExecutor",
    "ReplicationResult",
    "SerialExecutor",
    "SimConfig",
    "SimResult",
    "deterministic",
    "empirical",
    "exponential",
    "gamma",
    "lognormal",
    "make_distribution",
    "make_executor",
    "replicate",
    "replicate_in_batches",
    "simulate",
    "t_interval",
]
