"""The last line of defence: an exception no page handles becomes one readable message (its
class named, "please report"), never Streamlit's redacted error box; the traceback goes to the
server log. Bad input never gets here (every input has its own message naming the field): what
does is a bug.

``page`` wraps a whole script run; ``callback`` wraps a widget's ``on_change``/``on_click``
(those run before the script, outside ``page``), keeping the message for the run that follows.
Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from ``BaseException`` and
passes through ``except Exception``.
"""

from __future__ import annotations

import functools
import logging

import streamlit as st

LOG = logging.getLogger("ccplan.app")
#: Session-state key of a message left by a callback for the next run (no widget owns it).
PENDING = "app_unexpected_error"


def message(err: BaseException) -> str:
    return (
        f"Something went wrong here ({type(err).__name__}); your scenario and inputs are kept. "
        "Please report it, with the steps that led here, to the maintainers."
    )


def page(body, *args) -> None:
    """Run ``body(*args)``; an unexpected exception is logged and shown as ``message``. A
    message a callback left is shown first."""
    pending = st.session_state.pop(PENDING, None)
    if pending:
        st.error(pending)
    try:
        body(*args)
    except Exception as err:  # noqa: BLE001 - the last line of defence, logged in full
        LOG.exception("unexpected error in a run of the app")
        st.error(message(err))


def callback(fn):
    """``fn`` as a widget callback whose unexpected exception is logged and shown on the run
    that follows (a callback cannot draw)."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - the last line of defence, logged in full
            LOG.exception("unexpected error in a widget callback")
            st.session_state[PENDING] = message(err)
            return None

    return wrapped
