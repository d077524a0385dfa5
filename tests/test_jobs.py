"""`--jobs`: the same findings, in the same order, whatever the number of processes, with objects
related across files that different processes load. No timing here: speed is measured by
bench/run.py."""

from __future__ import annotations

import dataclasses
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
from wslint.model import KObject, Source
from wslint.load.yamltree import Map, Seq
from wslint.engine.progress import Progress
from wslint.fix import fix
from wslint.load.sources import load_source
from wslint.report import ReportSettings
from wslint.report.json import JsonReporter
from wslint.report.text import TextReporter

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="runs stay in one process here")


@pytest.fixture
def any_size(monkeypatch):
    """Spread even small inputs over processes, and record how many each run used. Chunks go
    to the processes in turn (a run gives each the next one free), so that every process has
    some."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    used = Runs()
    spread = parallel.lint_chunks

    def recording(linter, entries, chunks, workers, progress=None):
        used.append(workers)
        used.parts.append(sum(isinstance(entry, parallel.Part) for entry in entries))

        def in_turn(process):
            taken = getattr(process, "next_in_turn", process.number)
            process.next_in_turn = taken + workers
            return taken

        monkeypatch.setattr(parallel._Process, "next_chunk", in_turn)
        return spread(linter, entries, chunks, workers, progress)

    monkeypatch.setattr(parallel, "lint_chunks", recording)
    return used


class Runs(list):
    """The processes of each run spread over several, and (`parts`) how many parts of files
    each had."""

    def __init__(self):
        super().__init__()
        self.parts = []


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
    # Each file is a chunk of its own (the Deployment is as large as the rest together), taken
    # in turn: the Service and the PDB that relate to the Deployment are loaded by the other
    # process.
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


def test_each_process_finishes_the_findings_in_its_files(tmp_path, any_size):
    """Every rule fixture case (suppressions used, unused and malformed among them), with
    configured exemptions: each process finishes the findings of its own files, and merged they
    are what finishing them together gives."""
    from wslint.model import Exemption

    _fixture_inputs(tmp_path)
    exemptions = [Exemption(("WS202",), kind="Deployment", name="chat*"),
                  Exemption(("WS201", "WS404"), namespace="rt")]
    one = lint([tmp_path], jobs=1, kustomize=False, exemptions=exemptions)
    many = lint([tmp_path], jobs=3, kustomize=False, exemptions=exemptions)
    assert any_size == [3] and parallel._stats["finished apart"] is True
    assert rendered(one) == rendered(many)
    assert one.suppressed == many.suppressed > 10
    assert {"WS903", "WS201", "WS202"} <= {finding.code for finding in many.findings}


def test_each_process_writes_its_findings_as_the_report_does(tmp_path, any_size):
    """Where the report's format writes finding by finding (JSON), each process writes its
    own findings after finishing them, and the report takes what they wrote: the same report,
    also once a baseline has dropped some of the findings."""
    from wslint.engine.baseline import load_baseline, write_baseline

    cases = tmp_path / "cases"
    _fixture_inputs(cases)
    linter = Linter(Settings(jobs=3, kustomize=False))
    linter.finding_text = JsonReporter.finding_text
    many = linter.lint_paths([str(cases)])
    one = lint([cases], jobs=1, kustomize=False)
    assert any_size == [3] and parallel._stats["finished apart"] is True
    assert [many.text_of(finding) for finding in many.findings] == \
        [JsonReporter.finding_text(finding) for finding in many.findings]
    assert rendered(one) == rendered(many)
    # A baseline of the findings of half the cases.
    half = sorted(cases.iterdir())[::2]
    baseline = tmp_path / "baseline.json"
    write_baseline(str(baseline), lint(half, jobs=1, kustomize=False))
    for result in (one, many):
        load_baseline(str(baseline)).apply(result)
    assert 0 < many.baselined == one.baselined and many.findings
    assert rendered(one) == rendered(many)


def test_a_finding_in_another_process_file_is_finished_with_the_others(tmp_path, any_size,
                                                                       monkeypatch):
    """A check may report at another object than the one it checks (`Problem.obj`), in a file
    another process loaded: then the findings are finished together, as one process does,
    a duplicate of another process's finding dropped and the other file's suppressions
    applied."""
    from wslint.engine.run import Linter as Base

    (tmp_path / "a-deployment.yaml").write_text(
        DEPLOYMENT.format(env="        - {name: A}") + "# " + "padding " * 200 + "\n")
    (tmp_path / "b-service.yaml").write_text(
        "# wslint: disable-file=WS202\n" + SERVICE + "# " + "padding " * 200 + "\n")
    checks = Base.run_checks

    def with_one_at_the_service(self, objects, graph, result, codes=None):
        found = checks(self, objects, graph, result, codes)
        for finding in list(found):
            if finding.file.endswith("a-deployment.yaml"):
                service = str(tmp_path / "b-service.yaml")
                found.append(dataclasses.replace(finding, file=service, line=3, column=1))
        return found

    monkeypatch.setattr(Base, "run_checks", with_one_at_the_service)
    one, two = lint([tmp_path], jobs=1), lint([tmp_path], jobs=2)
    assert any_size == [2] and parallel._stats["finished apart"] is False
    assert rendered(one) == rendered(two) and one.suppressed == two.suppressed > 0
    assert any(finding.file.endswith("b-service.yaml") for finding in two.findings)


@pytest.mark.parametrize("directive", ["", "# wslint: disable=WS201\n"])
def test_a_file_two_processes_read_parts_of_is_finished_together_if_it_matters(
        tmp_path, any_size, directive):
    """A large file is read in parts, by both processes: when it holds no suppressions, each
    process still finishes the findings of its own files; when it holds a suppression (which
    may silence a finding in another part), they are finished together."""
    settings = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"
                       f"data: {{key: '{'x' * 200}'}}\n" for i in range(60))
    (tmp_path / "a-settings.yaml").write_text(directive + settings)
    (tmp_path / "b-deployment.yaml").write_text(DEPLOYMENT.format(env="        - {name: A}"))
    (tmp_path / "c-service.yaml").write_text(SERVICE)
    one, two = lint([tmp_path], jobs=1), lint([tmp_path], jobs=2)
    assert any_size == [2] and any_size.parts[0] > 2
    assert parallel._stats["finished apart"] is (not directive)
    assert rendered(one) == rendered(two) and len(one.findings) > 2
    assert any(f.code == "WS903" for f in two.findings) is bool(directive)


def _apps_stream(count: int) -> str:
    """`count` apps (a Deployment, its Service and Ingress) as one stream of documents."""
    return "".join(
        "---\n" + text.replace("name: chat", f"name: chat-{index}").replace("app: chat",
                                                                          f"app: chat-{index}")
        for index in range(count)
        for text in (DEPLOYMENT.format(env="        - {name: A}"), SERVICE, INGRESS))


def test_a_file_read_in_parts_has_its_findings_finished_in_each_process(tmp_path, any_size):
    """One large file of apps, cut in parts that both processes read: each process finishes the
    findings at the lines of its own parts, and merged they are what one process reports."""
    path = tmp_path / "apps.yaml"
    path.write_text(_apps_stream(40))
    one, two = lint([path], jobs=1), lint([path], jobs=2)
    assert any_size == [2] and any_size.parts[0] > 4
    assert parallel._stats["finished apart"] is True
    assert len(one.findings) > 40 and rendered(one) == rendered(two)


def test_a_finding_at_another_process_part_of_a_file_is_finished_together(tmp_path, any_size,
                                                                         monkeypatch):
    """A check that reports, on every app, the very finding the first app has (duplicates, some
    at a line of the other process's part of the same file): the findings are finished
    together, and the duplicates dropped as one process drops them (the last one stays)."""
    from wslint.engine.run import Linter as Base

    path = tmp_path / "apps.yaml"
    path.write_text(_apps_stream(40))
    first = next(f for f in lint([path], jobs=1).findings if f.object.name == "chat-0")
    checks = Base.run_checks

    def also_the_first_apps(self, objects, graph, result, codes=None):
        found = checks(self, objects, graph, result, codes)
        return found + [dataclasses.replace(first, object=finding.object) for finding in found
                        if finding.object.name != "chat-0" and finding.code == first.code
                        and finding.object.kind == first.object.kind]

    monkeypatch.setattr(Base, "run_checks", also_the_first_apps)
    one, two = lint([path], jobs=1), lint([path], jobs=2)
    assert any_size == [2] and parallel._stats["finished apart"] is False
    assert rendered(one) == rendered(two)
    at_first = [f for f in two.findings if (f.line, f.column, f.code) ==
                (first.line, first.column, first.code)]
    assert [f.object.name for f in at_first] == ["chat-39"]


def test_objects_a_workload_of_another_process_owns_are_left_out_as_in_one(tmp_path, any_size):
    """A live cluster's objects, each in a file of its own: the ReplicaSets and Pods a
    Deployment in another process owns are left out of the checks and the suppressions as one
    process leaves them out; the findings are then finished together."""
    items = YAML(typ="safe").load((FIXTURES / "live" / "chat.yaml").read_text())["items"]
    for index, item in enumerate(items):
        # As the cluster copies a Deployment's pod annotations to its ReplicaSets and Pods.
        item["metadata"].setdefault("annotations", {})["wslint.io/ignore"] = "WS202"
        stream = io.StringIO()
        YAML().dump(item, stream)
        (tmp_path / f"{index:02d}-{item['kind'].lower()}.yaml").write_text(
            stream.getvalue() + "# " + "padding " * 40 + "\n")
    one, two = lint([tmp_path], jobs=1), lint([tmp_path], jobs=2)
    assert any_size == [2] and parallel._stats["finished apart"] is False
    assert one.findings and rendered(one) == rendered(two)
    assert not {f.file for f in one.findings if "replicaset" in f.file or "pod" in f.file}
    assert any(f.code == "WS903" for f in one.findings)  # where nothing owns the object


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
    view = pickle.loads(parallel.dump_views(parallel.make_view(loaded, 0, 0, None, linter)))
    data = view.objects[0].data
    spec = data["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert isinstance(spec, parallel.PartialMap) and isinstance(container, parallel.PartialMap)
    assert dict.__len__(spec) == 2 and dict.__len__(container) == 3  # cut down
    monkeypatch.setattr(parallel, "_run", [linter, [str(path)]])
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


def _paths(node, path=()):
    """Every path to a key or an item below `node`."""
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for step, value in items:
        yield path + (step,)
        yield from _paths(value, path + (step,))


def test_a_view_travels_without_positions_and_locates_as_the_object(tmp_path, monkeypatch):
    path = tmp_path / "chat.yaml"
    path.write_text("---\n".join([SERVICE, INGRESS, WORKLOAD]))
    linter = Linter(Settings())
    loaded = linter.load(str(path))
    view = pickle.loads(parallel.dump_views(parallel.make_view(loaded, 0, 0, None, linter)))
    monkeypatch.setattr(parallel, "_run", [linter, [str(path)]])
    monkeypatch.setattr(parallel, "_reloaded", {})
    for obj, seen in zip(loaded.objects, view.objects):
        assert (seen.data.line, seen.data.column) == (obj.data.line, obj.data.column)
        below = [value for value in seen.data.values() if isinstance(value, (dict, list))]
        assert below and not any(isinstance(value, (Map, Seq)) for value in below)
        paths = list(_paths(obj.data))
        assert len(paths) > 10
        assert [seen.locate(p) for p in paths] == [obj.locate(p) for p in paths]


def test_chunks_are_contiguous_runs_large_first_then_smaller():
    # Each about half of what is left per process, never under the smallest size.
    # 40 // 4 = 10, then 30 // 4 = 7, 23 // 4 = 5, ...: the last ones of 2, and what is left.
    assert parallel.chunks([1] * 40, 2, 2) == [
        range(0, 10), range(10, 17), range(17, 22), range(22, 26), range(26, 29),
        range(29, 31), range(31, 33), range(33, 35), range(35, 37), range(37, 39),
        range(39, 40)]
    assert parallel.chunks([1] * 10, 5) == [range(0, 5), range(5, 10)]
    # An entry larger than a chunk is one alone; what is left at the end is the last chunk.
    assert parallel.chunks([100, 1, 1, 1], 3, 2) == [range(0, 1), range(1, 4)]
    assert parallel.chunks([1, 1, 1, 100, 1], 3, 2) == [range(0, 4), range(4, 5)]
    for sizes in ([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5] * 20, [1] * 7, [50]):
        found = parallel.chunks(sizes, 4, 3)
        assert [index for run in found for index in run] == list(range(len(sizes)))
        totals = [sum(sizes[index] for index in run) for run in found]
        assert all(total >= 4 for total in totals[:-1])
        assert totals[0] >= min(sum(sizes), max(4, sum(sizes) // 6))  # half a share first


def test_small_inputs_stay_in_one_process():
    megabyte = parallel.MIN_PARALLEL_BYTES
    assert parallel.worker_count(200, 4) == 1
    assert parallel.worker_count(10 * megabyte, 1) == 1
    assert parallel.worker_count(3 * megabyte, 2) == 2
    assert parallel.worker_count(5 * megabyte + 95, 64) == 5


def test_an_input_of_one_file_that_cannot_be_cut_stays_in_one_process(tmp_path, any_size):
    path = tmp_path / "big.yaml"
    path.write_text("# {{ a template }}\n" + SERVICE + "---\n" + BUDGET)
    assert rendered(lint([path], jobs=2)) == rendered(lint([path], jobs=1))
    assert any_size == []


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


# --- one large file, or the standard input, in parts ------------------------------------------

def _one_stream() -> str:
    """Every rule fixture manifest that reads cleanly, as the documents of one stream, with
    what parts must carry across: a List, anchors, a repeated key, a document of a scalar."""
    from wslint.load.yamltree import parse_stream

    texts = []
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        for case in YAML(typ="safe").load(path.read_text())["cases"]:
            for text in (case.get("files") or {"m": case.get("manifest", "")}).values():
                stream = parse_stream(text)
                if text.strip() and "{{" not in text and stream.problem is None \
                        and not stream.complex_keys and not text.lstrip().startswith("%"):
                    texts.append(text)
    texts.append("apiVersion: v1\nkind: List\nitems:\n- &svc\n" + "".join(
        "  " + line + "\n" for line in SERVICE.splitlines()) + "- *svc\n")
    texts.append(SERVICE.replace("spec:", "spec:\n  type: ClusterIP\n  type: NodePort"))
    texts.append("just a scalar\n")
    return "".join(text if text.startswith("---") else "---\n" + text for text in texts)


def test_a_large_file_is_read_in_parts(tmp_path, any_size):
    path = tmp_path / "all.yaml"
    path.write_text(_one_stream())
    one, two = lint([path], jobs=1), lint([path], jobs=2)
    assert any_size == [2] and any_size.parts[0] > 4
    assert len(one.findings) > 100 and rendered(one) == rendered(two)
    assert (one.files, one.objects, one.skipped_documents) == \
        (two.files, two.objects, two.skipped_documents)


def test_the_standard_input_is_read_in_parts(any_size, monkeypatch):
    data = _one_stream().encode()
    results = []
    for jobs in (1, 2):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
        results.append(rendered(lint(["-"], jobs=jobs, stdin_filename="deploy/all.yaml")))
    assert any_size == [2] and any_size.parts[0] > 4
    assert "deploy/all.yaml" in results[0] and results[0] == results[1]


def test_a_file_with_a_syntax_error_is_read_whole(tmp_path, any_size, capsys):
    # The parts after the error would read on their own; in the whole file they are not read.
    text = _one_stream()
    middle = text.index("---\n", len(text) // 2)
    path = tmp_path / "all.yaml"
    path.write_text(text[:middle] + "---\nkey: [unclosed\n" + text[middle:])
    one, two = lint([path], jobs=1), lint([path], jobs=2)
    assert any(f.code == "WS901" for f in one.findings)
    assert rendered(one) == rendered(two)
    assert "worker" not in capsys.readouterr().err  # not a failure: read in one process


def test_parts_join_into_what_the_whole_file_gives(tmp_path):
    path = tmp_path / "all.yaml"
    path.write_text(_one_stream())
    linter = Linter(Settings())
    whole = linter.load(str(path))
    entries, _ = parallel._cut(linter, [str(path)], [path.stat().st_size], 2000)
    assert len(entries) > 10 and all(isinstance(entry, parallel.Part) for entry in entries)
    joined, = parallel._joined(entries, [parallel.load_entry(linter, e) for e in entries])

    def described(loaded):
        return ([(obj.doc_index, obj.item_index, obj.ref, obj.data.line, obj.data.column,
                  sorted(obj.data.key_pos.items())) for obj in loaded.objects],
                sorted((p.code, p.line, p.column, p.message) for p in loaded.problems),
                loaded.skipped_documents, loaded.documents)

    assert described(joined) == described(whole)
    assert any(p.code == "WS905" for p in whole.problems)


def test_a_view_of_a_part_fills_in_from_its_document(tmp_path, monkeypatch):
    path = tmp_path / "all.yaml"
    path.write_text(_one_stream())
    linter = Linter(Settings())
    entries, _ = parallel._cut(linter, [str(path)], [path.stat().st_size], 2000)
    monkeypatch.setattr(parallel, "_run", [linter, entries])
    filled = 0
    for number, entry in enumerate(entries):
        loaded, = parallel.load_entry(linter, entry)
        view = pickle.loads(parallel.dump_views(parallel.make_view(loaded, number, 0, None, linter)))
        for obj, seen in zip(loaded.objects, view.objects):
            spec = seen.data.get("spec", {})
            template = spec.get("template") if isinstance(spec, dict) else None
            pod_spec = template.get("spec") if isinstance(template, dict) else None
            if isinstance(pod_spec, parallel.PartialMap):
                full = obj.data["spec"]["template"]["spec"]
                assert pod_spec == full  # filled in
                assert pod_spec.key_pos == full.key_pos
                assert _positions(pod_spec.get("containers")) == _positions(full.get("containers"))
                filled += 1
            # Below its top level a view has no positions: it finds them in the object's document.
            paths = list(_paths(obj.data))
            assert [seen.locate(p) for p in paths] == [obj.locate(p) for p in paths]
    assert filled > 20


def _positions(items):
    return [getattr(item, "key_pos", None) for item in items] if isinstance(items, list) else None


def test_checks_of_input_loaded_already_are_shared_out(tmp_path, monkeypatch):
    # `--fix` lints the files it loaded after each round of fixes: those checks use every CPU,
    # with the same findings and the same fixes as in one process.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    shared = []
    spread = parallel.checks_in_processes

    def recording(*args):
        found = spread(*args)
        shared.append(found is not None)
        return found

    monkeypatch.setattr(parallel, "checks_in_processes", recording)
    cases, app = tmp_path / "cases", tmp_path / "app"
    assert _fixture_inputs(cases) > 100
    app.mkdir()
    env = "\n".join(f"        - {{name: VAR_{i}, value: '{i}'}}" for i in range(3))
    for name, text in [("a.yaml", DEPLOYMENT.format(env=env)), ("b.yaml", SERVICE),
                       ("c.yaml", INGRESS), ("d.yaml", BUDGET)]:
        (app / name).write_text(text)
    for directory in (cases, app):
        results = []
        for jobs in (1, 2):
            linter = Linter(Settings(jobs=jobs, websocket_scope="all"))
            loaded, context = linter.load_inputs([str(directory)])
            results.append(rendered(linter.lint_loaded(loaded, context)))
        assert results[0] == results[1]
    assert shared == [False, True, False, True]



def _fix_outcome(directory, jobs, unsafe=False):
    """Everything a `--fix` run of a copy of `directory` tells, its place named ROOT."""
    copy = directory.parent / f"{directory.name}-fixed-{jobs}-{int(unsafe)}"
    shutil.copytree(directory, copy)
    linter = Linter(Settings(jobs=jobs))
    loaded, context = linter.load_inputs([str(copy)])
    outcome = fix(linter, loaded, context, unsafe=unsafe, roots=[str(copy)], share=True)

    def named(text):
        # Messages may name the copy by a path relative to the working directory (WS906's
        # kubectl errors).
        return text.replace(str(copy), "ROOT").replace(copy.name, "COPY")

    return ([(named(f.source.path), f.fixed, named(f.diff())) for f in outcome.files],
            outcome.fixed, [named(notice) for notice in outcome.notices], outcome.rounds,
            outcome.converged, outcome.documents_placed, outcome.documents_round_tripped,
            named(rendered(outcome.result)))


@pytest.fixture
def shared_fixes(monkeypatch):
    """Spread `--fix` over processes whatever its input's size; record each run spread out
    (its number of processes) or handed back to one process ("one")."""
    from wslint.fix import run as fix_run

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    runs = []
    spread = fix_run._run

    def recording(sessions, write):
        try:
            outcome = spread(sessions, write)
        except fix_run._Foreign:
            runs.append("one")
            raise
        runs.append(len(sessions))
        return outcome

    monkeypatch.setattr(fix_run, "_run", recording)
    return runs


def test_fix_shared_out_over_processes_has_the_outcome_of_one(tmp_path, shared_fixes):
    # Every rule fixture at once: hundreds of fixes in as many files, notices of fixes that
    # cannot be applied, fixes that call for another round; safe and unsafe ones.
    cases = tmp_path / "cases"
    assert _fixture_inputs(cases) > 100
    for unsafe in (False, True):
        one = _fix_outcome(cases, 1, unsafe)
        assert one[1] > 50 and one[2] and one[3] > 1, one[1:7]
        assert _fix_outcome(cases, 2, unsafe) == one
        assert _fix_outcome(cases, 3, unsafe) == one
    assert shared_fixes == [2, 3, 2, 3]
    # Unless asked to, a run stays in one process: a caller's linter may report otherwise
    # than its steps do (the language server keeps one finding).
    linter = Linter(Settings(jobs=2))
    loaded, context = linter.load_inputs([str(cases)])
    fix(linter, loaded, context)
    assert shared_fixes == [2, 3, 2, 3]



def _two_apps(name: str) -> str:
    return "".join(f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {app}}}\n"
                   f"spec:\n  template:\n    spec:\n      containers:\n      - name: web\n"
                   f"        image: web:1\n        ports: [{{containerPort: 8080}}]\n"
                   for app in (f"{name}-a", f"{name}-b"))


def _lint_of_fixed_files(outcome, loaded, context, jobs):
    """A lint, by a linter of its own, of the files as the outcome fixed them."""
    fixed = {file.source.path: file.fixed for file in outcome.files}
    as_fixed = [load_source(Source(item.source.path, fixed[item.source.path]))
                if item.source.path in fixed else item for item in loaded]
    return Linter(Settings(jobs=jobs, websocket_scope="all")).lint_loaded(as_fixed, context)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_fix_run_finds_what_a_lint_of_the_fixed_files_finds(tmp_path, shared_fixes,
                                                             monkeypatch, jobs):
    """Rounds of fixes run only the rules whose fixes may apply, and the other rules once at the
    end: the run's findings are still those of a lint of the fixed files, and so are its
    internal errors, here of rules of both kinds on the objects of one process, in the order
    one pass over the objects gives."""
    from wslint.checks.pods import checks
    from wslint.engine.plugins import Plugins

    Plugins(third_party=False).rules()  # the built-in checks are registered before the swap
    # WS202's fixes may apply; WS401's never do (display-only).
    for code, victim in (("WS202", "apps-b"), ("WS401", "apps-a")):
        def failing(obj, context, check=checks.functions[code], victim=victim):
            if obj.name == victim:
                raise RuntimeError("boom")
            return check(obj, context)

        monkeypatch.setitem(checks.functions, code, failing)
    cases = tmp_path / "cases"
    assert _fixture_inputs(cases) > 100
    (cases / "apps.yaml").write_text(_two_apps("apps"))
    linter = Linter(Settings(jobs=jobs, websocket_scope="all"))
    loaded, context = linter.load_inputs([str(cases)])
    outcome = fix(linter, loaded, context, share=True)
    assert outcome.fixed > 50 and outcome.rounds > 1
    errors = [(error.rule, error.obj.split(" ")[0]) for error in outcome.result.internal_errors]
    assert errors == [("WS401", "Deployment/apps-a"), ("WS202", "Deployment/apps-b")]
    assert rendered(outcome.result) == rendered(_lint_of_fixed_files(outcome, loaded, context,
                                                                     jobs))
    assert shared_fixes == ([2] if jobs == 2 else [])


NLB_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: socketio}
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: socketio}
    spec:
      containers:
      - {name: chat, image: "chat:1", ports: [{name: ws, containerPort: 8080}]}
"""
NLB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: socketio
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip
spec:
  type: LoadBalancer
  selector: {app: socketio}
  ports: [{name: ws, port: 80, targetPort: ws}]
"""


def _tree(directory):
    return {str(path.relative_to(directory)): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_fix_shared_out_writes_what_one_process_writes(tmp_path, shared_fixes):
    cases = tmp_path / "cases"
    _fixture_inputs(cases)
    trees, outcomes = [], []
    for jobs in (1, 2):
        copy = tmp_path / f"written-{jobs}"
        shutil.copytree(cases, copy)
        linter = Linter(Settings(jobs=jobs))
        loaded, context = linter.load_inputs([str(copy)])
        outcome = fix(linter, loaded, context, roots=[str(copy)], write=True, share=True)
        assert outcome.written
        trees.append(_tree(copy))
        outcomes.append((len(outcome.files), outcome.fixed, outcome.errors,
                         rendered(outcome.result).replace(str(copy), "ROOT")
                         .replace(copy.name, "COPY")))
    assert trees[0] == trees[1] and trees[0] != _tree(cases)
    assert outcomes[0] == outcomes[1] and outcomes[0][0] > 50
    assert shared_fixes == [2]


def test_a_file_a_worker_cannot_write_is_reported_as_one_process_reports_it(tmp_path,
                                                                          shared_fixes,
                                                                          monkeypatch):
    from wslint.fix import rounds

    cases = tmp_path / "cases"
    _fixture_inputs(cases)
    # The last file with a fix, which the second process owns: it cannot be written.
    last = sorted(cases.rglob("*.yaml"))[-40:]
    write = rounds._write

    def refusing(file):
        if file.source.path in refused:
            return "it changed on disk during the run"
        return write(file)

    monkeypatch.setattr(rounds, "_write", refusing)
    outcomes = []
    for jobs in (1, 2):
        copy = tmp_path / f"refused-{jobs}"
        shutil.copytree(cases, copy)
        refused = {str(copy / path.relative_to(cases)) for path in last}
        linter = Linter(Settings(jobs=jobs))
        loaded, context = linter.load_inputs([str(copy)])
        outcome = fix(linter, loaded, context, roots=[str(copy)], write=True, share=True)
        assert any(path in error for error in outcome.errors for path in refused)
        outcomes.append(([f.source.path.replace(str(copy), "ROOT") for f in outcome.files],
                         outcome.fixed, [e.replace(str(copy), "ROOT") for e in outcome.errors],
                         rendered(outcome.result).replace(str(copy), "ROOT")
                         .replace(copy.name, "COPY"), _tree(copy)))
    assert outcomes[0] == outcomes[1]
    assert shared_fixes == [2]


def test_a_worker_that_fails_while_writing_leaves_each_file_fixed_or_said(tmp_path, shared_fixes,
                                                                         monkeypatch):
    from wslint.fix import run as fix_run

    cases = tmp_path / "cases"
    _fixture_inputs(cases)
    first, write_files = os.getpid(), fix_run.write_files

    def one_then_fail(files):
        if os.getpid() == first:
            return write_files(files)
        write_files(files[:1])
        os._exit(3)

    monkeypatch.setattr(fix_run, "write_files", one_then_fail)
    linter = Linter(Settings(jobs=2))
    loaded, context = linter.load_inputs([str(cases)])
    before = _tree(cases)
    outcome = fix(linter, loaded, context, roots=[str(cases)], write=True, share=True)
    after = _tree(cases)
    said = [error for error in outcome.errors if "the worker process writing it failed" in error]
    assert said and len(said) == len(outcome.errors)
    unwritten = {error.split(": not written")[0] for error in said}
    changed = {name for name in after if after[name] != before[name]}
    assert changed and not {str(cases / name) for name in changed} & unwritten
    # The findings are those of the files as they are now: the unwritten ones as they were.
    assert not any(str(f.source.path) in unwritten for f in outcome.files)
    assert shared_fixes == [2]


def test_a_fix_across_the_files_of_two_processes_is_made_by_one(tmp_path, shared_fixes):
    # WS301's fix of a Deployment behind an AWS load balancer edits its Service: in another
    # file, which the other process owns.
    app = tmp_path / "app"
    app.mkdir()
    # The first file is more than half the input: one file for each process.
    (app / "a-deployment.yaml").write_text(NLB_DEPLOYMENT + "# " + "padding " * 80 + "\n")
    (app / "b-service.yaml").write_text(NLB_SERVICE + "# " + "padding " * 40 + "\n")
    one = _fix_outcome(app, 1, unsafe=True)
    assert any(path.endswith("b-service.yaml") and "stickiness" in text
               for path, text, _ in one[0]), one[0]
    assert _fix_outcome(app, 2, unsafe=True) == one
    assert shared_fixes == ["one"]


def test_a_failed_fix_worker_hands_the_run_to_one_process(tmp_path, shared_fixes, monkeypatch,
                                                         capsys):
    from wslint.fix import run as fix_run

    cases = tmp_path / "cases"
    _fixture_inputs(cases)
    one = _fix_outcome(cases, 1)

    def crash(session, connection):
        os._exit(3)

    monkeypatch.setattr(fix_run, "_serve", crash)
    assert _fix_outcome(cases, 2) == one
    assert "a worker process failed (a worker exited with status 3); fixing in one process" \
        in capsys.readouterr().err


def test_files_loaded_in_processes_are_what_one_process_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    assert _fixture_inputs(tmp_path) > 100
    files = sorted(str(p) for p in tmp_path.rglob("*.yaml"))

    def summary(loaded):
        return [(item.source.path, item.source.text, [p.__dict__ for p in item.problems],
                 [(o.ref, o.doc_index, o.item_index, o.data,
                   [o.locate(path) for path in _paths(o.data)]) for o in item.objects])
                for item in loaded]

    one = Linter(Settings(jobs=1)).load_files(files)
    two = parallel.loaded_in_processes(Linter(Settings(jobs=2)), files)
    assert two is not None and summary(two) == summary(one)
    # A worker that fails leaves its files to the first process.
    monkeypatch.setattr(parallel, "dump", lambda value, names=None: 1 / 0)
    assert summary(parallel.loaded_in_processes(Linter(Settings(jobs=2)), files)) == summary(one)
