"""Uploaded files: how large each may be, and the session's folder that holds them on disk.

Limits. ``server.maxUploadSize`` in ``.streamlit/config.toml`` (20 MB) is the server's hard cap
on any upload; each uploader has its own, smaller where its files are small
(``LIMITS_MB``), given to the browser (``max_upload_size``) and checked again here, since a
browser's check is only a courtesy.

Files on disk. Readers that take paths (interval CSVs, call records, mappings) read them from
the session's own folder (``session_folder``), a ``ccplan-app-*`` folder that is deleted when
the session ends (its session state is dropped and garbage-collected) or at the latest when
the server process exits (``weakref.finalize`` runs at exit). A server killed outright
(SIGKILL) cannot clean up: the next server removes such folders once they are a day old
(``remove_stale_folders``, run once per server process).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st

from scenarios.io import MAX_SCENARIO_BYTES

#: Largest file each uploader takes, in whole MB as the browser takes it (the server's own cap
#: is ``server.maxUploadSize``). Scenarios and mappings are then read as the CLI reads them, at
#: most ``scenarios.io.MAX_SCENARIO_BYTES``; a year of 5-minute volumes is about 3 MB; a month
#: of call records of a large center about 20 MB.
LIMITS_MB = {
    "scenario": math.ceil(MAX_SCENARIO_BYTES / 1024**2),
    "mapping": math.ceil(MAX_SCENARIO_BYTES / 1024**2),
    "volumes": 20,
    "records": 20,
}

PREFIX = "ccplan-app-"
#: Session-state key of the session's folder (no widget owns it).
FOLDER = "app_upload_folder"
#: Folders left by a server that could not clean up are removed when this old.
STALE_AFTER_S = 24 * 3600.0


class UploadError(ValueError):
    """An upload refused before it is read (larger than its uploader takes); the message
    names the uploader, the file and the limit."""


def upload_bytes(upload, what: str, limit_mb: float) -> bytes:
    """The bytes of ``upload`` (a Streamlit ``UploadedFile``) if at most ``limit_mb`` MB, else
    ``UploadError`` naming ``what`` (e.g. "Scenario file"), the file and the limit."""
    if upload.size > limit_mb * 1024**2:
        raise UploadError(
            f"{what}: {upload.name} is {upload.size / 1024**2:.1f} MB; "
            f"the largest accepted is {limit_mb:g} MB"
        )
    return upload.getvalue()


class SessionFolder:
    """A temporary folder removed when this object is garbage-collected or the process exits
    (``weakref.finalize``: no ``ResourceWarning``, and it also runs at interpreter exit)."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        weakref.finalize(self, shutil.rmtree, str(self.path), True)


def session_folder() -> Path:
    """This session's folder for uploaded files (made on first use, and made again should
    something have removed it)."""
    _remove_stale_once()
    folder = st.session_state.get(FOLDER)
    if folder is None:
        folder = st.session_state[FOLDER] = SessionFolder()
    folder.path.mkdir(exist_ok=True)
    return folder.path


@st.cache_resource(show_spinner=False)
def _remove_stale_once() -> int:
    """``remove_stale_folders`` of the temporary folder, once per server process (cached)."""
    return remove_stale_folders(Path(tempfile.gettempdir()), STALE_AFTER_S, time.time())


def remove_stale_folders(parent: Path, max_age_s: float, now: float) -> int:
    """Remove the ``ccplan-app-*`` folders in ``parent`` last changed more than ``max_age_s``
    before ``now`` (left by a server killed without a chance to clean up; a live session's
    files are written again when needed). Returns how many were removed."""
    removed = 0
    for path in parent.glob(f"{PREFIX}*"):
        try:
            old = now - path.lstat().st_mtime > max_age_s
        except OSError:  # removed meanwhile
            continue
        if old and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def without_folder(message) -> str:
    """A reader's message with the session folder's path taken out (readers name the file
    they read by its path; users know it by the name they uploaded)."""
    folder = st.session_state.get(FOLDER)
    text = str(message)
    return text if folder is None else text.replace(f"{folder.path}/", "")
