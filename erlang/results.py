"""Typed results: what a queueing model predicts, and what a staffing search found."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .service_level import SLDefinition


@dataclass(frozen=True)
class QueueKPIs:
    """Steady-state KPIs of one queue (or of many intervals, as arrays).

    Every field is a float for scalar inputs and an array of the broadcast shape otherwise.
    Probabilities and shares are fractions in [0, 1]; durations are seconds.

    Attributes
    ----------
    model : str
        ``"erlang_c"`` (M/M/n, nobody abandons) or ``"erlang_a"`` (M/M/n+M).
    agents : agents on duty.
    threshold_s : the "Y seconds" of the service level [s].
    load_erlangs : offered load = calls per second x AHT [erlangs].
    p_wait : probability an arriving contact waits at all, P(W > 0).
    p_abandon : probability an arriving contact abandons (0 under Erlang C).
    service_level : answered within ``threshold_s`` / offered (``SLDefinition.OF_OFFERED``).
    service_level_excl_short_abandons : answered within ``threshold_s`` / (offered - abandoned
        within ``threshold_s``) (``SLDefinition.EXCL_SHORT_ABANDONS``).
    service_level_of_answered : answered within ``threshold_s`` / answered
        (``SLDefinition.OF_ANSWERED``); 0 when nothing is answered (no agents).
    asa_s : average speed of answer, the mean wait of answered contacts [s]; ``inf`` when the
        queue is unstable (Erlang C with agents <= load) or nothing is answered.
    mean_wait_s : mean wait of all offered contacts, abandoners counting their time in queue [s].
    occupancy : carried load / agents (share of agent time spent handling contacts); 1 when
        contacts arrive and there are no agents or the queue is unstable, 0 at zero load.
    """

    model: str
    agents: object
    threshold_s: object
    load_erlangs: object
    p_wait: object
    p_abandon: object
    service_level: object
    service_level_excl_short_abandons: object
    service_level_of_answered: object
    asa_s: object
    mean_wait_s: object
    occupancy: object

    def service_level_for(self, definition: SLDefinition | str):
        """The service level under ``definition`` (an ``SLDefinition`` or its value)."""
        return getattr(self, SLDefinition(definition).field)

    def summary(self) -> str:
        """Plain-text report with units and the SL definitions spelled out (scalar results)."""
        if np.ndim(self.p_wait):
            return f"QueueKPIs({self.model}, {np.size(self.p_wait)} intervals)"
        t = float(self.threshold_s)
        lines = [
            f"{self.model}: {int(self.agents)} agents, "
            f"offered load {self.load_erlangs:.4g} erlangs",
            f"  service level {self.service_level:.2%} ({SLDefinition.OF_OFFERED.describe(t)})",
        ]
        if self.model == "erlang_a":
            lines += [
                f"  service level {self.service_level_excl_short_abandons:.2%} "
                f"({SLDefinition.EXCL_SHORT_ABANDONS.describe(t)})",
                f"  service level {self.service_level_of_answered:.2%} "
                f"({SLDefinition.OF_ANSWERED.describe(t)})",
                f"  abandonment {self.p_abandon:.2%} of offered",
            ]
        lines += [
            f"  P(wait > 0) {self.p_wait:.2%}",
            f"  ASA {self.asa_s:.2f} s (mean wait of answered contacts)",
            f"  mean wait {self.mean_wait_s:.2f} s (all offered contacts)",
            f"  occupancy {self.occupancy:.2%}",
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class StaffingResult:
    """The smallest agent count meeting every given target, per interval.

    Attributes
    ----------
    agents : smallest whole number of agents meeting all targets (``max_agents`` where none
        up to ``max_agents`` does).
    reachable : False where no count up to ``max_agents`` meets the targets.
    binding : which target set the answer: the names of the targets that one agent fewer
        would miss, joined by ``"+"`` (``"service_level"``, ``"max_asa_s"``, ``"max_abandon"``,
        ``"max_occupancy"``); ``"none"`` when zero agents already meet everything,
        ``"unreachable"`` where ``reachable`` is False.
    kpis : the ``QueueKPIs`` at ``agents``.
    sl_definition : the definition the service-level target was checked under.
    """

    agents: object
    reachable: object
    binding: object
    kpis: QueueKPIs
    sl_definition: SLDefinition

    def summary(self) -> str:
        """Plain-text answer with units and the SL definition (scalar results)."""
        if np.ndim(self.agents):
            return f"StaffingResult({np.size(self.agents)} intervals)"
        head = (
            f"{int(self.agents)} agents needed (binding: {self.binding})"
            if self.reachable
            else f"targets not reachable with up to {int(self.agents)} agents"
        )
        return head + "\n" + self.kpis.summary()
