"""The scenario's ``skills:`` block: agent pools, the channels each serves in priority order,
overflow and blending rules, and the pool sizes per interval.

A scenario without ``skills:`` has one pool per channel (today's plan). With it::

    skills:
      pools:
        - name: blended
          skills: [voice, {channel: email}]   # voice first (served first), then email
          reserve_agents: 2                   # email only while 2 other agents stay idle
          agents: plan                        # the plan's voice + email requirement
        - name: second_line
          skills: [{channel: voice, after_s: 60}]   # voice overflow after a 60 s wait
          agents: 3                           # 3 agents in every interval

A channel's *primary pool* is the first pool listing it with ``after_s`` 0; every channel
needs one (arriving contacts go there first). ``agents`` is ``plan`` (the plan's required
agents of the channels whose primary pool this is, summed), ``roster`` (the roster's
productive agents of those channels, ``scenarios.roster``), a number (every interval), or a
list (one value per interval of a day, repeated every day, or one per interval of the
horizon). The meaning follows ``simulator.Pool``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .._base import StrictModel

#: Pool names: as channel names (they appear in tables, plots and the per-contact log).
POOL_NAME_PATTERN = r"^[A-Za-z0-9_\- ]+$"
MAX_AGENTS = 100_000


class Skill(StrictModel):
    """One channel a pool serves."""

    channel: str
    """Name of a scenario channel."""
    after_s: float = Field(default=0.0, ge=0, le=86_400)
    """Seconds a contact must have waited before this pool may take it, 0 to 86,400 (0: at
    once; 60: an overflow team that helps after a minute)."""


class SkillPool(StrictModel):
    """A team of agents with the same skills."""

    name: str = Field(min_length=1, max_length=60, pattern=POOL_NAME_PATTERN)
    """Unique name, e.g. "blended"."""
    skills: tuple[Skill, ...] = Field(min_length=1, max_length=20)
    """The channels served, in priority order (first: served first when an agent frees up);
    a bare channel name means ``after_s`` 0."""
    reserve_agents: int = Field(default=0, ge=0, le=1000)
    """Blending: an agent takes a deferred contact (email) only when no voice or chat contact
    it could take waits and at least this many other agents of the pool stay idle, 0 to
    1,000."""
    agents: Literal["plan", "roster"] | int | tuple[int, ...] = "plan"
    """Agents on duty: ``plan`` (the plan's requirement of the channels whose primary pool
    this is), ``roster``, a whole number for every interval (0 to 100,000), or a list per
    interval of a day or of the horizon."""

    @field_validator("skills", mode="before")
    @classmethod
    def _bare_names(cls, value):
        if isinstance(value, (list, tuple)):
            return [{"channel": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("agents")
    @classmethod
    def _counts(cls, value):
        counts = (value,) if isinstance(value, int) else value
        if isinstance(counts, tuple):
            if not counts:
                raise ValueError("give at least one agent count (or `plan`, `roster`)")
            if any(not 0 <= v <= MAX_AGENTS for v in counts):
                raise ValueError(f"agent counts must be whole numbers in [0, {MAX_AGENTS:,}]")
        return value


class Skills(StrictModel):
    """Multi-skill and blended teams: who answers which channel."""

    pools: tuple[SkillPool, ...] = Field(min_length=1, max_length=20)
    """The agent pools, in routing order (an arriving contact whose primary pool has no idle
    agent goes to the first other pool that may take it at once)."""


def primary_pools(skills: Skills) -> dict[str, str]:
    """Channel -> its primary pool: the first pool listing it with ``after_s`` 0."""
    out: dict[str, str] = {}
    for pool in skills.pools:
        for skill in pool.skills:
            if skill.after_s == 0 and skill.channel not in out:
                out[skill.channel] = pool.name
    return out


def check_skills(
    skills: Skills, channels: dict[str, str], intervals_per_day: int, days: int
) -> None:
    """The cross-field rules of a ``skills:`` block against the scenario (``channels``: name
    -> kind): raises ``ValueError`` with one sentence naming the field."""
    names = [p.name for p in skills.pools]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"skills.pools: pool names must be unique; repeated: {', '.join(dupes)}")
    for i, pool in enumerate(skills.pools):
        where = f"skills.pools[{i}] ({pool.name!r})"
        listed = [s.channel for s in pool.skills]
        for channel in listed:
            if channel not in channels:
                raise ValueError(
                    f"{where}.skills: {channel!r} is not a channel; channels are: "
                    f"{', '.join(channels)}"
                )
        repeated = sorted({c for c in listed if listed.count(c) > 1})
        if repeated:
            raise ValueError(f"{where}.skills lists {', '.join(repeated)} more than once")
        if pool.reserve_agents > 0 and not any(channels[c] == "deferred" for c in listed):
            raise ValueError(
                f"{where}.reserve_agents applies to a pool that serves a deferred channel "
                "(blending); this pool serves none"
            )
        if isinstance(pool.agents, tuple) and len(pool.agents) not in (
            intervals_per_day,
            intervals_per_day * days,
        ):
            raise ValueError(
                f"{where}.agents has {len(pool.agents)} values; give one per interval of a day "
                f"({intervals_per_day}) or of the horizon ({intervals_per_day * days})"
            )
    primary = primary_pools(skills)
    orphans = [c for c in channels if c not in primary]
    if orphans:
        raise ValueError(
            f"skills.pools: channel(s) {', '.join(orphans)} have no primary pool (a pool "
            "listing the channel with after_s 0); every channel needs one"
        )
    for i, pool in enumerate(skills.pools):
        if pool.agents in ("plan", "roster") and pool.name not in primary.values():
            raise ValueError(
                f"skills.pools[{i}] ({pool.name!r}).agents: `{pool.agents}` sizes a pool from "
                "the channels it is primary for, and it is primary for none (an overflow "
                "team): give a number or a list"
            )
