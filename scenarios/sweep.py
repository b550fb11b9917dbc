"""Scenario sweeps: plan every point of a grid of changed fields, one tidy table of outcomes.

A sweep varies fields of a scenario named by dotted paths into the schema, each over a range
or a list of values; the grid is every combination. ``parse_vary`` reads the command-line form
``PATH=START:STOP:STEP`` (the stop is included when the steps land on it, within 1e-9 of a
step) or ``PATH=A,B,C`` (values read as YAML scalars: ``0.8``, ``15``, ``of_answered``).

Paths are those of ``overrides`` (the one validated way to change a scenario): the schema's
field names; entries of a list picked by their name (``channels.<name>``, ``targets.<channel>``,
``demand.special_periods.<label>``) or by their position (``channels.0``, ``targets[0]``)::

    targets.voice.service_level=0.7:0.95:0.05
    targets.voice.threshold_s=15,20,30
    channels.voice.demand.volume_per_day=2000:3000:250
    workforce.shrinkage.absence=0.08,0.12
    workforce.shrinkage=0.25:0.40:0.05      # the total: every component scaled alike
    workforce.max_occupancy=0.8,0.85,0.9

Every grid point is validated with the same pydantic schema as a scenario file; a bad path or
value is reported in one line naming the path and the rule it breaks. ``run_sweep`` plans the
points through an executor (``simulator.executors``) and, with ``replications``, adds the
simulated SLA breach risk of each channel with a service-level target (the same seed at every
point: common random numbers, so differences come from the changed fields).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .io import spreadsheet_text, write_atomic
from .overrides import OverrideError, apply_overrides, resolve_path
from .periods import excluded_intervals, periods_of, ratio_of_counts
from .pipeline import plan
from .scenario import Scenario

#: Largest grid a sweep accepts (a typo such as a step of 0.0001 should not start 10^6 plans).
MAX_POINTS = 10_000


@dataclass(frozen=True)
class Axis:
    """One varied field: its dotted ``path`` and the ``values`` it takes, in order."""

    path: str
    values: tuple


def _number(text: str):
    """``int`` or ``float`` from a range bound, or None when it is not a number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_vary(text: str) -> Axis:
    """An ``Axis`` from ``PATH=START:STOP:STEP`` or ``PATH=A,B,C``.

    >>> parse_vary("targets.voice.service_level=0.7:0.8:0.05").values
    (0.7, 0.75, 0.8)
    >>> parse_vary("targets.voice.threshold_s=15,20").values
    (15, 20)
    """
    path, sep, spec = (part.strip() for part in text.partition("="))
    if not sep or not path or not spec:
        raise ValueError(
            f"--vary {text!r}: expected PATH=START:STOP:STEP or PATH=A,B,C "
            "(e.g. targets.voice.service_level=0.7:0.95:0.05)"
        )
    bounds = spec.split(":")
    numbers = [_number(b.strip()) for b in bounds]
    if len(bounds) == 3 and all(n is not None for n in numbers):
        start, stop, step = numbers
        if step <= 0:
            raise ValueError(f"--vary {path}: the step must be > 0, got {bounds[2].strip()}")
        if stop < start:
            raise ValueError(f"--vary {path}: the stop {stop:g} is below the start {start:g}")
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > MAX_POINTS:
            raise ValueError(f"--vary {path}: {count:,} values; at most {MAX_POINTS:,}")
        if all(isinstance(n, int) for n in numbers):
            values = tuple(start + i * step for i in range(count))
        else:  # 0.7 + 3 * 0.05 is 0.8500000000000001: keep the decimal the user meant
            values = tuple(float(round(start + i * step, 12)) for i in range(count))
        return Axis(path, values)
    if len(bounds) == 3 and "," not in spec:
        bad = next(b for b, n in zip(bounds, numbers, strict=True) if n is None)
        raise ValueError(f"--vary {path}: range bound {bad.strip()!r} is not a number")
    values = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"--vary {path}: empty value in the list {spec!r}")
        try:
            value = yaml.safe_load(item)
        except yaml.YAMLError:
            value = item
        if isinstance(value, (dict, list)):
            raise ValueError(f"--vary {path}: {item!r} is not a single value")
        if value in values:
            raise ValueError(f"--vary {path}: the value {item} is listed twice")
        values.append(value)
    return Axis(path, tuple(values))


def _apply(scenario: Scenario, changes: list[tuple[Axis, object]]) -> Scenario:
    try:
        return apply_overrides(scenario, [(axis.path, value) for axis, value in changes])
    except OverrideError as err:
        setting = ", ".join(f"{a.path}={v}" for a, v in changes)
        raise ValueError(f"--vary {setting}: {err}") from None


def grid(scenario: Scenario, axes) -> list[tuple[tuple, Scenario]]:
    """Every combination of the axes' values (first axis slowest) as ``(values, scenario)``.

    Each value is first checked on its own (so an error names the one path and value), then
    each combination (cross-field rules, e.g. shrinkage components adding up to 1 or more).
    """
    axes = list(axes)
    if not axes:
        raise ValueError("give at least one --vary PATH=VALUES")
    paths = [a.path for a in axes]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise ValueError(f"--vary {repeated[0]}: the same path is varied twice")
    size = math.prod(len(a.values) for a in axes)
    if size > MAX_POINTS:
        raise ValueError(f"the sweep has {size:,} grid points; at most {MAX_POINTS:,}")
    for axis in axes:
        try:
            resolve_path(scenario, axis.path)
        except OverrideError as err:
            raise ValueError(f"--vary {err}") from None
        for value in axis.values:
            _apply(scenario, [(axis, value)])
    points = []
    for values in itertools.product(*(a.values for a in axes)):
        changes = list(zip(axes, values, strict=True))
        points.append((tuple(values), _apply(scenario, changes)))
    return points


# ----- outcomes -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelOutcome:
    """What the plan of one grid point gives one channel.

    ``required_fte`` are the agents on the phones (before shrinkage) as FTE; ``scheduled_fte``
    the paid staff (after shrinkage and shift blocks), as in the plan's FTE. ``service_level``
    is the predicted SL over the horizon (offered-weighted, under ``sl_definition`` with
    ``threshold_s``); ``sl_met`` whether the offered-weighted predicted SL meets the target in
    every reporting period (excluded intervals left out; None without an SL target).
    ``p_breach_worst`` (simulated, with ``replications``) is the largest probability over the
    target's clauses and measured reporting periods that the measured KPI misses its standard;
    ``expected_breaches_per_year`` counts the SL clause's breached periods.
    """

    channel: str
    kind: str
    model: str
    sl_definition: str
    threshold_s: float
    target_service_level: float
    service_level: float
    sl_met: bool | None
    p_abandon: float
    peak_required_agents: int
    peak_scheduled_agents: int
    unreachable_intervals: int
    required_fte: float
    scheduled_fte: float
    paid_hours: float
    cost: float
    p_breach_worst: float = float("nan")
    expected_breaches_per_year: float = float("nan")


@dataclass(frozen=True)
class PointOutcome:
    """One grid point: the varied values, each channel's outcome and the scenario totals."""

    values: tuple
    channels: tuple[ChannelOutcome, ...]
    fte: float
    paid_hours: float
    cost: float
    revenue: float


@dataclass(frozen=True)
class SweepResult:
    """All grid points of a sweep, in grid order (first axis slowest)."""

    scenario: str
    model: str
    currency: str
    axes: tuple[Axis, ...]
    points: tuple[PointOutcome, ...]
    replications: int | None
    seed: int

    def columns(self) -> list[str]:
        """Names of the tidy table's columns."""
        outcome = [f for f in ChannelOutcome.__dataclass_fields__ if f != "channel"]
        totals = ["total_scheduled_fte", "total_paid_hours", "total_cost", "total_revenue"]
        return ["point", *(a.path for a in self.axes), "channel", *outcome, *totals, "currency"]

    def rows(self) -> list[list]:
        """One row per grid point and channel."""
        rows = []
        for i, p in enumerate(self.points):
            for ch in p.channels:
                values = [getattr(ch, f) for f in ChannelOutcome.__dataclass_fields__]
                rows.append(
                    [
                        i,
                        *p.values,
                        *values,
                        p.fte,
                        p.paid_hours,
                        p.cost,
                        p.revenue,
                        self.currency,
                    ]
                )
        return rows

    def records(self) -> list[dict]:
        """The rows as dicts (column name -> value)."""
        cols = self.columns()
        return [dict(zip(cols, r, strict=True)) for r in self.rows()]


def _met_every_period(scenario, result, name, target) -> bool:
    """Whether the offered-weighted predicted SL meets the target in every measured reporting
    period (the contract's exclusions left out; unmeasured periods neither meet nor miss)."""
    demand = result.table.channels[name]
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    counted = ~excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    offered = demand.offered * counted
    sl = np.nan_to_num(result.channels[name].service_level)  # nothing offered: weight 0
    measured = ratio_of_counts(periods.total(sl * offered), periods.total(offered))
    measured = measured[~np.isnan(measured)]
    return bool(np.all(measured >= target.service_level - 1e-12))


def _plan_point(task) -> tuple[tuple[ChannelOutcome, ...], float, float, float, float]:
    """Plan one grid point (runs in a worker): ``task`` is ``(scenario, model, base_dir,
    replications, seed)``."""
    from .simulation import predicted_run_kpi
    from .verdict.breach import breach_risks, worst_p_breach

    scenario, model, base_dir, replications, seed = task
    result = plan(scenario, model, base_dir=base_dir)
    wf = scenario.workforce
    fte_hours = wf.hours_per_fte_per_week * scenario.days / 7.0
    interval_h = scenario.interval_s / 3600.0
    outcomes = []
    for ch in scenario.channels:
        p = result.channels[ch.name]
        target = scenario.target_for(ch.name)
        has_sl = target is not None and target.service_level is not None
        extra = {}
        if has_sl and replications:
            risks = breach_risks(
                result,  # this point's plan: its demand, not expanded again
                ch.name,
                agents=p.required_agents,
                replications=replications,
                seed=seed,
            )
            extra = dict(
                p_breach_worst=worst_p_breach(risks),  # every clause, measured periods
                expected_breaches_per_year=risks["service_level"].expected_breaches_per_year,
            )
        outcomes.append(
            ChannelOutcome(
                channel=ch.name,
                kind=ch.kind,
                model=p.model,
                sl_definition=p.sl_definition.value,
                threshold_s=float(p.threshold_s),
                target_service_level=float(target.service_level) if has_sl else float("nan"),
                service_level=predicted_run_kpi(result, ch.name, "service_level"),
                sl_met=_met_every_period(scenario, result, ch.name, target) if has_sl else None,
                p_abandon=predicted_run_kpi(result, ch.name, "p_abandon"),
                peak_required_agents=int(p.required_agents.max()),
                peak_scheduled_agents=int(p.scheduled_agents.max()),
                unreachable_intervals=int(np.sum(~p.reachable)),
                required_fte=float(p.required_agents.sum() * interval_h / fte_hours),
                scheduled_fte=float(p.paid_hours.sum() / fte_hours),
                paid_hours=float(p.paid_hours.sum()),
                cost=float(p.cost.sum()),
                **extra,
            )
        )
    t = result.total
    return (
        tuple(outcomes),
        float(t.fte[0]),
        float(t.paid_hours[0]),
        float(t.cost[0]),
        float(t.revenue[0]),
    )


def run_sweep(
    scenario: Scenario,
    axes,
    *,
    model: str = "erlang_a",
    base_dir: Path | None = None,
    replications: int | None = None,
    seed: int = 1,
    executor=None,
    progress=None,
) -> SweepResult:
    """Plan every grid point of ``axes`` (``Axis`` objects, or ``--vary`` strings).

    Parameters
    ----------
    scenario : the base scenario.
    axes : the varied fields; the grid is every combination (first axis slowest).
    model : "erlang_a" or "erlang_c".
    base_dir : directory relative CSV demand files are read from.
    replications : with a number >= 2, each channel with an SL target also gets its simulated
        breach risk at the planned staffing (``verdict.breach_risk``, seed ``seed``).
    executor : runs the grid points (``simulator.executors``; default: one after the other in
        this process). The results do not depend on it.
    progress : ``progress(done, total)`` as grid points finish.
    """
    from simulator.executors import SerialExecutor, map_in_batches

    axes = tuple(parse_vary(a) if isinstance(a, str) else a for a in axes)
    if replications is not None and replications < 2:
        raise ValueError(f"`replications` must be at least 2, got {replications}")
    points = grid(scenario, axes)
    tasks = [(s, model, base_dir, replications, seed) for _, s in points]
    runner = executor if executor is not None else SerialExecutor()

    def result(outcomes) -> SweepResult:
        return SweepResult(
            scenario=scenario.name,
            model=model,
            currency=scenario.workforce.currency,
            axes=axes,
            points=tuple(
                PointOutcome(values, *outcome)
                for (values, _), outcome in zip(points, outcomes, strict=False)
            ),
            replications=replications,
            seed=seed,
        )

    # Batch by batch, so that an interrupted sweep keeps what finished.
    outcomes: list = []
    try:
        for batch in map_in_batches(runner, _plan_point, tasks, progress):
            outcomes += batch
    except KeyboardInterrupt:
        raise SweepInterrupted(result(outcomes)) from None
    return result(outcomes)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep; ``partial`` holds the grid points that finished (in grid order)."""

    def __init__(self, partial: SweepResult):
        super().__init__(f"{len(partial.points)} grid point(s) finished")
        self.partial = partial


# ----- files ----------------------------------------------------------------------------------
def _cell(value) -> str:
    """CSV text as in ``export`` (``inf``, empty for NaN/None, ``true``/``false``), with
    floats written to round-trip exactly."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(value)
    return spreadsheet_text(str(value))


def sweep_csv(result: SweepResult) -> str:
    """The tidy table as CSV text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([spreadsheet_text(c) for c in result.columns()])
    writer.writerows([_cell(v) for v in row] for row in result.rows())
    return buf.getvalue()


def sweep_parquet(result: SweepResult) -> bytes:
    """The tidy table as Parquet (needs pyarrow; raises ImportError without it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = result.columns()
    rows = result.rows()
    data = {}
    for j, name in enumerate(cols):
        values = [r[j] for r in rows]
        if any(isinstance(v, str) for v in values) and not all(
            isinstance(v, str) or v is None for v in values
        ):
            values = [None if v is None else str(v) for v in values]
        data[name] = pa.array(values)
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table(data), buf)
    return buf.getvalue().to_pybytes()


def _positions(values: tuple):
    """x positions and tick labels: the values themselves when numeric, else 0, 1, ..."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric:
        return np.asarray(values, dtype=float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


def _series(result: SweepResult):
    """Points grouped by the values of every axis but the first: (label, [point indices])."""
    rest = result.axes[1:]
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(result.points):
        groups.setdefault(tuple(p.values[1:]), []).append(i)
    return [
        (", ".join(f"{a.path}={v}" for a, v in zip(rest, key, strict=True)), idx)
        for key, idx in groups.items()
    ]


def cost_plot(result: SweepResult):
    """Scenario cost and scheduled FTE against the first varied field (a line per
    combination of the others)."""
    from .output.plots import _figure

    axis = result.axes[0]
    x, labels = _positions(axis.values)
    fig = _figure(9.0, 4.5)
    ax_cost, ax_fte = fig.subplots(1, 2)
    series = _series(result)
    for label, idx in series:
        ax_cost.plot(x, [result.points[i].cost for i in idx], marker="o", label=label or None)
        ax_fte.plot(x, [result.points[i].fte for i in idx], marker="o", label=label or None)
    ax_cost.set_ylabel(f"cost over the horizon [{result.currency}]")
    ax_fte.set_ylabel("scheduled FTE (after shrinkage)")
    for ax in (ax_cost, ax_fte):
        ax.set_xlabel(axis.path)
        if labels is not None:
            ax.set_xticks(x, labels)
        ax.grid(alpha=0.3)
    if 1 < len(series) <= 12:
        ax_fte.legend(fontsize="x-small")
    fig.suptitle(f"{result.scenario}: cost and staff across the sweep ({result.model})")
    return fig


def service_level_plot(result: SweepResult):
    """Predicted service level of each channel with an SL target against the first varied
    field, with the target (and, with replications, the worst-period breach probability)."""
    from .output.plots import _figure

    axis = result.axes[0]
    x, labels = _positions(axis.values)
    names = [c.channel for c in result.points[0].channels]
    has_risk = result.replications is not None
    fig = _figure(9.0, 4.5)
    axes = fig.subplots(1, 2 if has_risk else 1, squeeze=False)[0]
    series = _series(result)
    for label, idx in series:
        for j, name in enumerate(names):
            outcomes = [result.points[i].channels[j] for i in idx]
            if math.isnan(outcomes[0].target_service_level):
                continue
            tag = name + (f" ({label})" if label else "")
            axes[0].plot(x, [o.service_level for o in outcomes], marker="o", label=tag)
            axes[0].plot(
                x, [o.target_service_level for o in outcomes], ls="--", color="grey", lw=0.8
            )
            if has_risk:
                axes[1].plot(x, [o.p_breach_worst for o in outcomes], marker="o", label=tag)
    d = result.points[0].channels
    kinds = {o.sl_definition for o in d}
    axes[0].set_ylabel("predicted service level (" + ", ".join(sorted(kinds)) + ")")
    axes[0].set_ylim(0, 1.05)
    if has_risk:
        axes[1].set_ylabel(f"P(breach), worst period ({result.replications} replications)")
        axes[1].set_ylim(0, 1.05)
    for ax in axes:
        ax.set_xlabel(axis.path)
        if labels is not None:
            ax.set_xticks(x, labels)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0] and len(ax.get_legend_handles_labels()[0]) <= 12:
            ax.legend(fontsize="x-small")
    fig.suptitle(f"{result.scenario}: service level across the sweep (dashed: target)")
    return fig


def write_sweep(
    result: SweepResult, out_dir, *, plots: bool = True
) -> tuple[list[Path], list[str]]:
    """Write ``sweep.csv``, ``sweep.parquet`` (when pyarrow is installed) and two PNG plots to
    ``out_dir``, each atomically (the plots need the whole grid: not for an interrupted
    sweep). Returns the paths written and notes for the user."""
    from .output.plots import save_png

    out_dir = Path(out_dir)
    written, notes = [], []
    path = out_dir / "sweep.csv"
    write_atomic(path, sweep_csv(result))
    written.append(path)
    try:
        data = sweep_parquet(result)
    except ImportError:
        notes.append("Parquet not written: it needs pyarrow (pip install pyarrow)")
    else:
        path = out_dir / "sweep.parquet"
        write_atomic(path, data)
        written.append(path)
    if plots:
        written.append(save_png(cost_plot(result), out_dir / "sweep_cost.png"))
        written.append(save_png(service_level_plot(result), out_dir / "sweep_service_level.png"))
    return written, notes
