"""Heavy libraries are imported only where they are used: a ``ccplan check`` without a report
draws no figure (matplotlib), runs on no cluster (Dask) and writes no PDF (WeasyPrint)."""

import json
import subprocess
import sys

HEAVY = ("matplotlib", "dask", "distributed", "weasyprint")

_PROBE = """
import json, sys
import scenarios.cli.check as check
from scenarios.cli import build_parser
from scenarios.verdict import verdict  # what the check computes with

args = build_parser().parse_args(["check", "default", "--format", "json"])
# The check's own work is replaced by a stub: what is imported around it is under test.
class Stub:
    def to_dict(self):
        return {}
check._check_verdict = lambda *a, **k: Stub()
check._emit_json = lambda data: None
check.cmd_check(args)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)))
"""


def test_a_check_without_a_report_imports_no_plotting_cluster_or_pdf_library():
    probe = f"HEAVY = {HEAVY!r}\n" + _PROBE
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == []
