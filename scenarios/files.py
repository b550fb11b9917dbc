"""Files a scenario names (interval-volume CSVs): where they may be, and how much is read.

A scenario's ``csv:`` field is text from whoever wrote the scenario. In the CLI and the Python
API that is the machine's own user; in the app it is anyone the app is served to, and the
server must not open its own files for them. So:

- a relative name resolves in the scenario's folder (``DataDir.path``: the scenario file's
  folder in the CLI, the upload's companion files in the app) and may not leave it (``..`` or
  a symbolic link pointing outside are refused);
- an absolute name is accepted only where ``DataDir.allow_absolute`` (CLI, API), never in the
  app;
- only regular files are read (no ``/dev/zero``, no FIFO), and at most ``MAX_DATA_FILE_BYTES``.
"""

from __future__ import annotations

import csv
import os
import stat
from dataclasses import dataclass
from pathlib import Path

#: Largest data file read (an interval-volume CSV of a year of 5-minute intervals for ten
#: channels is about 10 MB).
MAX_DATA_FILE_BYTES = 200 * 1024**2


class DataFileError(ValueError):
    """A file a scenario names may not be read (outside its folder, not a regular file, too
    large); the message names the file and the rule."""


@dataclass(frozen=True)
class DataDir:
    """The folder a scenario's relative file names resolve in.

    path : the folder.
    allow_absolute : whether absolute file names (regular files only) are accepted: True for
        the CLI and the API, False for the app.
    """

    path: Path
    allow_absolute: bool = True


def data_dir(base_dir: DataDir | Path | str | None) -> DataDir:
    """``base_dir`` as a ``DataDir``: a plain path (the CLI's scenario folder) or None (the
    working directory, for the Python API) allows absolute names."""
    if isinstance(base_dir, DataDir):
        return base_dir
    return DataDir(Path.cwd() if base_dir is None else Path(base_dir), allow_absolute=True)


def resolve(name: str, base_dir: DataDir | Path | str | None, what: str) -> Path:
    """The path of the file ``name`` (a scenario's ``csv:`` value) under ``base_dir``, or
    ``DataFileError`` naming ``what`` (e.g. "channel voice: demand.csv") when the rules above
    refuse it. The file need not exist yet (reading it raises ``FileNotFoundError``)."""
    folder = data_dir(base_dir)
    given = Path(name)
    if given.is_absolute():
        if not folder.allow_absolute:
            raise DataFileError(
                f"{what}: {name!r} is an absolute path; name a file uploaded with the scenario"
            )
        return given
    root = folder.path.resolve()
    target = (root / given).resolve()
    if not target.is_relative_to(root):
        raise DataFileError(
            f"{what}: {name!r} leaves the scenario's folder; "
            "name a file in the scenario's folder (or one of its subfolders)"
        )
    return target


def read_limited(path: Path, what: str, limit_bytes: int = MAX_DATA_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit_bytes`` of them: a device, a
    FIFO, a folder or a larger file is refused with ``DataFileError`` (a missing file raises
    ``FileNotFoundError``, so callers can say where to put it)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise DataFileError(f"{what}: cannot read {path} ({err.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError(f"{what}: {path} is not a regular file")
    if info.st_size > limit_bytes:
        raise DataFileError(
            f"{what}: {path} is larger than {_size(limit_bytes)} ({_size(info.st_size, 1)})"
        )
    try:
        with open(path, "rb") as f:
            data = f.read(limit_bytes + 1)  # the file may have grown since stat
    except OSError as err:
        raise DataFileError(f"{what}: cannot read {path} ({err.strerror})") from None
    if len(data) > limit_bytes:
        raise DataFileError(f"{what}: {path} is larger than {_size(limit_bytes)}")
    return data


def _size(n_bytes: int, decimals: int = 0) -> str:
    """``536870912`` -> "512 MB", ``600 * 1024`` -> "600 kB" (``decimals`` after the point)."""
    unit, name = (1024**2, "MB") if n_bytes >= 1024**2 else (1024, "kB")
    return f"{n_bytes / unit:,.{decimals}f} {name}"


def csv_rows(path, reader):
    """``(line, row)`` of a ``csv.reader`` (the line where the row starts). A row the ``csv``
    module cannot read (a NUL byte, an unbalanced quote running past its 128 kB field limit)
    or a quoted cell running over several lines (an unbalanced quote swallowing the rows after
    it: the files read here have no multi-line cells) raises ``ValueError`` naming the file
    and the line."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise ValueError(
                f"{path} line {line}: not a readable CSV row ({err}; an unbalanced quote?)"
            ) from None
        if reader.line_num > line:
            raise ValueError(
                f"{path} line {line}: a quoted cell runs on to line {reader.line_num} "
                "(an unbalanced quote?)"
            )
        yield line, row
