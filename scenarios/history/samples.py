"""The public call-center sample data bundled with the package (source and licence: data/README.md).

``bank-day`` is one day of call-level records (the Technion "Anonymous Bank", 1 August 1999, in
the ``ANONYMOUS_BANK`` export format); ``bank-5min`` is 20 weekdays of 5-minute call volumes of a
North American bank (fpp3's ``bank_calls``). Both ship as package data, so a clone or an install
has them; nothing reads files outside the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: Sample name -> file in ``scenarios/history/data``.
SAMPLES = {
    "bank-day": "anonymous_bank_one_day.csv",
    "bank-5min": "bank_calls_2003-03.csv",
}


def sample_path(name: str) -> Path:
    """Path of the bundled sample ``name`` (one of ``SAMPLES``)."""
    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; bundled samples: {', '.join(SAMPLES)}")
    return Path(str(resources.files("scenarios.history") / "data" / SAMPLES[name]))


def resolve_history_file(file_or_sample: str) -> Path:
    """A history file path as given, or the bundled sample of that name if no such file exists."""
    path = Path(file_or_sample)
    if not path.exists() and file_or_sample in SAMPLES:
        return sample_path(file_or_sample)
    return path
