"""Test-wide settings.

Hypothesis: no deadline anywhere (its default is 200 ms per example). A deadline measures the
machine, not the code: on a loaded 2-core CI box a legitimately slow example (an Erlang A
staffing search, a CLI run) trips it and the test flakes. Hangs are caught by the fuzz suite's
SIGALRM guard (``tests/fuzz/support.py``) instead. Tests that set their own ``settings`` keep
their other choices; none sets a deadline.

Derandomized: the same examples on every run, so `make test` passes or fails for the code, not
for the draw (the seed is derived from each test's name). Exploring random examples is the fuzz
suite's deep profile's job (``HYPOTHESIS_PROFILE=fuzz-deep``).
"""

from hypothesis import settings

settings.register_profile("ccplan", deadline=None, derandomize=True)
settings.load_profile("ccplan")
