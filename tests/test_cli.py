"""The command line end to end: formats, stdin, exit codes, bad input, subcommands."""

from __future__ import annotations

import json
import os
import sys
import re
from pathlib import Path

import pytest

from cli_helpers import GOOD_DEPLOYMENT as GOOD, run
from conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "chat"

WARNING_ONLY = GOOD.replace("""        lifecycle:
          preStop:
            sleep: {seconds: 10}
""", "").replace("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 30")



def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert re.fullmatch(rb"wslint \d+\.\d+\.\d+\n", result.stdout)


def test_example_text_output():
    result = run(EXAMPLE)
    out = result.stdout.decode()
    assert result.returncode == 1
    lines = [l for l in out.splitlines() if re.match(r"^\S+:\d+:\d+: WS\d{3} \[", l)]
    assert lines, out
    for line in lines:
        assert re.match(r"^docs/examples/chat/|.*/docs/examples/chat/", line)
    assert "docs/examples/chat/ingress.yaml:8:5: WS101 [error]" in out.replace(str(ROOT) + "/", "")
    assert "    fix: " in out
    assert re.search(r"^Found \d+ problems \(\d+ errors?, \d+ warnings?, \d+ info\) in 3 files, "
                     r"4 objects\.$", out, re.M)


def test_clean_manifest_exits_0(tmp_path):
    (tmp_path / "app.yaml").write_text(GOOD)
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
    assert b"No problems found in 1 file, 1 object." in result.stdout


def test_fail_on_thresholds(tmp_path):
    (tmp_path / "app.yaml").write_text(WARNING_ONLY)
    assert run(tmp_path).returncode == 1  # default: warning
    assert run("--fail-on", "error", tmp_path).returncode == 0
    assert run("--fail-on", "never", tmp_path).returncode == 0
    assert run("--fail-on", "info", tmp_path).returncode == 1


def test_json_output(tmp_path):
    result = run("--format", "json", EXAMPLE)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["version"] == 1
    findings = report["findings"]
    keys = {"rule", "name", "severity", "message", "file", "line", "column", "object", "path", "fix"}
    assert all(keys <= set(f) for f in findings)
    assert findings == sorted(findings, key=lambda f: (f["file"], f["line"], f["column"], f["rule"]))
    readiness = next(f for f in findings if f["rule"] == "WS201")
    assert readiness["object"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                   "namespace": "realtime", "name": "chat"}
    assert readiness["path"] == "spec.template.spec.containers[0].readinessProbe"
    assert "readinessProbe:" in readiness["fix"]["snippet"]
    assert report["summary"]["files"] == 3 and report["summary"]["findings"] == len(findings)


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run("--format", "json", "--output", target, EXAMPLE)
    assert result.returncode == 1 and result.stdout == b""
    assert json.loads(target.read_text())["findings"]


def test_stdin(tmp_path):
    result = run("-", stdin=WARNING_ONLY)
    assert result.returncode == 1
    assert result.stdout.startswith(b"<stdin>:11:")
    named = run("--stdin-filename", "chart/rendered.yaml", "-", stdin=WARNING_ONLY)
    assert named.stdout.startswith(b"chart/rendered.yaml:11:")


def test_missing_path_is_usage_error(tmp_path):
    result = run(tmp_path / "nope")
    assert result.returncode == 2
    assert result.stderr.decode().strip().count("\n") == 0
    assert "no such file or directory" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--select", "WS999"], ["--fail-on", "sometimes"],
                                  ["--bogus"], ["--ignore", "not-a-rule"]])
def test_bad_options_exit_2(args, tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    result = run(*args, tmp_path)
    assert result.returncode == 2, result.stdout
    assert b"Traceback" not in result.stderr


def test_select_and_ignore(tmp_path):
    (tmp_path / "a.yaml").write_text(WARNING_ONLY.replace("readinessProbe:", "startupProbe:"))
    codes = lambda r: set(re.findall(rb" (WS\d{3}) \[", r.stdout))
    assert codes(run(tmp_path)) == {b"WS201", b"WS202"}
    assert codes(run("--select", "WS2", "--ignore", "missing-prestop-drain", tmp_path)) == {b"WS201"}
    assert codes(run("--select", "WS202,WS401", tmp_path)) == {b"WS202"}


WS_PORT_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: chat}
spec:
  ports: [{name: ws, port: 80, targetPort: 8080}]
"""


def test_a_rule_off_by_default_runs_when_selected_or_extended(tmp_path):
    # WS305 is off by default: only a selector that names it (or a prefix, or ALL) turns it on.
    (tmp_path / "svc.yaml").write_text(WS_PORT_SERVICE)
    codes = lambda r: set(re.findall(rb" (WS\d{3}) \[", r.stdout))
    assert codes(run(tmp_path)) == set()
    assert codes(run("--extend-select", "WS305", tmp_path)) == {b"WS305"}
    assert codes(run("--select", "WS3", tmp_path)) == {b"WS305"}
    assert codes(run("--select", "WS2", "--extend-select", "missing-websocket-app-protocol",
                     tmp_path)) == {b"WS305"}
    (tmp_path / ".wslint.yaml").write_text("extend-select: [WS305]\nignore: [WS305]\n")
    assert codes(run("--config", tmp_path / ".wslint.yaml", tmp_path)) == set()
    (tmp_path / ".wslint.yaml").write_text("extend-select: WS305\n")
    assert codes(run("--config", tmp_path / ".wslint.yaml", tmp_path)) == {b"WS305"}
    (tmp_path / ".wslint.yaml").write_text("extend-select: [WS999]\n")
    bad = run("--config", tmp_path / ".wslint.yaml", tmp_path)
    assert bad.returncode == 2 and b".wslint.yaml:1: extend-select[0]" in bad.stderr, bad.stderr


def test_directories_recursive_hidden_and_suffixes(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a" / "b" / "deep.yml").write_text(WARNING_ONLY)
    (tmp_path / "a" / "obj.json").write_text(json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}}))
    (tmp_path / ".hidden" / "x.yaml").write_text(WARNING_ONLY)
    (tmp_path / "notes.txt").write_text("kind: Pod")
    result = run("--format", "json", "--websocket-scope", "all", tmp_path)
    files = {Path(f["file"]).name for f in json.loads(result.stdout)["findings"]}
    assert files == {"deep.yml", "obj.json"}


def test_bad_input_never_hides_other_files(tmp_path):
    (tmp_path / "binary.yaml").write_bytes(b"apiVersion: v1\nkind: \xff\xfe\n")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "dashes.yaml").write_text("---\n---\n")
    (tmp_path / "template.yaml").write_text("metadata:\n  name: {{ .Release.Name }}\n")
    (tmp_path / "values.yaml").write_text("replicaCount: 2\n")
    (tmp_path / "good.yaml").write_text(WARNING_ONLY)
    result = run("--format", "json", tmp_path)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    report = json.loads(result.stdout)
    seen = {(Path(f["file"]).name, f["rule"], f["line"]) for f in report["findings"]}
    assert ("binary.yaml", "WS901", 2) in seen  # at the byte that is not UTF-8
    assert ("broken.yaml", "WS901", 2) in seen
    assert ("template.yaml", "WS902", 2) in seen
    assert ("good.yaml", "WS202", 11) in seen
    assert not any(name in ("empty.yaml", "dashes.yaml", "values.yaml") for name, _, _ in seen)
    assert report["summary"]["skipped_documents"] == 1


def test_rules_and_explain():
    listed = run("rules").stdout.decode()
    for code in ("WS101", "WS201", "WS202", "WS203", "WS301", "WS401", "WS901", "WS902"):
        assert code in listed
    explained = run("explain", "WS203")
    text = explained.stdout.decode()
    assert explained.returncode == 0
    for section in ("## What it does", "## Why it matters", "## Example", "## Use instead", "## Fix", "## Options",
                    "drain-seconds"):
        assert section in text
    assert run("explain", "missing-readiness-probe").returncode == 0
    unknown = run("explain", "WS999")
    assert unknown.returncode == 2 and b"unknown rule" in unknown.stderr


def test_color_only_when_asked_or_on_terminal(tmp_path):
    (tmp_path / "a.yaml").write_text(WARNING_ONLY)
    assert b"\x1b[" not in run(tmp_path).stdout  # a pipe: no colour
    assert b"\x1b[" in run("--color", "always", tmp_path).stdout


def test_outside_plugin_is_discovered_and_run(tmp_path):
    """A rule plugin installed as a distribution with a `wslint` entry point, exactly as a third
    party would ship one, is loaded and its rule runs beside the built-in ones."""
    site = tmp_path / "site"
    (site / "acme_rules" / "rules").mkdir(parents=True)
    (site / "acme_rules" / "__init__.py").write_text(
        "from pathlib import Path\n"
        "from wslint.model import Problem\n"
        "from wslint.api import CheckSet, hookimpl, load_rules\n"
        "checks = CheckSet()\n"
        "@checks('ACME001')\n"
        "def team_label(obj, ctx):\n"
        "    if 'team' not in obj.labels:\n"
        "        yield Problem(('metadata', 'labels', 'team'), f'{obj.ref} has no team label')\n"
        "@hookimpl\n"
        "def wslint_rules():\n"
        "    return load_rules(Path(__file__).parent / 'rules', checks)\n")
    (site / "acme_rules" / "rules" / "ACME001.yaml").write_text(
        "code: ACME001\nname: missing-team-label\nseverity: warning\n"
        "summary: Objects carry a team label\nkinds: [Deployment]\nwebsocket-scope: false\n"
        "docs:\n  what: Checks the team label.\n  why: Owners.\n  example: 'metadata: {}'\n"
        "  use-instead: 'metadata: {labels: {team: x}}'\n  fix: Add the label.\n")
    dist = site / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[wslint]\nacme = acme_rules\n")
    (tmp_path / "app.yaml").write_text(GOOD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    result = run(tmp_path / "app.yaml", env=env)
    assert b"ACME001 [warning] Deployment/chat has no team label" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1
    assert b"ACME001" in run("rules", env=env).stdout
    assert b"ACME001" not in run("--no-plugins", tmp_path / "app.yaml", env=env).stdout
    assert run(tmp_path / "app.yaml", env={**env, "WSLINT_NO_PLUGINS": "1"}).returncode == 0


def test_entry_points_are_read_only_where_a_distribution_may_declare_the_group(tmp_path, monkeypatch):
    from wslint.engine import plugins

    site = tmp_path / "site"
    for name, text in [("wslint-9.0.dist-info", "[wslint]\nbuiltin = wslint.builtin\n"),
                       ("other-1.0.dist-info", "[console_scripts]\nwslint = other\n"),
                       ("old-1.0.egg-info", "[wslint_extra]\nx = y\n")]:
        (site / name).mkdir(parents=True)
        (site / name / "entry_points.txt").write_text(text)
    (site / "plain-1.0.dist-info").mkdir()  # no entry points at all
    monkeypatch.setattr(sys, "path", ["", str(site), str(tmp_path / "missing")])
    monkeypatch.chdir(tmp_path)
    assert not plugins._others_may_declare()
    (site / "acme_rules-1.0.dist-info").mkdir()
    (site / "acme_rules-1.0.dist-info" / "entry_points.txt").write_text(" [ wslint ]\r\nacme = a\n")
    assert plugins._others_may_declare()
    # What the look cannot judge counts as a yes: a zip file on the path.
    (tmp_path / "bundle.zip").write_bytes(b"PK")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "bundle.zip")])
    assert plugins._others_may_declare()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_command_keeps_what_its_run_built_until_the_process_ends(tmp_path, monkeypatch, jobs):
    """The `wslint` command ends its process right after the report, without freeing anything:
    its run leaves what it loaded in the linter rather than freeing it first. Called otherwise
    (a test, a program), a run frees what it built as it ends."""
    from click.testing import CliRunner

    import wslint.cli
    import wslint.engine
    from wslint.cli import ENDS_WITH_RUN
    from wslint.engine import parallel

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    made = []

    class Recorded(wslint.engine.Linter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(wslint.engine, "Linter", Recorded)
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(GOOD.replace("name: chat}", f"name: {name}}}"))
    args = ["--no-config", "--jobs", jobs, "--format", "json", str(tmp_path)]
    for obj in (ENDS_WITH_RUN, None):
        result = CliRunner().invoke(wslint.cli.main, args, obj=obj)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["summary"]["objects"] == 2
    ending, returning = made
    kept = [item for part in ending.kept if isinstance(part, list) for item in part
            if hasattr(item, "objects")]
    assert sorted({Path(item.source.path).name for item in kept}) == ["a.yaml", "b.yaml"]
    assert returning.kept == []
