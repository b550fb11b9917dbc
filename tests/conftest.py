"""Test-wide settings.

Hypothesis: no deadline anywhere (its default is 200 ms per example). A deadline measures the
machine, not the code: on a loaded 2-core CI box a legitimately slow example (an Erlang A
staffing search, a CLI run) trips it and the test flakes. Hangs are caught by the fuzz suite's
SIGALRM guard (``tests/fuzz/support.py``) instead. Tests that set their own ``settings`` keep
their other choices; none sets a deadline.
"""

from hypothesis import settings

settings.register_profile("ccplan", deadline=None)
settings.load_profile("ccplan")
