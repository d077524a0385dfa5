"""Session affinity: does anything in front of a multi-pod workload pin a client to one pod
(WS301)? Each controller's profile knows how its layer is made sticky."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.clouds.registry import cloud_of, load_balancer_stickiness
from wslint.controllers.registry import PROFILES, route_stickiness, service_stickiness
from wslint.k8s.objects import is_headless
from wslint.model import Edit, Fix, KObject, Problem, Related
from wslint.k8s.routes import Backend, Route

checks = CheckSet()


def _fix(services: list[KObject], routes: list[tuple[Route, Backend]], ctx: CheckContext) -> Fix:
    """Stickiness where the controller in front applies it (the first profile that offers a fix
    for these routes), else where the cloud load balancer of a LoadBalancer Service does, else
    Service affinity."""
    for profile in PROFILES:
        fix = profile.sticky_fix(routes, services) if profile.sticky_fix is not None else None
        if fix is not None:
            return fix
    for service in services:
        detection = cloud_of(service, ctx.settings.default_cloud)
        if detection is not None and detection.cloud.sticky_fix is not None:
            return detection.cloud.sticky_fix(service)
    names = ", ".join(s.name for s in services)
    return Fix(f"add session affinity to Service {names} (or cookie stickiness at the ingress)",
               "sessionAffinity: ClientIP\nsessionAffinityConfig:\n  clientIP:\n    timeoutSeconds: 10800",
               edits=tuple(edit for service in services for edit in (
                   Edit.set(("spec", "sessionAffinity"), "ClientIP", service),
                   Edit.set(("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"), 10800,
                            service))))


@checks("WS301")
def missing_session_affinity(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    workload = graph.workload(obj)
    pods = graph.max_pods(workload)
    if pods is not None and pods <= 1:
        return
    if graph.proxy_controllers(workload):
        return  # a proxy keeps no session; how it balances to its own backends is what counts
    if ctx.settings.websocket_scope != "all" and not graph.polling_clients(workload):
        # A WebSocket is one connection to one pod, and a client that reconnects lands anywhere
        # and starts again; only clients that fall back to long-polling (Socket.IO, SockJS,
        # SignalR) send requests that must reach the pod holding their session.
        return
    # Services that balance connections that may be WebSockets (not headless, not Redis & co).
    services = [s for s in graph.services_for(workload)
                if not graph.opted_out(s) and not is_headless(s)
                and any(p.may_carry_websockets() for p in graph.service_ports(s))]
    if not services:
        return  # nothing in the input balances WebSocket connections to it
    routes = [pair for service in services for pair in graph.routes_to(service)]
    if any(service_stickiness(s, graph) or load_balancer_stickiness(s) for s in services):
        return
    if any(route_stickiness(route, backend, graph) for route, backend in routes):
        return
    count = "one pod per node" if pods is None else f"up to {pods} pods"
    related = tuple(Related(s, (), "Service selecting the pods") for s in services)
    related += tuple(Related(route.obj, backend.path, f"route to Service {backend.service}")
                     for route, backend in routes)
    replicas_path = workload.kind.replicas_path or ("spec",)
    yield Problem(
        replicas_path,
        f"{obj.ref} runs {count} and nothing in front of it is sticky "
        f"(Service {', '.join(dict.fromkeys(s.name for s in services))}"
        f"{', routes ' + ', '.join(sorted({str(r.obj.ref) for r, _ in routes})) if routes else ''}): "
        f"reconnects and Socket.IO/SockJS polling requests land on other pods that do not know "
        f"the session",
        _fix(services, routes, ctx), related=related)
