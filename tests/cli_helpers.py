"""Running the installed command line from tests, and the small manifests several tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from wslint.cli import main

# A Deployment with none of wslint's findings.
GOOD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  template:
    metadata:
      labels: {app: chat}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
      - name: chat
        image: chat:1
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
        lifecycle:
          preStop:
            sleep: {seconds: 10}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 128Mi}
"""

# The same Deployment without its readinessProbe: one WS201 error, at line 11.
NO_PROBE = GOOD_DEPLOYMENT.replace("""        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
""", "")


def run(*args, stdin: str | bytes | None = None, cwd: Path | None = None, env=None):
    """`wslint ARGS...` in a subprocess, as a user runs it."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "wslint", *map(str, args)], input=data,
                          capture_output=True, cwd=cwd, env=env, timeout=60)


@dataclass
class Outcome:
    returncode: int
    stdout: bytes
    stderr: bytes


def invoke(*args, stdin: str | bytes | None = None, cwd: Path | None = None) -> Outcome:
    """`wslint ARGS...` in this process (much faster than `run`), from directory `cwd`."""
    runner = CliRunner()
    previous = os.getcwd()
    os.chdir(cwd or previous)
    try:
        result = runner.invoke(main, [str(a) for a in args], input=stdin)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout_bytes, result.stderr_bytes)


def git_repo(path: Path) -> Path:
    """Mark `path` as a repository root (where the configuration search stops)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / ".git").mkdir(exist_ok=True)
    return path
