"""What may be worked: the weekly patterns of a contract and the candidate shifts of a week.

Pure enumeration over the rules (no solver): a candidate is a template started on one day of
the week at one allowed time, with the offsets its breaks may take inside their windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from .rules import WEEKDAY_NAMES, Contract, ShiftRules, ShiftTemplate


def weekly_patterns(contract: Contract) -> np.ndarray:
    """Every allowed week of days on, as a boolean array ``[pattern, 7]`` (Monday first).

    Allowed: ``min_days_per_week`` .. ``max_days_per_week`` days on; weekends "off" (Saturday
    and Sunday off) or "both_or_neither"; with ``consecutive_days_off`` the days off form one
    run around the week (Sunday is followed by Monday).

    >>> from scenarios.roster.rules import DEFAULT_CONTRACTS
    >>> len(weekly_patterns(DEFAULT_CONTRACTS[0]))  # 5 days on out of 7: C(7, 5)
    21
    """
    out = []
    for days in product((False, True), repeat=7):
        on = np.array(days)
        if not contract.min_days_per_week <= on.sum() <= contract.max_days_per_week:
            continue
        if contract.weekends == "off" and (on[5] or on[6]):
            continue
        if contract.weekends == "both_or_neither" and on[5] != on[6]:
            continue
        if contract.consecutive_days_off and not _one_circular_run(~on):
            continue
        out.append(on)
    return np.array(out, dtype=bool).reshape(-1, 7)


def _one_circular_run(mask: np.ndarray) -> bool:
    """Whether the True entries form a single run on a circle (none or all count as one)."""
    if mask.all() or not mask.any():
        return True
    # Runs on a circle = places where a False is followed by a True.
    return int(np.sum(~mask & np.roll(mask, -1))) == 1


@dataclass(frozen=True)
class Candidate:
    """One shift that may be worked: ``template`` of ``contract`` starting at interval
    ``start`` of the week (on the week's day ``day``, 0 = the week's first planned day),
    ``length`` intervals long; ``break_offsets[b]`` are the offsets (intervals after the
    start) at which break ``b`` (``break_lengths[b]`` intervals) may begin."""

    contract: int
    template: ShiftTemplate
    day: int
    start: int
    length: int
    break_lengths: tuple[int, ...]
    break_offsets: tuple[tuple[int, ...], ...]
    paid_hours: float
    cost: float


def week_candidates(
    rules: ShiftRules,
    channel: str,
    weekdays: list[int],
    interval_minutes: int,
    needed: np.ndarray,
    hourly_cost: float,
) -> list[Candidate]:
    """Candidate shifts of one week for ``channel``: every template of every contract open to
    the channel, on each of the week's days (``weekdays``: 0 = Monday, one per planned day) it
    may start on, at each allowed start. Shifts run on past the week's last interval are cut
    there (the week-by-week policy; their paid time still counts). A candidate whose on-duty
    intervals all have nothing ``needed`` (a closed night) is left out: it could only add cost.
    Cost of a shift = paid hours x (the template's hourly cost, else ``hourly_cost``) x (1 +
    ``weekend_premium`` when it starts on a Saturday or Sunday)."""
    per_day = 1440 // interval_minutes
    n = needed.size
    covered = np.concatenate([[0], np.cumsum(needed)])
    out = []
    for k, contract in enumerate(rules.contracts):
        for t in contract.templates:
            if t.channels and channel not in t.channels:
                continue
            length = t.length_minutes // interval_minutes
            lengths = tuple(b.minutes // interval_minutes for b in t.breaks)
            offsets = tuple(
                tuple(
                    range(
                        b.window_start_minutes // interval_minutes,
                        (b.window_end_minutes - b.minutes) // interval_minutes + 1,
                    )
                )
                for b in t.breaks
            )
            paid_hours = t.paid_minutes / 60.0
            rate = t.hourly_cost if t.hourly_cost is not None else hourly_cost
            for day, weekday in enumerate(weekdays):
                if WEEKDAY_NAMES[weekday] not in t.days:
                    continue
                premium = 1.0 + (rules.weekend_premium if weekday >= 5 else 0.0)
                for minute in t.starts_minutes:
                    start = day * per_day + minute // interval_minutes
                    if start >= n or covered[min(start + length, n)] == covered[start]:
                        continue
                    out.append(
                        Candidate(
                            contract=k,
                            template=t,
                            day=day,
                            start=start,
                            length=length,
                            break_lengths=lengths,
                            break_offsets=offsets,
                            paid_hours=paid_hours,
                            cost=paid_hours * rate * premium,
                        )
                    )
    return out
