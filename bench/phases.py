#!/usr/bin/env python3
"""Where a one-process run's time goes: CPU seconds per phase, medians of several runs.

    .venv/bin/python bench/phases.py /tmp/wslint-bench/apps-1000

Phases: start-up (imports, plugins and rules), loading (reading and parsing every file), checks
(the resource graph and every rule), finishing (duplicates, suppressions, sorting) and the JSON
report. Each run is a fresh interpreter, with the garbage collector off as `wslint` runs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

RUN = r"""
import gc, io, json, sys, time
gc.disable()
clock = time.process_time
marks = {"interpreter": clock()}
import wslint.cli
from wslint.engine import Linter, Settings
from wslint.report import ReportSettings
from wslint.report.json import JsonReporter
from wslint.load.sources import discover
linter = Linter(Settings(jobs=1))
marks["start-up"] = clock()
loaded = linter.load_files(discover(sys.argv[1:]))
marks["loading"] = clock()
result = linter.new_result(loaded)
findings = linter.input_findings(loaded) + linter.check_findings(loaded, result)
marks["checks"] = clock()
linter.finish(loaded, findings, result)
marks["finishing"] = clock()
JsonReporter(io.StringIO(), ReportSettings()).report(result)
marks["JSON report"] = clock()
names = list(marks)
print(json.dumps({name: marks[name] - (marks[names[i - 1]] if i else 0)
                  for i, name in enumerate(names)}))
"""


def main() -> None:
    targets = sys.argv[1:]
    if not targets:
        sys.exit(__doc__)
    runs = [json.loads(subprocess.run([sys.executable, "-c", RUN, *targets], check=True,
                                      capture_output=True, text=True).stdout)
            for _ in range(5)]
    total = 0.0
    for phase in runs[0]:
        seconds = statistics.median(run[phase] for run in runs)
        total += seconds
        print(f"{phase:12s} {seconds:6.3f} s")
    print(f"{'total':12s} {total:6.3f} s")


if __name__ == "__main__":
    main()
