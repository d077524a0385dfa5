"""The `wslint` command ends its process without freeing what the run built one object at a
time (`wslint.__main__`): the status, the report and exit handlers must be as at any exit."""

from __future__ import annotations

import subprocess
import sys

from cli_helpers import invoke, run
from conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "chat"


def test_the_report_and_status_are_those_of_a_run_in_process(tmp_path):
    expected = invoke("--no-config", "--format", "json", EXAMPLE)
    done = run("--no-config", "--format", "json", EXAMPLE)
    assert (done.returncode, done.stdout) == (expected.returncode, expected.stdout)
    assert expected.returncode == 1 and len(expected.stdout) > 10_000
    written = tmp_path / "report.json"
    done = run("--no-config", "--format", "sarif", "--fail-on", "never", "-o", written, EXAMPLE)
    assert done.returncode == 0
    assert written.read_bytes() == invoke("--no-config", "--format", "sarif", "--fail-on",
                                          "never", EXAMPLE).stdout


def test_exit_handlers_run_and_their_output_is_flushed():
    script = ("import atexit, sys\n"
              "atexit.register(lambda: print('handler ran'))\n"
              f"sys.argv = ['wslint', '--no-config', '--format', 'json', {str(EXAMPLE)!r}]\n"
              "from wslint.__main__ import main\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.endswith(b"}\nhandler ran\n")


def test_a_usage_error_keeps_its_status_and_message():
    done = run("--no-such-option")
    assert done.returncode == 2
    assert b"No such option" in done.stderr
