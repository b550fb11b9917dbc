"""Build the multi-day test exports in the Technion "Anonymous Bank" text layout.

The real monthly Technion files (tab separated, CRLF line ends, ``YYMMDD`` dates, clock times
without a leading zero, ``0:00:00`` for "did not happen", customer ids in scientific notation)
are not redistributable here, so these files are generated deterministically from data that
ships: the arrival counts are Poisson draws around the bundled 5-minute volumes of
``bank_calls_2003-03.csv`` (scaled down), placed on the bank's documented week (Sunday-Thursday
07:00-24:00, Friday 07:00-14:00, Saturday 20:00-24:00; the VRU answers around the clock, so
calls outside the opening hours end in the VRU). Each day is then served by a first-come
first-served queue with exponential patience and lognormal handle times, with named agents on
shifts and after-call work between calls. One day (``SURGE_DAY``) has handle times 1.6 times
longer (an outage of a back-office system), to test the handle-time surge warning.

Run ``python tests/scenarios/history/technion_month.py`` to rewrite the files; a test checks
that the stored files are what this script makes.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "data"
VOLUMES = Path(__file__).parents[3] / "scenarios" / "history" / "data" / "bank_calls_2003-03.csv"
HEADER = (
    "vru+line call_id customer_id priority type date vru_entry vru_exit vru_time q_start q_exit "
    "q_time outcome ser_start ser_exit ser_time server"
).split()
#: Opening hours by Python weekday (Monday 0): (open, close) in hours; the Israeli week.
OPEN_H = {0: (7, 24), 1: (7, 24), 2: (7, 24), 3: (7, 24), 4: (7, 14), 5: (20, 24), 6: (7, 24)}
SCALE = 0.012  # bank calls -> this center's calls
AHT_S, AHT_CV, WRAP_S, PATIENCE_S = 200.0, 1.0, 12.0, 150.0
SURGE_DAY = dt.date(1999, 2, 17)
TYPES = (("PS", 0.70), ("NE", 0.10), ("IN", 0.08), ("NW", 0.06), ("PE", 0.04), ("TT", 0.02))
NAMES = (
    "ANAT AVI BENNY DANA DORIT ELI GILI HILA IDO KEREN LIOR MICHAL MOSHE NOA OFER RONIT SHIRA "
    "TAL YAEL YOSSI ZIV"
).split()
FILES = {
    "technion_1999-02.txt": (dt.date(1999, 2, 1), 28, 1),
    "technion_1999-04_week.txt": (dt.date(1999, 4, 4), 7, 2),
}


def _bank_days() -> np.ndarray:
    """The bundled 5-minute volumes, days x 169 intervals (07:00 .. 21:00 starts)."""
    with VOLUMES.open(newline="") as f:
        calls = [int(r["Calls"]) for r in csv.DictReader(f)]
    return np.asarray(calls, float).reshape(-1, 169)


def _rates_per_5min(day: dt.date, bank: np.ndarray, k: int) -> np.ndarray:
    """Expected calls reaching the queue in each 5-minute slot of ``day`` (288 slots)."""
    shape = np.zeros(288)
    src = bank[k % bank.shape[0]]
    shape[84 : 84 + 169] = src  # 07:00 .. 21:05
    shape[84 + 169 :] = src[-1] * np.linspace(0.9, 0.3, 288 - 84 - 169)  # evening tail
    lo, hi = OPEN_H[day.weekday()]
    is_open = (np.arange(288) >= lo * 12) & (np.arange(288) < hi * 12)
    if day.weekday() == 5:  # Saturday evening: a quiet reopening after the Sabbath
        shape[is_open] = src[:48].mean() * 0.6
    return SCALE * shape * is_open


def _clock(t_s: float) -> str:
    t = int(round(t_s)) % 86_400
    return f"{t // 3600}:{t % 3600 // 60:02d}:{t % 60:02d}"


def _agents_needed(rate_per_5min: np.ndarray) -> np.ndarray:
    """Agents on duty per half hour: the offered load plus a square-root safety margin,
    a little short (the real center was often overloaded)."""
    load = rate_per_5min.reshape(48, 6).sum(axis=1) * AHT_S / 1800.0
    return np.where(load > 0, np.ceil(load + 0.6 * np.sqrt(load)), 0).astype(int)


def _shifts(needed: np.ndarray) -> list[tuple[float, float]]:
    """Agent j works from the first to the last half hour in which j < needed."""
    out = []
    for j in range(int(needed.max(initial=0))):
        on = np.flatnonzero(needed > j)
        out.append((on[0] * 1800.0, (on[-1] + 1) * 1800.0))
    return out


def _day_rows(day: dt.date, bank, k, rng, call_id) -> list[list[str]]:
    rate = _rates_per_5min(day, bank, k)
    counts = rng.poisson(rate)
    queue_at = np.sort(
        np.repeat(np.arange(288) * 300.0, counts) + rng.uniform(0, 300, counts.sum())
    )
    surge = 1.6 if day == SURGE_DAY else 1.0
    sigma = np.sqrt(np.log1p(AHT_CV**2))
    shifts = _shifts(_agents_needed(rate))
    names = [NAMES[(j + k) % len(NAMES)] for j in range(len(shifts))]
    free = [(start, j) for j, (start, _) in enumerate(shifts)]
    heapq.heapify(free)
    calls = []
    for t in queue_at:
        patience = rng.exponential(PATIENCE_S)
        handle = max(1.0, round(rng.lognormal(np.log(AHT_S * surge) - sigma**2 / 2, sigma)))
        # The first agent free (and still on shift) takes the call, first come first served.
        while free and free[0][0] < t and shifts[free[0][1]][1] <= t:
            heapq.heappop(free)  # shift over
        start = max(t, free[0][0]) if free else np.inf
        wait = start - t
        if wait > patience:
            calls.append((t, round(patience), None, None))
            continue
        _, j = heapq.heappop(free)
        end = start + handle
        if end + WRAP_S < shifts[j][1]:
            heapq.heappush(free, (end + rng.exponential(WRAP_S), j))
        calls.append((t, round(wait), round(start), names[j], handle))
    # Calls that ended in the VRU (self-service), around the clock, and a few phantoms.
    vru_only = np.sort(rng.uniform(0, 86_400, rng.poisson(25)))
    rows = []
    date = day.strftime("%y%m%d")
    for c in calls:
        call_id += int(rng.integers(1, 4))
        t, wait = c[0], c[1]
        vru_time = int(rng.integers(3, 25))
        priority = "2" if rng.random() < 0.25 else "1"
        ctype = TYPES[int(rng.choice(len(TYPES), p=[p for _, p in TYPES]))][0]
        customer = f"{rng.uniform(1, 9):.5f}E+11" if rng.random() < 0.3 else str(call_id * 7)
        head = [f"AA0{rng.integers(1, 7)}{rng.integers(1, 17):02d}", str(call_id), customer]
        vru = [_clock(t - vru_time), _clock(t), str(vru_time)]
        if wait == 0 and c[2] is not None:  # straight to a free agent: never queued
            q = ["0:00:00", "0:00:00", "0"]
            priority = "0"
        else:
            q = [_clock(t), _clock(t + wait), str(wait)]
        if c[2] is None:
            ser, outcome, server = ["0:00:00", "0:00:00", "0"], "HANG", "NO_SERVER"
        else:
            s0, handle = c[2], int(c[4])
            ser, outcome, server = [_clock(s0), _clock(s0 + handle), str(handle)], "AGENT", c[3]
        rows.append((t, head[:3] + [priority, ctype, date] + vru + q + [outcome] + ser + [server]))
    for t in vru_only:
        call_id += 1
        vru_time = int(rng.integers(5, 90))
        rows.append(
            (
                t,
                [f"AA0{rng.integers(1, 7)}01", str(call_id), "0", "0", "PS", date]
                + [_clock(t), _clock(t + vru_time), str(vru_time)]
                + ["0:00:00", "0:00:00", "0", "HANG", "0:00:00", "0:00:00", "0", "NO_SERVER"],
            )
        )
    for _ in range(rng.poisson(3)):
        t = float(rng.uniform(8 * 3600, 12 * 3600))
        call_id += 1
        rows.append(
            (
                t,
                ["AA0101", str(call_id), "0", "0", "PS", date, _clock(t - 5), _clock(t), "5"]
                + [_clock(t), _clock(t + 2), "2", "PHANTOM", "0:00:00", "0:00:00", "0"]
                + ["NO_SERVER"],
            )
        )
    rows.sort(key=lambda r: r[0])
    return [r for _, r in rows], call_id


def build(first: dt.date, days: int, seed: int) -> str:
    """The export of ``days`` days from ``first`` as text (tab separated, CRLF)."""
    bank = _bank_days()
    rng = np.random.default_rng(seed)
    lines = ["\t".join(HEADER)]
    call_id = 10_000 * seed
    for d in range(days):
        rows, call_id = _day_rows(first + dt.timedelta(days=d), bank, d, rng, call_id)
        lines += ["\t".join(r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def schedule(first: dt.date, days: int) -> str:
    """The agents on duty per half hour in ``build``'s files, as a schedule CSV (``start``,
    ``agents``): the shifts covering each half hour."""
    bank = _bank_days()
    lines = ["start,agents"]
    for d in range(days):
        day = first + dt.timedelta(days=d)
        shifts = _shifts(_agents_needed(_rates_per_5min(day, bank, d)))
        for k in range(48):
            on = sum(lo <= k * 1800.0 < hi for lo, hi in shifts)
            start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=30 * k)
            lines.append(f"{start:%Y-%m-%d %H:%M},{on}")
    return "\n".join(lines) + "\n"


#: The schedule of the February file.
SCHEDULE = "technion_1999-02_schedule.csv"


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, args in FILES.items():
        (HERE / name).write_bytes(build(*args).encode("ascii"))
    (HERE / SCHEDULE).write_text(schedule(*FILES["technion_1999-02.txt"][:2]))


if __name__ == "__main__":
    main()
