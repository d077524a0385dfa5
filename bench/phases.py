#!/usr/bin/env python3
"""Where the time of one wslint run goes: each phase of `wslint ARGS` timed inside the run, as the
command runs it, in N fresh processes; prints the medians as a Markdown table (seconds, and the
share of the median total). Standard library only; run it with the interpreter wslint is
installed in, and pass `--jobs 1` so that the phases follow each other in one process:

    .venv/bin/python bench/phases.py 5 --no-config --jobs 1 --format json -o /tmp/out.json DIR
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

# Run in each process: marks the end of each phase, then prints the phases' lengths on stderr.
PHASES_SCRIPT = r'''
import atexit, gc, sys, time
started = time.perf_counter()
gc.disable()  # as `wslint` itself does, from its first import
import wslint.__main__ as command
from wslint import cli
from wslint.engine import run
from wslint.report import json
marks = [("imports", time.perf_counter())]

def ends_phase(owner, name, phase):
    original = getattr(owner, name)
    def timed(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        finally:
            marks.append((phase, time.perf_counter()))
    setattr(owner, name, timed)

ends_phase(run.Linter, "__init__", "rules and plugins loaded")
ends_phase(run.Linter, "_expand", "files found")
ends_phase(run.Linter, "load_files", "read, parse, build, field types")
ends_phase(run.Linter, "graph_of", "resource graph")
ends_phase(run.Linter, "run_checks", "every rule on every object")
ends_phase(run.Linter, "finish", "duplicates, suppressions, sorting")
ends_phase(json.JsonReporter, "report", "JSON report")

def show():
    last, lengths = started, []
    for phase, at in marks:
        lengths.append(f"{phase}={at - last:.4f}")
        last = at
    print("PHASES " + ";".join(lengths), file=sys.stderr)

atexit.register(show)
sys.argv = ["wslint"] + sys.argv[1:]
try:
    cli.main()
except SystemExit as done:
    command._leave(done)
'''


def phases_of_one_run(args: list[str]) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed wheel has its caches
    ran = subprocess.run([sys.executable, "-c", PHASES_SCRIPT, *args], capture_output=True,
                         text=True, env=env)
    line = [text for text in ran.stderr.splitlines() if text.startswith("PHASES ")][-1]
    lengths: dict[str, float] = {}
    for part in line.removeprefix("PHASES ").split(";"):
        phase, length = part.rsplit("=", 1)
        lengths[phase] = lengths.get(phase, 0.0) + float(length)  # a phase run more than once
    return lengths


def main() -> None:
    runs, args = int(sys.argv[1]), sys.argv[2:]
    measured = [phases_of_one_run(args) for _ in range(runs)]
    total = statistics.median(sum(lengths.values()) for lengths in measured)
    print("| phase | s | share |\n|---|---|---|")
    for phase in measured[0]:
        length = statistics.median(lengths.get(phase, 0.0) for lengths in measured)
        print(f"| {phase} | {length:.2f} | {100 * length / total:.0f} % |")
    print(f"\nmedian total: {total:.2f} s")


if __name__ == "__main__":
    main()
