"""Every output format: exit codes, --quiet, --statistics; and GitHub workflow commands, which
manifest text must never be able to end or start."""

from __future__ import annotations

import json
import re

import pytest

from cli_helpers import GOOD_DEPLOYMENT, NO_PROBE, git_repo, invoke as run
from wslint.report.github import workflow_escape

FORMATS = ("text", "json", "sarif", "github")
COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


@pytest.fixture
def repo(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / "bad.yaml").write_text(NO_PROBE)
    (repo / "good.yaml").write_text(GOOD_DEPLOYMENT.replace("name: chat}", "name: fine}"))
    return repo


@pytest.mark.parametrize("output_format", FORMATS)
def test_exit_codes_are_the_same_in_every_format(repo, output_format):
    assert run("--format", output_format, "bad.yaml", cwd=repo).returncode == 1
    assert run("--format", output_format, "good.yaml", cwd=repo).returncode == 0
    assert run("--format", output_format, "--fail-on", "never", "bad.yaml", cwd=repo).returncode == 0
    assert run("--format", output_format, "missing.yaml", cwd=repo).returncode == 2
    assert run("--format", output_format, "--select", "WS999", "bad.yaml", cwd=repo).returncode == 2


@pytest.mark.parametrize("output_format", FORMATS)
def test_quiet_and_statistics(repo, output_format):
    plain = run("--format", output_format, ".", cwd=repo).stdout.decode()
    quiet = run("--format", output_format, "--quiet", ".", cwd=repo).stdout.decode()
    stats = run("--format", output_format, "--statistics", ".", cwd=repo).stdout.decode()
    if output_format == "text":
        assert "Found 1 problem" in plain and "Found" not in quiet
        assert quiet.startswith("bad.yaml:11:9: WS201")
        assert re.search(r"^\s+1  WS201  missing-readiness-probe$", stats, re.M)
    elif output_format == "github":
        assert plain.splitlines()[-1].startswith("wslint: 1 finding(s)")
        assert len(quiet.splitlines()) == 1 and quiet.startswith("::error file=bad.yaml,")
        assert "     1  WS201  missing-readiness-probe\n" in stats
    elif output_format == "json":
        assert quiet == plain and "statistics" not in json.loads(plain)
        assert json.loads(stats)["statistics"] == {"WS201": 1}
    else:
        assert quiet == plain and "properties" not in json.loads(plain)["runs"][0]
        assert json.loads(stats)["runs"][0]["properties"]["statistics"] == {"WS201": 1}


def test_github_annotation(repo):
    [line, summary] = run("--format", "github", "bad.yaml", cwd=repo).stdout.decode().splitlines()
    match = COMMAND.match(line)
    assert match and match.group(1) == "error"
    assert match.group("props") == ("file=bad.yaml,line=11,endLine=11,col=9,endColumn=13,"
                                    "title=WS201 missing-readiness-probe")
    assert match.group("message").startswith('Deployment/chat: container "chat" has no readinessProbe')
    assert "%0Afix: add a readinessProbe" in match.group("message")
    assert summary.startswith("wslint: 1 finding(s): 1 error(s)")


def test_github_paths_are_relative_to_the_repository(repo):
    (repo / "deploy").mkdir()
    (repo / "deploy" / "x.yaml").write_text(NO_PROBE)
    out = run("--format", "github", "-q", "x.yaml", cwd=repo / "deploy").stdout.decode()
    assert out.startswith("::error file=deploy/x.yaml,")


@pytest.mark.parametrize(("text", "data", "prop"), [
    ("100%", "100%25", "100%25"),
    ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
    ("k: v, w", "k: v, w", "k%3A v%2C w"),
    ("::warning::x", "::warning::x", "%3A%3Awarning%3A%3Ax"),
    ("%0A", "%250A", "%250A"),
    ("\x1b[31mred", "\\x1b[31mred", "\\x1b[31mred"),
])
def test_workflow_escape(text, data, prop):
    assert workflow_escape(text) == data
    assert workflow_escape(text, in_property=True) == prop


def test_manifest_text_cannot_end_or_start_a_command(tmp_path):
    """A hostile annotation value and file name: every output line is still exactly one of our
    commands, and the text decodes back to what the manifest held."""
    repo = git_repo(tmp_path / "repo")
    hostile = "x\n::warning file=evil.yaml::injected\r\n%0A::error::also, injected: yes"
    name = "odd,name: %0A.yaml"
    (repo / name).write_text(json.dumps({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "chat", "annotations": {"nginx.com/sticky-cookie-services": hostile}},
        "spec": {"defaultBackend": {"service": {"name": "chat", "port": {"number": 80}}}}}))
    rule = tmp_path / "rules"
    rule.mkdir()
    (rule / "ACME001.yaml").write_text(
        "code: ACME001\nname: echo-sticky\nseverity: error\nsummary: Echo\nkinds: [Ingress]\n"
        "check:\n  select: metadata.annotations.'nginx.com/sticky-cookie-services'\n"
        "  condition: present\n  message: 'value {value}'\n")
    out = run("--format", "github", "-q", "--rules-dir", rule, "--select", "ACME001,WS303", name,
              cwd=repo).stdout.decode()
    lines = out.splitlines()
    assert len(lines) == 2 and all(COMMAND.match(line) for line in lines), lines
    echo = next(COMMAND.match(line) for line in lines if "ACME001" in line)
    assert echo.group("props").startswith("file=odd%2Cname%3A %250A.yaml,line=1,")
    decoded = echo.group("message").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert decoded == f"value {hostile}"
