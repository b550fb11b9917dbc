"""Folders and files the user names for outputs (``--out``, ``--report``, ``--plots``,
``--scenario-out``, ``examples --copy``): one run's outputs per folder, nothing overwritten
that the planner did not write.

A folder a command writes into gets a small manifest, ``.ccplan-run.json`` (``MANIFEST``):
the command, whether the run completed, and the files it wrote. It is written before the
first output (so a run killed midway still marks the folder as the planner's) and again
after the last. The next run into the folder first removes the previous run's outputs: the
files its manifest lists and any file named like a planner output (``KNOWN_OUTPUTS``: this
covers a run killed between writing a file and listing it), and the temporaries of killed
runs (``io.remove_stale_temporaries``). So a folder never holds a 1,096-day ``intervals.csv``
beside an old 7-day ``plan.json``. Files of other names (the user's own) are never touched.

A folder without a manifest that holds files named like planner outputs was not written by
this version of the planner (or by hand): the run refuses without ``--force``, and with it
replaces them. A single named file (``--scenario-out``, ``examples --copy``) is likewise not
overwritten without ``--force``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from pathlib import Path

from ..io import json_text, remove_stale_temporaries, write_atomic
from ._common import CliError

MANIFEST = ".ccplan-run.json"

#: The files each command writes into its output folder (names or ``fnmatch`` patterns).
KNOWN_OUTPUTS = {
    "plan": (
        "intervals.csv",
        "daily.csv",
        "weekly.csv",
        "monthly.csv",
        "plan.json",
        "staffing_day1.png",
        "heatmap_*.png",
        "kpi_*.png",
    ),
    "simulate": ("replications.csv", "summary.json"),
    "sweep": ("sweep.csv", "sweep.parquet", "sweep_cost.png", "sweep_service_level.png"),
    "check": ("report.html", "report.pdf"),
    "history": ("backtest.png", "staffing.png", "patience.png"),
    "forecast": ("forecast_*.csv", "forecast_*.png", "forecast.json", "scenario.yaml"),
    "roster": ("shifts.csv", "coverage.csv", "roster.json", "coverage_*.png"),
}


def _known(name: str) -> bool:
    return any(
        fnmatch.fnmatchcase(name, pattern)
        for patterns in KNOWN_OUTPUTS.values()
        for pattern in patterns
    )


def _listed(folder: Path) -> list[str] | None:
    """The files the previous run's manifest lists (None: no manifest; [] if unreadable)."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data.get("files", []) if isinstance(data, dict) else []
    except (OSError, ValueError):  # a manifest cut short: the folder is still the planner's
        return []
    # plain names inside the folder only: a hand-edited manifest cannot reach elsewhere
    return [f for f in files if isinstance(f, str) and f and Path(f).name == f and f[0] != "."]


class OutputFolder:
    """One run's outputs in ``folder`` (see the module docstring).

    ``claim()`` checks the folder, removes the previous run's outputs and writes the
    manifest; ``done(paths)`` records what was written. ``claim`` is called once the results
    are computed, so a run that fails on bad input leaves the previous outputs in place.
    """

    def __init__(self, folder, command: str, *, force: bool = False, option: str = "--out"):
        self.folder = Path(folder)
        self.command = command
        self.force = force
        self.option = option
        self._claimed = False

    def check(self) -> OutputFolder:
        """Refuse early (before minutes of computing) a folder ``claim`` would refuse: one
        that is not a folder, or holds outputs no ccplan run recorded (without ``--force``).
        Changes nothing. Returns self."""
        self._previous()
        return self

    def _previous(self) -> list[Path]:
        """The previous outputs ``claim`` removes (``CliError`` if refused)."""
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise CliError(f"{self.option} {folder}: exists and is not a folder")
        if not folder.exists():
            return []
        listed = _listed(folder)
        previous = sorted(
            (
                p
                for p in folder.iterdir()
                if (_known(p.name) or p.name in (listed or ())) and (p.is_file() or p.is_symlink())
            ),
            key=lambda p: p.name,
        )
        if previous and listed is None and not self.force:
            names = [p.name for p in previous]
            shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
            raise CliError(
                f"{self.option} {folder}: already holds {shown}, not written by a ccplan run "
                "(no .ccplan-run.json); give --force to replace them, or an empty folder"
            )
        return previous

    def claim(self) -> Path:
        """Make the folder this run's; returns it. ``CliError`` as ``check``."""
        if self._claimed:
            return self.folder
        previous = self._previous()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CliError(
                f"{self.option} {self.folder}: cannot create the folder ({err.strerror})"
            ) from None
        remove_stale_temporaries(self.folder)
        for path in previous:
            path.unlink(missing_ok=True)
        self._write_manifest([], complete=False)
        self._claimed = True
        return self.folder

    def done(self, paths, *, complete: bool = True) -> None:
        """Record the files written (their names in the folder)."""
        self._write_manifest(sorted({Path(p).name for p in paths}), complete=complete)

    def _write_manifest(self, files: list[str], *, complete: bool) -> None:
        doc = {
            "command": f"ccplan {self.command}",
            "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "complete": complete,
            "files": files,
        }
        write_atomic(self.folder / MANIFEST, json_text(doc) + "\n")


def check_new_file(path, *, force: bool, option: str) -> Path:
    """``path`` for a single output file: refused if it exists (without ``--force``) or is not
    a regular file (a folder, a device)."""
    path = Path(path)
    if path.is_dir():
        raise CliError(f"{option} {path}: is a folder; give a file name")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise CliError(f"{option} {path}: exists and is not a regular file")
        if not force:
            raise CliError(f"{option} {path}: already exists; give --force to overwrite it")
    return path
