"""Learn from history: one call that imports a call-level export and analyses it.

``analyse_history(path)`` reads the file or files (``records``), computes the statistics per
interval, per day and per queue, the handle-time fit and the patience under censoring
(``stats``), backtests Erlang C, Erlang A and the simulation against the observed
intervals with plain and corrected inputs (``backtest``), and predicts each interval with a
prediction interval scored for coverage (``prediction``). ``calibrate`` (module
``calibrate``) turns the same records into a plannable ``Scenario``. The CLI's
``ccplan history`` and the app call these. ``samples`` gives the bundled public data
(``sample_path("bank-day")``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..io import strict_json_data
from .backtest import Backtest, backtest
from .prediction import IntervalPrediction, predict_intervals, read_schedule
from .records import CallRecords, HistoryMapping, ImportReport, read_history
from .stats import (
    HandleTimeSurge,
    PatienceEstimate,
    PeriodStats,
    QueueStats,
    handle_time_surges,
    patience_by_band,
    period_stats,
    queue_stats,
)

#: The note that goes with ``null`` where a figure is infinite (strict JSON has no infinity).
INFINITE_NOTE = (
    "null where a figure is infinite: a patience nobody ran out of (no abandonments), a "
    "Kaplan-Meier median never reached, an interval bound without evidence; see `infinite`"
)


@dataclass(frozen=True)
class HistoryAnalysis:
    """Everything ``ccplan history`` reports: ``report`` (rows read, kept, dropped by reason),
    ``days`` (KPIs per day), ``backtest`` (with the per-interval KPIs in
    ``backtest.observed``, the handle-time fit, the patience estimate and the staffing
    correction), ``patience_by_band`` (per band of the day) and the ``calls`` themselves."""

    calls: CallRecords
    days: PeriodStats
    patience_by_band: dict[str, PatienceEstimate]
    backtest: Backtest
    queues: tuple[QueueStats, ...] = ()
    prediction: IntervalPrediction | None = None
    """Per-interval predictions with prediction intervals and their coverage (None: not run)."""
    surges: tuple[HandleTimeSurge, ...] = ()
    """Days of unusual handle time."""

    @property
    def report(self) -> ImportReport:
        return self.calls.report

    def to_dict(self, per_interval: bool = True) -> dict:
        """Everything as plain data, JSON-ready in the strict sense: no infinities (null, with
        ``infinite`` listing where and ``notes`` saying why)."""
        bt = self.backtest
        out = {
            "import": self.report.to_dict(),
            "queues": [q.to_dict() for q in self.queues],
            "statistics": {
                "days": self.days.to_dict(),
                "intervals": bt.observed.to_dict() if per_interval else None,
                "handle_time": bt.handle.to_dict(),
            },
            "patience": {
                **bt.patience.to_dict(),
                "by_band": {k: v.to_dict() for k, v in self.patience_by_band.items()},
            },
            "staffing": bt.staffing.to_dict(),
            "backtest": bt.to_dict(per_interval),
            "prediction_intervals": None
            if self.prediction is None
            else self.prediction.to_dict(per_interval),
            "handle_time_surges": [asdict(x) for x in self.surges],
        }
        out = strict_json_data(out, note=INFINITE_NOTE)
        out.setdefault("infinite", [])
        out.setdefault("notes", [])
        return out


def analyse_history(
    path,
    mapping: HistoryMapping | None = None,
    *,
    date_from=None,
    date_to=None,
    schedule=None,
    level: float = 0.8,
    prediction_replications: int = 0,
    **options,
) -> HistoryAnalysis:
    """Import ``path`` (a file or a list of files; the calls from ``date_from`` to
    ``date_to``, inclusive, when given) and analyse it; ``options`` go to
    ``backtest.backtest`` (``interval_minutes``, ``threshold_s``, ``busy_min_offered``,
    ``target_service_level``, ``break_gap_s``, ``replications``, ``seed``). With
    ``prediction_replications`` (>= 10) the intervals are also predicted with ``level``
    prediction intervals (``prediction.predict_intervals``), the agents from the
    ``schedule`` CSV when given, else the in-sample estimate."""
    calls = read_history(path, mapping, date_from=date_from, date_to=date_to)
    bt = backtest(calls, **options)
    prediction = None
    if schedule is not None and not prediction_replications:
        raise ValueError("a schedule is used by the prediction intervals: give replications")
    if prediction_replications:
        keys = ("interval_minutes", "threshold_s", "busy_min_offered", "seed", "break_gap_s")
        shared = {k: options[k] for k in keys if k in options}
        sched = None
        if schedule is not None:
            sched = read_schedule(schedule, calls, options.get("interval_minutes", 30))
        prediction = predict_intervals(
            calls,
            schedule=sched,
            level=level,
            replications=prediction_replications,
            **shared,
        )
    return HistoryAnalysis(
        calls=calls,
        days=period_stats(calls, 1440, bt.threshold_s),
        patience_by_band=patience_by_band(calls),
        backtest=bt,
        queues=tuple(queue_stats(calls, bt.threshold_s)),
        prediction=prediction,
        surges=tuple(handle_time_surges(calls)),
    )
