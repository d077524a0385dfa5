"""Where the report goes: output that cannot be written is one line and exit status 2 (never a
traceback, whatever `--fail-on` says), and file names that are not UTF-8 are reported, not
crashed on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli_helpers import NO_PROBE, git_repo, invoke, run
from conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "chat"
FORMATS = ("text", "json", "sarif", "github")


def assert_one_line_error(result, *expected: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    error = result.stderr.decode()
    assert error.count("\n") == 1 and error.startswith("wslint: error: "), error
    assert all(text in error for text in expected), error
    assert "Traceback" not in error


@pytest.mark.parametrize("output_format", FORMATS)
def test_output_into_a_missing_directory(tmp_path, output_format):
    target = tmp_path / "missing" / "report.out"
    result = invoke("--format", output_format, "--fail-on", "never", "-o", target, EXAMPLE)
    assert_one_line_error(result, f"{target}: cannot write the output: No such file or directory")
    assert not target.parent.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permissions do not apply to root")
def test_output_into_a_read_only_directory(tmp_path):
    (tmp_path / "locked").mkdir(mode=0o500)
    result = run("-o", tmp_path / "locked" / "report.txt", "--fail-on", "never", EXAMPLE)
    assert_one_line_error(result, "cannot write the output: Permission denied")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [
    ["--format", "sarif", str(EXAMPLE)],
    ["--fail-on", "never", str(EXAMPLE)],
    ["--diff", str(EXAMPLE)],
    ["rules"],
    ["explain", "WS203"],
], ids=lambda args: " ".join(a for a in args if a != str(EXAMPLE)))
def test_standard_output_on_a_full_device(args):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "wslint", *args], stdout=full,
                                stderr=subprocess.PIPE, timeout=60)
    result.stdout = b""
    assert_one_line_error(result, "standard output: cannot write the output: No space left")


def test_output_file_on_a_full_device():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    assert_one_line_error(run("-o", "/dev/full", EXAMPLE), "/dev/full: cannot write the output")


@pytest.fixture
def undecodable(tmp_path):
    """A repository with a manifest whose file name is not UTF-8 (byte 0xff)."""
    repo = git_repo(tmp_path / "repo")
    try:
        (repo / os.fsdecode(b"chat-\xff.yaml")).write_text(NO_PROBE)
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    return repo


def test_json_keeps_a_name_that_is_not_utf8(undecodable):
    result = invoke("--format", "json", ".", cwd=undecodable)
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)["findings"]
    assert os.fsencode(finding["file"]) == b"chat-\xff.yaml"  # the bytes, as Python escapes them


def test_sarif_percent_encodes_a_name_that_is_not_utf8(undecodable):
    printed = invoke("--format", "sarif", ".", cwd=undecodable)
    written = invoke("--format", "sarif", "-o", "out.sarif", ".", cwd=undecodable)
    for result in (printed, written):
        assert result.returncode == 1 and result.stderr == b"", result.stderr
    for text in (printed.stdout, (undecodable / "out.sarif").read_bytes()):
        [found] = json.loads(text)["runs"][0]["results"]
        location = found["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uri"] == "chat-%FF.yaml"  # the byte, as a URI names it


@pytest.mark.parametrize("output_format", ("text", "github"))
def test_text_formats_escape_a_name_that_is_not_utf8(undecodable, output_format):
    result = invoke("--format", output_format, ".", cwd=undecodable)
    assert result.returncode == 1 and result.stderr == b"", result.stderr
    assert b"chat-\\udcff.yaml" in result.stdout
