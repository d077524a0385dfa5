"""The cloud load balancer in front of everything: its idle timeout (WS106), and, where it targets
pod IPs, its drain against the pods' grace period (WS207) and the readiness gate rollouts need
(WS406). Each cloud's profile (wslint.clouds) knows its keys, units and defaults."""

from __future__ import annotations

import os
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.checks.pods import DEFAULT_GRACE_SECONDS
from wslint.checks.timeouts import HEARTBEAT_MARGIN
from wslint.clouds.profile import PodTargets, joined_fix
from wslint.clouds.registry import cloud_of, pod_targets
from wslint.controllers.durations import seconds_text
from wslint.controllers.profile import IDLE_CUT
from wslint.graph import Graph, placement
from wslint.k8s.objects import Workload
from wslint.k8s.routes import Route
from wslint.model import Edit, Fix, KObject, Problem, Related

checks = CheckSet()


# --- which load balancers carry WebSockets ---------------------------------------------------

def _nested(a: KObject, b: KObject) -> bool:
    """Whether one object's directory holds the other's: the same deployment, not an unrelated
    example elsewhere in a repository."""
    first, second = os.path.dirname(placement(a)), os.path.dirname(placement(b))
    return first == second or second.startswith(first + "/") or first.startswith(second + "/") \
        or not first or not second


def _fronted_routes(service: KObject, graph: Graph) -> list[tuple[Workload, str, Route]]:
    """For a Service selecting an ingress controller's own proxy: the routes of that controller
    in the input (beside the Service) that carry WebSockets, with the proxy and the controller."""
    found = []
    for workload in graph.workloads_for(service):
        for controller in graph.proxy_controllers(workload):
            found += [(workload, controller, route) for route in graph.routes.values()
                      if route.controller == controller and _nested(service, route.obj)
                      and graph.in_scope(route.obj) and graph.backends_needing_websockets(route)]
    return found


def carries_websockets(service: KObject, graph: Graph) -> tuple[bool, list]:
    """Whether a Service's load balancer carries WebSockets: the Service is in scope (its
    workloads or routes say so), or its pods are a controller's proxy serving WebSocket routes
    (then the second item lists them, as `_fronted_routes` does)."""
    if graph.opted_out(service) or not any(p.may_carry_websockets()
                                          for p in graph.service_ports(service)):
        return False, []
    if graph.in_scope(service):
        return True, []
    fronted = _fronted_routes(service, graph)
    return bool(fronted), fronted


def _heartbeat(service: KObject, graph: Graph, fronted: list) -> int | None:
    """The longest the WebSockets through the Service stay silent, when every server behind it
    is known to send its own pings (see `Graph.heartbeat`)."""
    if not fronted:
        return graph.service_heartbeat(service)
    beats = [graph.route_heartbeat(route) for _, _, route in fronted]
    return max(beats) if None not in beats else None


# --- WS106 -----------------------------------------------------------------------------------

@checks("WS106")
def lb_idle_timeout_too_short(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    detection = cloud_of(obj, ctx.settings.default_cloud)
    if detection is None or detection.cloud.idle_timeouts is None:
        return
    carries, fronted = carries_websockets(obj, ctx.graph)
    if not carries:
        return
    minimum, pinged = ctx.options["min-seconds"], ""
    beat = _heartbeat(obj, ctx.graph, fronted)
    if beat is not None and beat + HEARTBEAT_MARGIN < minimum:
        # The servers behind it ping their clients: a longer idle timeout never runs out.
        minimum, pinged = beat + HEARTBEAT_MARGIN, f" (its servers ping every {beat} s)"
    short = [t for t in detection.cloud.idle_timeouts(obj, minimum) if t.seconds < minimum]
    if not short:
        return
    parts = [f"{t.what} is {seconds_text(t.seconds)}" +
             (f" ({t.note})" if t.note else "" if t.path else " (the default)") for t in short]
    paths = [t.path for t in short if t.path]
    through = ""
    if fronted:
        workload, controller, route = fronted[0]
        through = (f" (the WebSockets it carries: {workload.obj.ref} runs {controller}, which "
                   f"serves {route.obj.ref})")
    yield Problem(
        paths[0] if paths else ("metadata", "annotations"),
        f"{obj.ref}: the {detection.cloud.title} load balancer in front of it (per "
        f"{detection.reason}) cuts idle connections: {'; '.join(parts)}, below "
        f"{seconds_text(minimum)}{pinged}; {IDLE_CUT}{through}",
        joined_fix([t.fix for t in short if t.fix]))


# --- WS207 and WS406: load balancers that target pod IPs -------------------------------------

def _grace(workload: Workload) -> tuple[int, bool] | None:
    """The pod's termination grace period, and whether it is written (None: not a number)."""
    value = workload.pod_spec.get("terminationGracePeriodSeconds")
    if value is None:
        return DEFAULT_GRACE_SECONDS, False
    return (value, True) if type(value) is int else None


def _websocket_workloads(targets: PodTargets, graph: Graph) -> list[Workload]:
    return [w for s in targets.services for w in graph.workloads_for(s)
            if graph.in_scope(w.obj) and graph.may_serve_websockets(w)]


@checks("WS207")
def lb_drain_outlasts_grace(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    for targets in pod_targets(obj, graph):
        graced = [(w, _grace(w)) for w in _websocket_workloads(targets, graph)]
        short = [(w, grace) for w, grace in graced
                 if grace is not None and grace[0] < targets.drain_seconds]
        if not short:
            continue
        workload, (grace, written) = min(short, key=lambda item: item[1][0])
        yield Problem(
            targets.drain_path,
            f"{obj.ref}: {targets.load_balancer} drains a pod's target for "
            f"{seconds_text(targets.drain_seconds)} ({targets.drain_key}"
            f"{'' if targets.drain_written else ', the default'}), longer than "
            f"{workload.obj.ref} lives after SIGTERM ({seconds_text(grace)}, its "
            f"terminationGracePeriodSeconds{'' if written else ', the default'}): the pod is "
            f"killed while the load balancer still sends its connections to it",
            targets.drain_fix(grace),
            related=tuple(Related(w.obj, w.pod_spec_path + ("terminationGracePeriodSeconds",),
                                  f"terminationGracePeriodSeconds {g[0]}") for w, g in short[:3]),
            controller=targets.controller)


def _gated_targets(graph: Graph) -> list[PodTargets]:
    """Every load balancer in the input that targets pod IPs and whose controller injects
    readiness gates."""
    return graph.memo(("load-balancers", "gated"), lambda: [
        targets for obj in [route.obj for route in graph.routes.values()] + graph.services
        for targets in pod_targets(obj, graph) if targets.readiness_label])


@checks("WS406")
def lb_readiness_gate_missing(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    missing: list[tuple[PodTargets, Workload]] = []
    for targets in _gated_targets(graph):
        key, value = targets.readiness_label
        if obj.labels.get(key) == value:
            continue
        # A gate holds a new pod back while others serve: a pod alone has none to wait for.
        missing += [(targets, w) for w in _websocket_workloads(targets, graph)
                    if w.obj.namespace == obj.name and not graph.alone_when_replaced(w)
                    and obj in graph.nearest(graph.named("Namespace", obj.name), w.obj)]
    if not missing:
        return
    targets, workload = missing[0]
    key, value = targets.readiness_label
    names = ", ".join(dict.fromkeys(str(w.obj.ref) for _, w in missing))
    yield Problem(
        ("metadata", "labels", key),
        f"{obj.ref} lacks the label {key}: {value}, so no readiness gate is injected into its "
        f"pods; {targets.load_balancer} of {targets.holder.ref} targets the pods of {names} "
        f"directly (target type ip), and a rollout that outpaces target registration can leave "
        f"it only initial or draining targets: new connections fail and WebSockets drop",
        Fix(f"label the Namespace so {targets.manager} gates new pods' readiness on their "
            f"target's health (then restart the pods: the gate is injected at creation)",
            f"{key}: {value}", edits=(Edit.set(("metadata", "labels", key), value),)),
        related=tuple(Related(t.holder, (), f"{t.load_balancer} targeting pod IPs")
                      for t in {id(t): t for t, _ in missing}.values()),
        controller=targets.controller)
