"""Importing this module loads the compiled engine (``compiled.warm``, or nothing where numba
is missing): a module to name in a forkserver's preload list (``multiprocessing`` preloads by
module name), so that every worker process forked from that server starts with the engine's
machine code already loaded, paid once in the server instead of once per worker (~0.6 s each).
"""

from __future__ import annotations

from . import compiled

if compiled.available():
    compiled.warm()
