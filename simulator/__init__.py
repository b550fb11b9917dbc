"""Discrete-event simulation of a contact center (SimPy). 1 simulation time unit = 1 second.

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
