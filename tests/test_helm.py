"""Helm: `helm template ... | wslint -` reported at the templates its `# Source:` comments name,
and chart directories rendered with `helm template` (or one WS906 when helm is missing).

Charts are rendered for real: by a `helm` binary when there is one, else by Helm's own engine
through helm-python-sdk (tests/helm_shim.py puts a `helm` command built on it on PATH); tests
that need a rendering are skipped when neither is there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import helm_shim
from cli_helpers import git_repo, invoke
from conftest import FIXTURES
from wslint.load import helm

CHART = FIXTURES / "helm" / "chat"
needs_helm = pytest.mark.skipif(
    not helm_shim.available() and shutil.which("helm") is None,
    reason="no helm: install the helm binary, or helm-python-sdk (Helm's engine, from PyPI)")


@pytest.fixture
def helm_on_path(tmp_path, monkeypatch):
    """A `helm` on PATH (the real one if installed, else the shim), its calls counted (the
    shim's), and a cache of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if helm_shim.available():
        helm_shim.install(tmp_path / "bin")
        monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv(helm_shim.LOG_VARIABLE, str(tmp_path / "helm-calls.log"))
    return tmp_path / "helm-calls.log"


def helm_template(*args) -> str:
    done = subprocess.run(["helm", "template", *map(str, args)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def lint(*args, stdin=None, cwd=None) -> tuple[int, dict]:
    result = invoke("--format", "json", "--no-config", *args, stdin=stdin, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def where(report: dict) -> list[tuple]:
    return [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]]


def document_lines(stream: str, template: str) -> list[list[str]]:
    """The lines of each document Helm printed for `template`, after its `# Source:` line."""
    documents = []
    for part in stream.split("---\n"):
        lines = part.splitlines()
        if lines and lines[0] == f"# Source: {template}":
            documents.append(lines[1:])
    return documents


# --- Helm's output on standard input -----------------------------------------------------------

@needs_helm
def test_helm_output_is_reported_at_its_templates(helm_on_path):
    stream = helm_template("chat", CHART)
    status, report = lint("-", stdin=stream)
    assert status == 1
    assert where(report) == [("WS201", "chat/templates/deployment.yaml", 19, 9)]
    assert report["findings"][0]["object"]["name"] == "chat-chat"
    # The line is a line of the rendered document: `- name: chat` there (the template has it at
    # line 17: the two `include` lines above rendered to two lines each).
    [deployment] = document_lines(stream, "chat/templates/deployment.yaml")
    assert deployment[19 - 1] == "      - name: chat"
    template = (CHART / "templates" / "deployment.yaml").read_text().splitlines()
    assert template[17 - 1] == "      - name: chat"
    assert report["summary"]["objects"] == 3


@needs_helm
def test_documents_of_one_template_follow_each_other_as_helm_prints_them(helm_on_path):
    """service.yaml holds a Service, then a PodDisruptionBudget; Helm prints the budget first
    (its install order), so the Service's lines come after the budget's."""
    stream = helm_template("chat", CHART).replace("appProtocol: kubernetes.io/ws", "name: ws")
    _, report = lint("--extend-select", "WS305", "-", stdin=stream)
    assert ("WS305", "chat/templates/service.yaml", 21, 11) in where(report)
    budget, service = document_lines(stream, "chat/templates/service.yaml")
    assert budget[0] == "apiVersion: policy/v1" and service[0] == "apiVersion: v1"
    ports = next(i for i, line in enumerate(service) if line.startswith("  ports:"))
    assert len([line for line in budget if line.strip()]) + 1 + ports + 1 == 21


HAND_MADE = """\
---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "three"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:1}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, appProtocol: kubernetes.io/ws}]
"""


def test_input_findings_name_the_template_too_and_other_documents_stay():
    _, report = lint("--select", "WS907,WS201", "--stdin-filename", "rendered.yaml", "-",
                     stdin=HAND_MADE)
    assert sorted(where(report)) == [("WS201", "shop/templates/web.yaml", 10, 20),
                                     ("WS907", "shop/templates/web.yaml", 5, 3)]
    _, plain = lint("--no-helm", "--select", "WS907", "-", stdin=HAND_MADE)
    assert where(plain) == [("WS907", "<stdin>", 7, 3)]
    # The document without a comment is still linted, at its line in the stream.
    _, service = lint("--select", "WS305,WS301", "--stdin-filename", "rendered.yaml", "-",
                      stdin=HAND_MADE.replace("appProtocol: kubernetes.io/ws", "name: ws"))
    assert ("WS305", "rendered.yaml", 19, 11) in where(service)


def test_suppressions_in_templates_are_read_once_at_the_template():
    stream = HAND_MADE.replace('  replicas: "three"\n',
                               '  replicas: "three"  # wslint: disable=WS907 -- rendered\n')
    _, report = lint("--select", "WS907,WS903", "-", stdin=stream)
    assert where(report) == [] and report["summary"]["suppressed"] == 1


def test_fix_leaves_helm_output_as_it_is():
    """Rendered objects are not fixed in place (the fix belongs in the template): `--fix -`
    prints the stream as read."""
    result = invoke("--fix", "--no-config", "-", stdin=HAND_MADE)
    assert result.stdout == HAND_MADE.encode()


def test_split_by_template():
    text = ("---\n# Source: c/templates/a.yaml\nkind: A\n\n---\n# Source: c/templates/b.yaml\n"
            "kind: B\n---\nkind: plain\n---\n# Source: c/templates/a.yaml\nkind: A2\n")
    templates = helm.split_by_template(text)
    assert templates.texts == {"c/templates/a.yaml": "kind: A\n---\nkind: A2\n",
                               "c/templates/b.yaml": "kind: B\n"}
    assert templates.rest.splitlines() == ["---", "", "", "", "---", "", "", "---",
                                           "kind: plain", "---", "", ""]
    assert helm.split_by_template("kind: A\n# Source: not after a document start\n") is None


# --- chart directories ------------------------------------------------------------------------

@needs_helm
def test_a_chart_directory_is_rendered_and_reported_at_its_templates(helm_on_path, tmp_path):
    repo = git_repo(tmp_path / "repo")
    shutil.copytree(CHART, repo / "deploy" / "chat")
    status, report = lint("deploy", cwd=repo)
    assert status == 1
    assert where(report) == [("WS201", "deploy/chat/templates/deployment.yaml", 19, 9)]
    assert report["findings"][0]["object"]["name"] == "release-name-chat"
    assert report["summary"]["files"] == 2  # the two templates; no WS902, values not read


def test_without_helm_a_chart_is_one_warning(monkeypatch, tmp_path):
    # A machine without helm is no fault of the chart: a warning on stderr, not a finding.
    monkeypatch.setattr(helm, "helm_path", lambda: None)
    repo = git_repo(tmp_path / "repo")
    shutil.copytree(CHART, repo / "chat")
    result = invoke("--format", "json", "--no-config", "chat", cwd=repo)
    assert result.returncode == 0 and json.loads(result.stdout)["findings"] == []
    assert result.stderr.decode().splitlines() == [
        "wslint: warning: chat/Chart.yaml: chart not rendered: helm is not on PATH; its templates "
        "are not linted; render it (`helm template RELEASE chat | wslint -`), or pass --no-helm "
        "to lint its files as they are"]
    assert json.loads(result.stdout)["summary"]["notices"] == [
        result.stderr.decode().splitlines()[0].removeprefix("wslint: warning: ")]
    sarif = json.loads(invoke("--format", "sarif", "--no-config", "chat", cwd=repo).stdout)
    [notification] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning" and "helm is not on PATH" in notification["message"]["text"]
    # As before the chart was rendered: its templates are linted as they are.
    _, plain = lint("--no-helm", "chat", cwd=repo)
    assert {f[0] for f in where(plain)} == {"WS902"}


@needs_helm
def test_a_chart_helm_cannot_render_says_why(helm_on_path, tmp_path):
    chart = tmp_path / "chat"
    shutil.copytree(CHART, chart)
    (chart / "values.yaml").write_text("replicas: 3\nimage: chat:1\n")
    with open(chart / "templates" / "deployment.yaml", "a") as handle:
        handle.write("  paused: {{ .Values.missing.deeper }}\n")
    _, report = lint(chart)
    assert [f[0] for f in where(report)] == ["WS906"]
    assert "chart not rendered:" in report["findings"][0]["message"]
    assert "chat/templates/deployment.yaml:26" in report["findings"][0]["message"]


@needs_helm
def test_charts_are_cached_across_runs(helm_on_path, tmp_path):
    if not helm_shim.available():
        pytest.skip("counting calls needs the shim")
    chart = tmp_path / "chat"
    shutil.copytree(CHART, chart)
    first = lint(chart)
    assert lint(chart) == first
    calls = helm_on_path.read_text().splitlines()
    assert calls.count("template") == 1 and calls.count("version") == 1
    (chart / "values.yaml").write_text("replicas: 1\nimage: chat:1\n")
    lint(chart)
    assert helm_on_path.read_text().splitlines().count("template") == 2


@needs_helm
def test_a_changed_template_is_linted_in_its_chart(helm_on_path, tmp_path):
    """The pre-commit hook, given one template: that template's findings, as a directory run
    reports them, and nothing for the other files of the chart."""
    repo = git_repo(tmp_path / "repo")
    shutil.copytree(CHART, repo / "chat")
    changed = "chat/templates/deployment.yaml"
    _, report = lint("--context", changed, cwd=repo)
    assert where(report) == [("WS201", changed, 19, 9)]
    _, other = lint("--context", "chat/templates/service.yaml", cwd=repo)
    assert where(other) == []
    _, values = lint("--context", "chat/values.yaml", cwd=repo)
    assert where(values) == []


def test_a_subchart_renders_as_part_of_its_parent(tmp_path):
    for chart in ("app", "app/charts/redis", "other"):
        (tmp_path / chart / "templates").mkdir(parents=True)
        (tmp_path / chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {chart}\n")
        (tmp_path / chart / "templates" / "x.yaml").write_text("kind: {{ .Values.kind }}\n")
    files = [str(p) for p in sorted(tmp_path.rglob("*.yaml"))]
    found = helm.plan([str(tmp_path)], files)
    assert [Path(root.directory).relative_to(tmp_path).as_posix() for root in found.roots] == [
        "app", "other"]
    assert {Path(p).relative_to(tmp_path).as_posix() for p in found.files(found.roots[0])} == {
        "app/Chart.yaml", "app/templates/x.yaml", "app/charts/redis/Chart.yaml",
        "app/charts/redis/templates/x.yaml"}
    assert found.files(found.roots[0], resources_only=True) == set()
    # Given alone, a subchart is a chart of its own.
    alone = helm.plan([str(tmp_path / "app" / "charts" / "redis")], files[2:4])
    assert [Path(r.directory).name for r in alone.roots] == ["redis"]
