"""`--jobs`: the same findings, in the same order, whatever the number of processes, with objects
related across files that different processes load. No timing here: speed is measured by
bench/run.py."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil

import pytest
from ruamel.yaml import YAML

from cli_helpers import run
from conftest import FIXTURES, shared_dir
from wslint.engine import parallel
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.model import KObject
from wslint.engine.progress import Progress
from wslint.report import ReportSettings
from wslint.report.json import JsonReporter
from wslint.report.text import TextReporter

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="runs stay in one process here")


@pytest.fixture
def any_size(monkeypatch):
    """Spread even small inputs over processes, and record how many each run used."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    used = []
    spread = parallel.lint_files

    def recording(linter, files, workers, sizes, progress=None):
        used.append(workers)
        return spread(linter, files, workers, sizes, progress)

    monkeypatch.setattr(parallel, "lint_files", recording)
    return used


def rendered(result) -> str:
    out = io.StringIO()
    JsonReporter(out, ReportSettings(tool_version="test")).report(result)
    TextReporter(out, ReportSettings(statistics=True)).report(result)
    return out.getvalue()


def lint(paths, jobs: int, **settings):
    return Linter(Settings(jobs=jobs, **settings)).lint_paths([str(p) for p in paths])


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: chat, namespace: rt}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: chat}}}}
  template:
    metadata:
      labels: {{app: chat}}
    spec:
      containers:
      - name: chat
        image: chat:1
        ports: [{{name: ws, containerPort: 8080}}]
        env:
{env}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: chat, namespace: rt}
spec:
  selector: {app: chat}
  ports: [{name: ws, port: 80, targetPort: ws}]
"""
INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  namespace: rt
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "30"
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /ws
        pathType: Prefix
        backend: {service: {name: chat, port: {number: 80}}}
"""
BUDGET = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: chat, namespace: rt}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: chat}}
"""


def test_cross_file_context_survives_the_split(tmp_path, any_size):
    # The Deployment is as large as the rest together: it is alone in the first share, and the
    # Service, Ingress and PDB that relate to it are loaded by the other process.
    env = "\n".join(f"        - {{name: VAR_{i}, value: '{i}'}}" for i in range(150))
    (tmp_path / "a-deployment.yaml").write_text(DEPLOYMENT.format(env=env))
    (tmp_path / "b-service.yaml").write_text(SERVICE)
    (tmp_path / "c-ingress.yaml").write_text(INGRESS)
    (tmp_path / "d-budget.yaml").write_text(BUDGET + "# " + "padding " * 300 + "\n")
    # Every workload in scope: the findings that name related objects (WS301) are what count.
    one = lint([tmp_path], jobs=1, websocket_scope="all")
    two = lint([tmp_path], jobs=2, websocket_scope="all")
    assert any_size == [2]
    assert rendered(one) == rendered(two)
    # What only the other files tell: the container serves the Service's port, and routes
    # reach it; findings about the Deployment name the Service and the Ingress as related.
    related = {(finding.code, r.obj.source.path.rsplit("/", 1)[-1])
               for finding in two.findings for r in finding.related}
    assert {file for _, file in related} >= {"b-service.yaml", "c-ingress.yaml"}, related
    assert {f.file.rsplit("/", 1)[-1] for f in two.findings} >= {"a-deployment.yaml", "c-ingress.yaml"}


def _fixture_inputs(directory):
    """Every rule fixture case's manifests as files of one input."""
    count = 0
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        for index, case in enumerate(YAML(typ="safe").load(path.read_text())["cases"]):
            files = case.get("files") or {"manifest.yaml": case["manifest"]}
            for name, text in files.items():
                target = directory / f"{path.stem}-{index:02d}" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                count += 1
    return count


def test_every_fixture_case_at_once(tmp_path, any_size):
    assert _fixture_inputs(tmp_path) > 100
    # Three shares (more processes than this machine may have CPUs: the result is the same).
    one, many = lint([tmp_path], jobs=1, kustomize=False), lint([tmp_path], jobs=3, kustomize=False)
    assert any_size == [3]
    assert one.findings and rendered(one) == rendered(many)
    assert (one.files, one.objects, one.skipped_documents, one.suppressed) == \
        (many.files, many.objects, many.skipped_documents, many.suppressed)


def test_real_world_corpus(any_size):
    corpus = shared_dir("corpus")
    # Its kustomizations are left out: rendering them takes most of the time, once per run. Every
    # workload is in scope, so that many findings are compared.
    one = lint([corpus], jobs=1, kustomize=False, websocket_scope="all")
    two = lint([corpus], jobs=2, kustomize=False, websocket_scope="all")
    assert any_size == [2]
    assert len(one.findings) > 100 and rendered(one) == rendered(two)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl renders kustomizations")
def test_renderings_join_a_share(tmp_path, any_size):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\nnamespace: rt\n")
    (tmp_path / "app" / "deployment.yaml").write_text(DEPLOYMENT.format(env="        - {name: A}"))
    (tmp_path / "service.yaml").write_text(SERVICE)
    (tmp_path / "ingress.yaml").write_text(INGRESS)
    one, two = lint([tmp_path], jobs=1), lint([tmp_path], jobs=2)
    assert any_size == [2]
    assert rendered(one) == rendered(two)
    assert any(f.file.endswith("app/deployment.yaml") for f in two.findings)


def test_command_line_jobs(tmp_path):
    # Large enough to be spread without lowering the threshold.
    _fixture_inputs(tmp_path)
    text = (FIXTURES / "rules" / "WS201.yaml").read_text()
    for index in range(2 * parallel.MIN_PARALLEL_BYTES // len(text) + 1):
        (tmp_path / "padding" / f"copy-{index:03d}.yaml").parent.mkdir(exist_ok=True)
        (tmp_path / "padding" / f"copy-{index:03d}.yaml").write_text(f"# {text!r}\n")
    outputs = []
    for jobs in ("1", "2"):
        result = run("--jobs", jobs, "--no-kustomize", "--format", "json", tmp_path,
                     env={**os.environ, "WSLINT_PARALLEL_STATS": "1"})
        assert result.returncode == 1, result.stderr
        outputs.append(result.stdout)
        # Nothing on stderr but the statistics line: no worker failure, no fallback warning.
        lines = result.stderr.decode().splitlines()
        assert len(lines) == (jobs == "2"), result.stderr
        assert all(line.startswith("wslint: 2 processes") for line in lines), result.stderr
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["summary"]["findings"] > 100


def test_a_failed_worker_falls_back_to_one_process(tmp_path, any_size, monkeypatch, capsys):
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT.format(env="        - {name: A}"))
    (tmp_path / "service.yaml").write_text(SERVICE)

    def crash(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(parallel, "_work", crash)
    expected = rendered(lint([tmp_path], jobs=1))
    assert rendered(lint([tmp_path], jobs=2)) == expected
    assert "worker process failed" in capsys.readouterr().err


# --- what one process sees of another's objects -------------------------------------------

WORKLOAD = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 5
      restartPolicy: Always
      containers:
      - name: db
        image: db:1
        ports: [{containerPort: 5432}]
        readinessProbe: {tcpSocket: {port: 5432}}
"""


def test_a_view_fills_in_what_was_cut(tmp_path, monkeypatch):
    path = tmp_path / "db.yaml"
    path.write_text(WORKLOAD)
    linter = Linter(Settings())
    loaded = linter.load(str(path))
    obj: KObject = loaded.objects[0]
    view = pickle.loads(parallel.dump(parallel.make_view(loaded, str(path), linter)))
    data = view.objects[0].data
    spec = data["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert isinstance(spec, parallel.PartialMap) and isinstance(container, parallel.PartialMap)
    assert dict.__len__(spec) == 2 and dict.__len__(container) == 3  # cut down
    monkeypatch.setattr(parallel, "_loader", [linter.load])
    monkeypatch.setattr(parallel, "_reloaded", {})
    assert container["image"] == "db:1" and spec.get("restartPolicy") == "Always"
    assert "missing" not in container and container.get("missing") is None
    assert dict.__len__(container) == 3  # keys that were never there fill nothing in
    assert container["readinessProbe"] == {"tcpSocket": {"port": 5432}}  # cut: filled in
    assert list(container) == ["name", "image", "ports", "readinessProbe"]
    assert spec == obj.data["spec"]["template"]["spec"]  # a whole-mapping question fills it
    assert view.objects[0].locate(("spec", "template", "spec", "terminationGracePeriodSeconds")) \
        == obj.locate(("spec", "template", "spec", "terminationGracePeriodSeconds")) == (8, 7)
    assert obj.data["spec"]["template"]["spec"] is not spec  # the loaded object stays whole


def test_split_is_contiguous_and_balanced():
    assert parallel.split([1] * 10, 2) == [range(0, 5), range(5, 10)]
    assert parallel.split([100, 1, 1, 1], 2) == [range(0, 1), range(1, 4)]
    assert parallel.split([1, 1, 1, 100], 2) == [range(0, 3), range(3, 4)]
    assert parallel.split([5, 5, 5], 3) == [range(0, 1), range(1, 2), range(2, 3)]
    assert [len(share) for share in parallel.split([1] * 7, 3)] == [2, 3, 2]


def test_small_inputs_stay_in_one_process():
    assert parallel.worker_count(["a.yaml", "b.yaml"], 4, [100, 100]) == 1
    assert parallel.worker_count(["a.yaml"], 4, [10**7]) == 1
    assert parallel.worker_count(["-", "b.yaml"], 4, [10**7, 10**7]) == 1
    assert parallel.worker_count(["a.yaml", "b.yaml"], 1, [10**7, 10**7]) == 1
    assert parallel.worker_count(["a.yaml", "b.yaml", "c.yaml"], 2, [10**7] * 3) == 2
    megabyte = parallel.MIN_PARALLEL_BYTES
    assert parallel.worker_count([f"{n}.yaml" for n in range(100)], 64, [megabyte] * 5 + [1] * 95) == 5


@pytest.mark.parametrize(("files", "cpus"), [
    ({"cpu.max": "150000 100000\n"}, 2),  # cgroup v2: 1.5 CPUs, rounded up
    ({"cpu.max": "max 100000\n"}, None),  # no quota
    ({"quota": "50000\n", "period": "100000\n"}, 1),  # cgroup v1
    ({"quota": "-1\n", "period": "100000\n"}, None),
    ({}, None),  # no cgroup files
])
def test_a_container_cpu_quota_limits_the_default(tmp_path, monkeypatch, files, cpus):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(parallel, "CGROUP_CPU_QUOTAS", (
        (str(tmp_path / "cpu.max"), None), (str(tmp_path / "quota"), str(tmp_path / "period"))))
    assert parallel._cgroup_cpu_quota() == cpus
    assert parallel.cpu_count() == min(cpus or 10**6, len(os.sched_getaffinity(0)))


# --- progress -------------------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_on_a_terminal_only_after_a_while(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream, clock = Terminal(), Clock()
    progress = Progress(10, stream, clock=clock)
    progress.advance(3)
    assert stream.getvalue() == ""  # a short run shows nothing
    clock.now = 2.0
    progress.advance()
    assert stream.getvalue() == "\r\x1b[Kwslint: 4/10 files"
    clock.now = 2.01
    progress.advance()
    assert stream.getvalue().endswith("4/10 files")  # at most ten redraws a second
    progress.update(10)
    assert stream.getvalue().endswith("\r\x1b[Kwslint: 10/10 files; checking")
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")  # erased before the report


def test_no_progress_in_pipes_or_ci_unless_asked(monkeypatch):
    clock = Clock()
    pipe = io.StringIO()
    progress = Progress(10, pipe, clock=clock)
    clock.now = 10.0
    progress.update(5)
    assert pipe.getvalue() == ""
    monkeypatch.setenv("CI", "true")
    terminal = Terminal()
    Progress(10, terminal, clock=clock).update(5)
    assert terminal.getvalue() == ""
    asked = Progress(10, pipe, enabled=True, clock=clock)
    clock.now = 20.0
    asked.update(5)
    assert pipe.getvalue() == "wslint: 5/10 files\n"  # plain lines where \r would not erase
