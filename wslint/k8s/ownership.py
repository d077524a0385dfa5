"""Objects a controller made from another object of the input: what a live cluster adds.

`kubectl get all -o yaml` lists a Deployment together with the ReplicaSets it made and their
Pods, a CronJob with its Jobs and their Pods. Each copies its owner's pod template, so linting
them would report every problem of the owner again. An object whose controlling owner
(`metadata.ownerReferences` with `controller: true`) is a workload of the input is left out of
the checks: the owner is where the problem is reported, and where it is fixed.

An owner that is not in the input keeps its objects linted (`kubectl get pods` alone still
shows what is wrong with them), except where the missing one's own owner is there and its name
says so: a Deployment names its ReplicaSets NAME-HASH (the Pods' `pod-template-hash` label), a
CronJob its Jobs NAME-MINUTES, so `kubectl get deploy,pods` reports each problem once too.
"""

from __future__ import annotations

from wslint.k8s.objects import WorkloadKind, workload_kind_of
from wslint.model import KObject, dig_list


def _group(api_version: object) -> str:
    return api_version.rsplit("/", 1)[0] if isinstance(api_version, str) and "/" in api_version \
        else ""


def _controller_reference(obj: KObject) -> dict | None:
    for reference in dig_list(obj.data, "metadata", "ownerReferences"):
        if isinstance(reference, dict) and reference.get("controller") is True \
                and isinstance(reference.get("kind"), str) and isinstance(reference.get("name"), str):
            return reference
    return None


def _owner_of_missing(obj: KObject, kind: str, name: str) -> tuple[str, str, str] | None:
    """(API group, kind, name) of the owner of an owner absent from the input, when its name
    tells it."""
    if kind == "ReplicaSet":
        template_hash = obj.labels.get("pod-template-hash")
        if template_hash and name.endswith("-" + template_hash):
            return "apps", "Deployment", name[:-len(template_hash) - 1]
    if kind == "Job":
        base, _, minutes = name.rpartition("-")
        if base and minutes.isdigit():
            return "batch", "CronJob", base
    return None


def owned_in_input(objects: list[KObject], workload_kinds: dict[str, WorkloadKind]) -> set[int]:
    """The ids of the workloads in `objects` whose controlling owner is a workload in `objects`
    too (directly, or through a missing owner its name points past)."""
    workloads = [obj for obj in objects if workload_kind_of(obj, workload_kinds) is not None]
    owning = [(obj, reference) for obj in workloads
              if (reference := _controller_reference(obj)) is not None]
    if not owning:  # manifests, as opposed to what a cluster lists
        return set()
    by_uid: dict[str, KObject] = {}
    by_name: dict[tuple, KObject] = {}
    for obj in workloads:
        uid = obj.get("metadata", "uid")
        if isinstance(uid, str) and uid:
            by_uid[uid] = obj
        by_name[(obj.api_group, obj.kind, obj.namespace, obj.name)] = obj
    owned: set[int] = set()
    for obj, reference in owning:
        kind, name = reference["kind"], reference["name"]
        uid = reference.get("uid")
        owner = by_uid.get(uid) if isinstance(uid, str) and uid in by_uid else \
            by_name.get((_group(reference.get("apiVersion")), kind, obj.namespace, name))
        if owner is None:
            above = _owner_of_missing(obj, kind, name)
            owner = above and by_name.get((above[0], above[1], obj.namespace, above[2]))
        if owner is not None and owner is not obj:
            owned.add(id(obj))
    return owned
