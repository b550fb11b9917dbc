"""``python -m scenarios.cli``: the ``ccplan`` command."""

import sys

from . import main

sys.exit(main())
