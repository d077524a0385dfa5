"""Pod-level rules: readiness (WS201), drain on shutdown (WS202, WS203), resources (WS401)."""

from __future__ import annotations

import math
import re
from typing import Any, Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers.registry import proxy_profile
from wslint.k8s.objects import Container, Workload
from wslint.k8s.signals import is_websocket_port_name
from wslint.model import Applicability, Edit, Fix, KObject, Problem, dig, dig_list

checks = CheckSet()

DEFAULT_GRACE_SECONDS = 30


def _example_port(container: Container) -> Any:
    """The port a probe of the fix checks: the WebSocket one, else one that may serve clients
    (not a broker's MQTT port or a metrics port), else the first."""
    ports = container.ports()
    for port in ports:
        if is_websocket_port_name(port.name):
            return port.name
    for port in ports:
        if port.may_carry_client_traffic():
            return port.name or port.number
    if ports:
        return ports[0].name or ports[0].number
    return 8080


@checks("WS201")
def missing_readiness_probe(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    if workload.kind.lifecycle_by:
        return  # the platform adds a readiness probe (Knative: a TCP probe)
    for container in ctx.graph.target_containers(workload):
        if isinstance(container.data.get("readinessProbe"), dict):
            continue
        yield Problem(
            container.path + ("readinessProbe",),
            f'{obj.ref}: container "{container.name}" has no readinessProbe: it is sent '
            f"connections as soon as it starts, before it can accept them",
            _readiness_fix(container))


def _readiness_fix(container: Container) -> Fix:
    """A probe of the server's readiness endpoint; a controller's own proxy answers one of its
    own (a guessed path on its traffic port would go through its routing, and fail)."""
    proxy = proxy_profile(container.data.get("image"))
    if proxy is not None and proxy.readiness_probe:
        return Fix(f'add a readinessProbe to container "{container.name}" on {proxy.name}\'s '
                   f"own health endpoint", proxy.readiness_probe)
    return Fix(f'add a readinessProbe to container "{container.name}" that succeeds only when '
               f"the server accepts connections",
               "readinessProbe:\n"
               "  httpGet:\n"
               "    path: /healthz  # your server's readiness endpoint\n"
               f"    port: {_example_port(container)}\n"
               "  periodSeconds: 5\n"
               "  failureThreshold: 2")


# The preStop `sleep` action is on by default from Kubernetes 1.30 (beta; GA in 1.34).
SLEEP_ACTION_SINCE = (1, 30)


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def _prestop_fix(container: Container, seconds: int, kubernetes_version: str) -> Fix:
    path = container.path + ("lifecycle", "preStop")
    if _version(kubernetes_version) >= SLEEP_ACTION_SINCE:
        return Fix(f'add a preStop sleep of {seconds} s to container "{container.name}" so '
                   f"endpoints are removed before it stops (the sleep action needs Kubernetes "
                   f'1.30+; before that use exec: {{command: ["sleep", "{seconds}"]}})',
                   f"lifecycle:\n  preStop:\n    sleep:\n      seconds: {seconds}",
                   edits=(Edit.set(path, {"sleep": {"seconds": seconds}}),))
    # Older clusters have no sleep action: run `sleep`, which the image must contain.
    return Fix(f'add a preStop hook running `sleep {seconds}` to container "{container.name}" '
               f"so endpoints are removed before it stops (Kubernetes {kubernetes_version} has "
               f"no sleep action; the image needs a `sleep` binary)",
               f'lifecycle:\n  preStop:\n    exec:\n      command: ["sleep", "{seconds}"]',
               Applicability.UNSAFE,
               (Edit.set(path, {"exec": {"command": ["sleep", str(seconds)]}}),))


@checks("WS202")
def missing_prestop_drain(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    if workload.kind.lifecycle_by:
        return  # the platform adds the drain (Knative: a preStop hook waiting for its proxy)
    seconds = ctx.options["sleep-seconds"]
    if ctx.graph.alone_when_replaced(workload):
        return  # no other pod for clients to be sent to while it stops
    for container in ctx.graph.target_containers(workload):
        if isinstance(dig(container.data, "lifecycle", "preStop"), dict):
            continue
        yield Problem(
            container.path + ("lifecycle", "preStop"),
            f'{obj.ref}: container "{container.name}" has no preStop hook: it gets SIGTERM '
            f"while proxies still send it new connections, and open connections drop at once",
            _prestop_fix(container, seconds, ctx.options["kubernetes-version"]))


# `sleep 10`, `sleep 5s`, `sleep 1m` in a shell command; loops make the duration unknown.
_SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)([smh]?)\b")
_LOOP = re.compile(r"\b(?:while|until|for)\b")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


def prestop_seconds(container: dict) -> float:
    """How long a container's preStop hook takes, when the manifest says: a `sleep` action, or
    `sleep N` steps in an exec command. Anything else (a loop, an HTTP call) counts as 0."""
    hook = dig(container, "lifecycle", "preStop")
    if not isinstance(hook, dict):
        return 0
    seconds = dig(hook, "sleep", "seconds")
    if type(seconds) is int:
        return seconds
    command = dig_list(hook, "exec", "command")
    text = " ".join(str(part) for part in command if isinstance(part, (str, int, float)))
    if not text or _LOOP.search(text):
        return 0
    total = sum(float(n) * _UNIT[unit] for n, unit in _SLEEP.findall(text))
    return total if math.isfinite(total) else 0  # `sleep` with 400 digits: not a duration


def _seconds(value: float) -> str:
    return f"{value:g} s"


@checks("WS203")
def termination_grace_too_short(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload: Workload = ctx.graph.workload(obj)
    if workload.kind.lifecycle_by:
        return  # the platform sets the grace period (Knative: the request timeout)
    grace = workload.pod_spec.get("terminationGracePeriodSeconds")
    explicit = type(grace) is int
    effective = grace if explicit else DEFAULT_GRACE_SECONDS
    prestop = max((prestop_seconds(c.data) for c in workload.containers()), default=0)
    drain = ctx.options["drain-seconds"]
    needed = prestop + drain
    if effective >= needed:
        return
    stated = f"is {effective}" if explicit else f"is unset (so {DEFAULT_GRACE_SECONDS})"
    budget = (f"the preStop hook ({_seconds(prestop)}) plus {_seconds(drain)} to drain "
              f"connections ({_seconds(needed)})"
              if prestop else f"the {_seconds(drain)} needed to drain connections")
    path = workload.pod_spec_path + ("terminationGracePeriodSeconds",)
    seconds = math.ceil(needed)
    yield Problem(
        path,
        f"{obj.ref}: terminationGracePeriodSeconds {stated}, less than {budget}; the pod is "
        f"killed with connections still open",
        Fix(f"set terminationGracePeriodSeconds to at least {needed:g}",
            f"terminationGracePeriodSeconds: {seconds}", edits=(Edit.set(path, seconds),)))


_RESOURCE_LABELS = {
    "requests.cpu": ("requests", "cpu", "250m"),
    "requests.memory": ("requests", "memory", "256Mi"),
    "limits.cpu": ("limits", "cpu", "1"),
    "limits.memory": ("limits", "memory", "256Mi"),
    "requests.ephemeral-storage": ("requests", "ephemeral-storage", "1Gi"),
    "limits.ephemeral-storage": ("limits", "ephemeral-storage", "1Gi"),
}


def _resource_set(resources: Any, name: str) -> bool:
    """Whether the resource is set, as Kubernetes defaults it: a request left unset takes the
    limit's value."""
    section, key, _ = _RESOURCE_LABELS[name]
    if dig(resources, section, key) not in (None, ""):
        return True
    return section == "requests" and dig(resources, "limits", key) not in (None, "")


@checks("WS401")
def missing_resource_limits(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    required = ctx.options["required"]
    for container in ctx.graph.target_containers(workload):
        resources = container.data.get("resources")
        missing = [name for name in required if not _resource_set(resources, name)]
        if not missing:
            continue
        section, key, _ = _RESOURCE_LABELS[missing[0]]
        lines = ["resources:"]
        for part in ("requests", "limits"):
            wanted = [(k, dig(resources, part, k) or example)
                      for name, (p, k, example) in _RESOURCE_LABELS.items()
                      if p == part and (name in required or dig(resources, part, k) is not None)]
            if wanted:
                lines.append(f"  {part}:")
                lines += [f"    {k}: {v}  # size for your connection count" if f"{part}.{k}" in missing
                          else f"    {k}: {v}" for k, v in wanted]
        yield Problem(
            container.path + ("resources", section, key),
            f'{obj.ref}: container "{container.name}" sets no {", ".join("resources." + m for m in missing)}; '
            f"long-lived connections hold memory, and without requests and a memory limit the "
            f"scheduler packs pods until one is OOM-killed with all its connections",
            Fix(f'set {", ".join(missing)} on container "{container.name}"', "\n".join(lines)))
