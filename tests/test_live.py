"""Linting what runs: `kubectl get ... -o yaml | wslint -`. A cluster serves back the objects
with status, managedFields and defaults, and with the ReplicaSets, Jobs and Pods its controllers
made from them: none of that may change what wslint reports."""

from __future__ import annotations

import io

import pytest
from ruamel.yaml import YAML

from cli_helpers import run
from conftest import FIXTURES, ROOT
from wslint.engine import Linter, parallel
from wslint.k8s.objects import BUILTIN_WORKLOAD_KINDS, WorkloadKind
from wslint.k8s.ownership import owned_in_input
from wslint.load.sources import load_source
from wslint.model import Source
from wslint.settings import Settings

LIVE = FIXTURES / "live" / "chat.yaml"
EXAMPLE = ROOT / "docs" / "examples" / "chat"


def findings(result) -> list[tuple]:
    """What a finding says, wherever it is written."""
    return [(f.code, str(f.object), f.path, f.message) for f in result.findings]


def without_owned(text: str) -> str:
    """The List with only the objects nobody controls: what a repository of manifests holds."""
    yaml = YAML()
    document = yaml.load(text)
    document["items"] = [item for item in document["items"]
                         if not item["metadata"].get("ownerReferences")]
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def test_owned_replicasets_jobs_and_pods_repeat_nothing():
    text = LIVE.read_text()
    alone = without_owned(text)
    assert [kind for kind in ("ReplicaSet", "Pod", "Job") if f"kind: {kind}\n" in alone] == []
    live = Linter().lint_text(text, "<stdin>")
    assert findings(live) == findings(Linter().lint_text(alone, "<stdin>"))
    assert live.findings and live.objects == 10


def test_status_managed_fields_and_defaults_make_no_noise():
    # The cluster's copy of docs/examples/chat says what the manifests say, and only that.
    served = findings(Linter().lint_text(LIVE.read_text(), "<stdin>"))
    written = findings(Linter().lint_paths([str(EXAMPLE)]))
    assert sorted(served) == sorted(written)


def test_standard_input_from_kubectl():
    result = run("--format", "json", "-", stdin=LIVE.read_bytes())
    assert result.returncode == 1 and result.stderr == b"", result.stderr
    assert b'"kind": "Pod"' not in result.stdout and b'"kind": "ReplicaSet"' not in result.stdout


def _objects(*documents: str) -> list:
    source = Source("live.yaml", "---\n".join(documents))
    return load_source(source).objects


def _workload(kind: str, name: str, api_version: str = "apps/v1", owner: str = "",
              labels: str = "{app: chat}", uid: str = "") -> str:
    """A workload with a pod template (or a Pod), owned through `owner` (`Kind/name`)."""
    metadata = f"name: {name}, namespace: rt, labels: {labels}"
    if uid:
        metadata += f", uid: {uid}"
    if owner:
        owner_kind, owner_name = owner.split("/")
        group = {"Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1",
                 "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
                 "Rollout": "argoproj.io/v1alpha1"}.get(owner_kind, "v1")
        controller = "false" if owner_name.endswith("?") else "true"
        metadata += (f", ownerReferences: [{{apiVersion: {group}, kind: {owner_kind}, "
                     f"name: {owner_name.rstrip('?')}, controller: {controller}}}]")
    pod = "containers: [{name: app, image: app:1}]"
    spec = f"{{{pod}}}" if kind == "Pod" else f"{{template: {{spec: {{{pod}}}}}}}"
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{{metadata}}}\nspec: {spec}\n"


HASHED = "{app: chat, pod-template-hash: 5d8f}"
ROLLOUTS = {**BUILTIN_WORKLOAD_KINDS,
            "Rollout": WorkloadKind("Rollout", api_group="argoproj.io")}

# (what the input holds, the objects left out of the checks)
OWNERSHIP_CASES = {
    "pods of a StatefulSet and of a DaemonSet": (
        [_workload("StatefulSet", "db"), _workload("Pod", "db-0", "v1", "StatefulSet/db"),
         _workload("DaemonSet", "agent"), _workload("Pod", "agent-x2", "v1", "DaemonSet/agent")],
        ["db-0", "agent-x2"]),
    "a ReplicaSet of a Deployment and its pods": (
        [_workload("Deployment", "chat"), _workload("ReplicaSet", "chat-5d8f", owner="Deployment/chat"),
         _workload("Pod", "chat-5d8f-a", "v1", "ReplicaSet/chat-5d8f")],
        ["chat-5d8f", "chat-5d8f-a"]),
    "pods of a Deployment whose ReplicaSet is not listed": (
        [_workload("Deployment", "chat"),
         _workload("Pod", "chat-5d8f-a", "v1", "ReplicaSet/chat-5d8f", labels=HASHED)],
        ["chat-5d8f-a"]),
    "pods of a CronJob whose Job is not listed": (
        [_workload("CronJob", "nightly", "batch/v1"),
         _workload("Pod", "nightly-28624500-q", "v1", "Job/nightly-28624500")],
        ["nightly-28624500-q"]),
    "pods whose owner is not listed: linted, they are all there is": (
        [_workload("Pod", "chat-5d8f-a", "v1", "ReplicaSet/chat-5d8f", labels=HASHED),
         _workload("Deployment", "other")],
        []),
    "an owner that is not a controller": (
        [_workload("Deployment", "chat"), _workload("Pod", "chat-x", "v1", "Deployment/chat?")],
        []),
    "a static pod, controlled by its Node": (
        [_workload("Pod", "etcd-node-1", "v1", "Node/node-1")], []),
    "an owner found by uid, whatever its name": (
        [_workload("Deployment", "chat", uid="d-1"),
         _workload("ReplicaSet", "renamed", owner="Deployment/chat", uid="r-1")
         .replace("controller: true", "controller: true, uid: d-1")],
        ["renamed"]),
    "a ReplicaSet of a configured workload kind (Argo Rollouts)": (
        [_workload("Rollout", "canary", "argoproj.io/v1alpha1"),
         _workload("ReplicaSet", "canary-7f", owner="Rollout/canary")],
        ["canary-7f"]),
}


@pytest.mark.parametrize("documents, left_out", OWNERSHIP_CASES.values(), ids=OWNERSHIP_CASES)
def test_which_objects_are_left_out(documents, left_out):
    objects = _objects(*documents)
    assert len(objects) == len(documents)
    owned = owned_in_input(objects, ROLLOUTS)
    assert sorted(obj.name for obj in objects if id(obj) in owned) == sorted(left_out)


def test_ignore_annotations_copied_to_owned_pods_are_not_unused():
    # The pod template's annotation reaches every Pod: it silences the Deployment's finding,
    # and is no WS903 on the Pods, which are not checked.
    annotated = "{wslint.io/ignore: WS201}"
    deployment = _workload("Deployment", "chat").replace(
        "{template: {", f"{{template: {{metadata: {{annotations: {annotated}}}, ")
    pod = _workload("Pod", "chat-5d8f-a", "v1", "Deployment/chat").replace(
        "namespace: rt,", f"namespace: rt, annotations: {annotated},")
    result = Linter(Settings(select=["WS201", "WS903"])).lint_text(
        deployment + "---\n" + pod, "live.yaml")
    assert result.findings == [] and result.suppressed == 1


def test_the_same_whatever_the_number_of_processes(tmp_path, monkeypatch):
    # Owner and owned in files that different processes load.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1)
    yaml = YAML()
    items = yaml.load(LIVE.read_text())["items"]
    for index, item in enumerate(items):
        with open(tmp_path / f"{index:02d}.yaml", "w") as handle:
            yaml.dump(item, handle)
    one = Linter(Settings(jobs=1)).lint_paths([str(tmp_path)])
    two = Linter(Settings(jobs=2)).lint_paths([str(tmp_path)])
    assert findings(one) == findings(two) == findings(Linter().lint_text(LIVE.read_text()))
    assert {f.object.kind for f in two.findings} == {"Deployment", "Ingress"}
