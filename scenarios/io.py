"""Loading and saving scenario files (YAML or JSON), with one readable error per file."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import tempfile
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError

from .files import DataFileError, read_limited
from .interrupts import raise_if_stopped
from .scenario import Scenario


class ScenarioError(ValueError):
    """A scenario file could not be read or is invalid; the message names file and fields."""


def _location(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("tuple[float, ...]", "literal['flat','business_day','two_peaks','evening']"):
            continue
        else:
            text = str(part)
            if not re.fullmatch(r"[\w\- ]+", text):  # an odd key from the file: quote it
                text = repr(text)
            out += ("." if out else "") + text
    return out or "(top level)"


def describe_validation_error(err: ValidationError) -> list[str]:
    """One line per problem: ``field.path: message``."""
    lines = []
    for e in err.errors(include_url=False):
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling and unit suffix)"
        elif e["type"] == "literal_error":
            msg = msg.replace("Input should be", "must be one of")
        msg = msg.replace("Input should be", "must be")
        loc = _location(e["loc"])
        # Cross-field rules name their fields in the sentence itself. One line per problem.
        line = msg if loc == "(top level)" else f"{loc}: {msg}"
        lines.append(" ".join(line.splitlines()))
    return lines


def parse_scenario(data, source: str = "scenario") -> Scenario:
    """Validate a mapping as a ``Scenario``, raising ``ScenarioError`` that lists every problem."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of fields at the top level")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        problems = describe_validation_error(err)
        raise ScenarioError(f"{source}: " + "; ".join(problems)) from None


#: Largest scenario or mapping file read [bytes]. Real scenarios are a few kB (an empirical
#: distribution of 10,000 observed handle times is about 70 kB); YAML parsing costs about
#: 6 s per MB in pure Python (measured: a 30 MB list of values took 4 minutes and 2.9 GB), so
#: 512 kB keeps a hostile file's validation near 3 s and its memory small.
MAX_SCENARIO_BYTES = 512 * 1024


def read_mapping(path: Path):
    """The raw mapping in a YAML or JSON file (a regular file of at most
    ``MAX_SCENARIO_BYTES``)."""
    path = Path(path)
    try:
        data = read_limited(path, "scenario file", MAX_SCENARIO_BYTES)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: cannot read the file (no such file)") from None
    except DataFileError as err:  # messages start with the file, like every other here
        raise ScenarioError(str(err).removeprefix("scenario file: ")) from None
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    return mapping_from_text(data, str(path), kind)


def mapping_from_text(text: str | bytes, source: str, kind: str = "YAML"):
    """The raw mapping in YAML or JSON ``text`` (a file's bytes, an upload or an editor's
    text): at most ``MAX_SCENARIO_BYTES``, UTF-8; ``ScenarioError`` naming ``source`` and the
    line otherwise."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"{source}: larger than {MAX_SCENARIO_BYTES // 1024} kB ({size / 1024:.0f} kB); "
            "a scenario is a few kB"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ScenarioError(
                f"{source}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset "
                f"{err.start})"
            ) from None
    try:
        return json.loads(text) if kind == "JSON" else yaml.load(text, _SafeLoader)
    except RecursionError:
        raise ScenarioError(f"{source}: not valid {kind}: nested too deeply") from None
    except (yaml.YAMLError, ValueError) as err:  # ValueError: JSON, or a YAML date 2027-02-30
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(err, yaml.constructor.ConstructorError) and mark and err.problem:
            where += f": {err.problem}"
        if isinstance(err, json.JSONDecodeError):
            where = f" at line {err.lineno}, column {err.colno}"
        elif not isinstance(err, yaml.YAMLError):
            where = f" ({err})"
        raise ScenarioError(f"{source}: not valid {kind}{where}") from None


class _SafeLoader(yaml.SafeLoader):
    """yaml's safe loader, except that an impossible date (2027-02-30) is a YAML error at its
    line naming the key, not a bare ``ValueError`` ("day is out of range for month")."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as err:
            mark = node.start_mark
            line = (mark.buffer or "")[: mark.pointer].rsplit("\n", 1)[-1]
            key = re.fullmatch(r"\s*(?:-\s+)?([\w\- ]+):\s*", line)
            key = f"{key[1]}: " if key else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{key}{node.value} is not a date ({err})", mark
            ) from None


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_timestamp)


def load_scenario(path) -> Scenario:
    """Load and validate a scenario file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    return parse_scenario(read_mapping(path), str(path))


def scenario_to_data(scenario: Scenario) -> dict:
    """Plain data (dates as ISO strings, tuples as lists) that loads back to an equal scenario."""
    return scenario.model_dump(mode="json", exclude_defaults=False)


#: ``write_atomic``'s temporary files: ``.<name>.<pid>-<random>.tmp`` beside the target.
TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)-[A-Za-z0-9_]+\.tmp")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process (or a pid beyond range)
        return True
    return True


def remove_stale_temporaries(directory, name: str | None = None) -> list[Path]:
    """Delete ``write_atomic`` temporaries in ``directory`` (of the file ``name`` only, if
    given) whose writing process is gone (killed by SIGKILL, or the machine lost power):
    a temporary of a live process (a run writing there now) is left alone. Returns the paths
    removed."""
    removed = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:  # no such folder yet
        return removed
    for entry in entries:
        match = TEMPORARY.fullmatch(entry.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        if int(match["pid"]) == os.getpid() or _process_alive(int(match["pid"])):
            continue
        try:
            if entry.is_file() and not entry.is_symlink():
                entry.unlink()
                removed.append(entry)
        except OSError:  # removed meanwhile, or not ours to remove
            pass
    return removed


@contextmanager
def _stop_signals_held():
    """Stop signals (Ctrl-C, SIGTERM, SIGHUP) held back while a file is written and renamed
    (the write is short; a signal is delivered as the block ends): no temporary can be left
    between its creation and the ``try`` that removes it. No-op without ``pthread_sigmask``."""
    held = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write via a temporary file and rename, so an interrupted run leaves no half file
    (``bytes`` are written as they are, ``str`` as UTF-8).

    The temporary (``.<name>.<pid>-<random>.tmp``, see ``TEMPORARY``) is removed on every
    exit the process survives; one left by a killed process is removed by the next write of
    the same file (``remove_stale_temporaries``). Nothing is committed once a stop signal was
    received (``interrupts.raise_if_stopped``: a library may have swallowed the Ctrl-C while
    ``text`` was computed).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, path.name)
    with _stop_signals_held():
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp"
            )
            binary = isinstance(text, bytes)
            with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are ordinary readable files
            raise_if_stopped()
            os.replace(tmp, path)
        except BaseException:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise


#: The note that goes with ``null`` where a figure is infinite (strict JSON has no infinity).
INFINITE_NOTE = (
    "null where a figure is infinite (strict JSON has no infinity): an unstable queue's wait, "
    "a patience nobody ran out of, a median never reached; `infinite` lists where"
)


def json_ready(value, infinite: list[str] | None = None, path: str = ""):
    """JSON-ready data: numpy values and arrays as Python ones, enums as their values, NaN as
    null ("not measured"), infinities as null too (strict JSON has neither), their paths
    (``kpis.erlang_c.asa_s``, ``intervals.asa_s[17]``) appended to ``infinite`` when given, so a
    document can say which nulls mean "infinite". The one sanitizer behind every JSON the
    project writes (``json_text`` adds the list and ``INFINITE_NOTE``)."""
    if isinstance(value, dict):
        return {
            str(k): json_ready(v, infinite, f"{path}.{k}" if path else str(k))
            for k, v in value.items()
        }
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [json_ready(v, infinite, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isfinite(v):
            return v
        if math.isinf(v) and infinite is not None:
            infinite.append(path)
        return None
    if isinstance(value, Enum):
        return value.value
    return value


def strict_json_data(data, note: str = INFINITE_NOTE):
    """``json_ready(data)``; a document (dict) with infinite figures also gets their paths in
    ``infinite`` (added to any already there) and ``note`` in ``notes``."""
    infinite: list[str] = []
    ready = json_ready(data, infinite)
    if infinite and isinstance(ready, dict):
        known = ready.get("infinite")
        ready["infinite"] = [*(known if isinstance(known, list) else []), *infinite]
        notes = ready.get("notes")
        notes = list(notes) if isinstance(notes, list) else []
        ready["notes"] = notes if note in notes else [*notes, note]
    return ready


def json_text(data, indent: int = 2) -> str:
    """Strict JSON (no NaN or Infinity tokens, no "inf" strings) of ``data`` via
    ``strict_json_data``, indented."""
    return json.dumps(strict_json_data(data), indent=indent, allow_nan=False)


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A CSV text cell a spreadsheet shows as text: one starting with ``= + - @``, a tab or a
    carriage return gets a leading ``'`` (``=2+5`` -> ``'=2+5``). For text cells only (names,
    labels, codes): a number such as -1.5 is written as it is. The one neutraliser behind
    every CSV the project writes."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def save_scenario(scenario: Scenario, path) -> None:
    """Save as YAML (or JSON for a ``.json`` path)."""
    path = Path(path)
    data = scenario_to_data(scenario)
    text = (
        json.dumps(data, indent=2)
        if path.suffix.lower() == ".json"
        else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    write_atomic(path, text)
