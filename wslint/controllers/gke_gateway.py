"""GKE Gateway: Google Cloud's Gateway API implementation, known by its GatewayClasses
(`gke-l7-*`, which live in the cluster, not in manifests). A GCPBackendPolicy attached to a
Service sets its backend service timeout (`timeoutSec`, 30 s by default) and session affinity; a
GCPSessionAffinityPolicy attaches to a Service or an HTTPRoute. The load balancer sends traffic
to the pods (network endpoint groups), past the Service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import integer, seconds_text
from wslint.controllers.gateway_api import attached, policy_snippet, websocket_rules
from wslint.controllers.profile import AttachedKind, Profile, TimeoutSpec, unique
from wslint.k8s.routes import Backend, Route
from wslint.model import Edit, Fix, KObject, Problem, Related, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "gke-gateway"
POLICY_GROUP = "networking.gke.io"
POLICY_VERSION = "networking.gke.io/v1"
BACKEND_POLICY, AFFINITY_POLICY = "GCPBackendPolicy", "GCPSessionAffinityPolicy"
TIMEOUT = ("spec", "default", "timeoutSec")
DEFAULT_TIMEOUT = 30
# Whether a GKE Gateway backend timeout ends a WebSocket after that long whatever it does (as
# BackendConfig's `timeoutSec` does behind GKE Ingress) or only when it is idle is not verified;
# either way 30 s is too short, and messages say which is not known.
NOT_VERIFIED = ("(whether it caps the WebSocket's whole life, as GKE Ingress's backend timeout "
                "does, or only its idle time is not verified)")


def backend_policies(service: KObject, graph: "Graph") -> list[KObject]:
    return [p for p, _ in attached(BACKEND_POLICY, service, graph) if p.api_group == POLICY_GROUP]


def _timeout_fix(service: str, namespace: str | None, minimum: int) -> Fix:
    return Fix(f"attach a GCPBackendPolicy to Service {service} with timeoutSec: {minimum}",
               policy_snippet(POLICY_VERSION, BACKEND_POLICY, service, namespace,
                              [("", "Service", service)],
                              f"default:\n  timeoutSec: {minimum}", single=True))


def backend_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    """A WebSocket backend whose Service no GCPBackendPolicy in the input times: the default."""
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    if DEFAULT_TIMEOUT >= minimum:
        return
    rules = websocket_rules(route, graph)
    for backend in route.backends:
        if backend.group[2:3] and backend.group[2] not in rules:
            continue
        services = graph.find_services(backend.service, backend.namespace)
        if not services or any(backend_policies(s, graph) for s in services):
            continue  # not in the input, or timed by a policy (reported there)
        yield Problem(
            backend.path,
            f"{route.obj.ref}: no GCPBackendPolicy sets timeoutSec for Service "
            f"{backend.service}, so the GKE load balancer's backend timeout is the default "
            f"{seconds_text(DEFAULT_TIMEOUT)}, below {seconds_text(minimum)}; WebSockets to it "
            f"are cut after {seconds_text(DEFAULT_TIMEOUT)} {NOT_VERIFIED}",
            _timeout_fix(backend.service, backend.namespace or route.obj.namespace, minimum),
            controller=ID)


def policy_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    if obj.api_group != POLICY_GROUP:
        return
    services = [s for s in graph.services if obj in backend_policies(s, graph)]
    if not any(graph.in_scope(s) for s in services):
        return  # its Services carry no WebSocket (or are not in the input)
    default = dig(obj.data, "spec", "default")
    written = dig(default, "timeoutSec")
    seconds = DEFAULT_TIMEOUT if written is None else integer(written)
    if seconds is None or seconds >= minimum:
        return
    stated = f"is {written}" if written is not None else f"is unset (so {DEFAULT_TIMEOUT})"
    yield Problem(
        TIMEOUT if written is not None else ("spec",),
        f"{obj.ref}: timeoutSec {stated}, below {minimum}, for Services carrying WebSockets; "
        f"the GKE load balancer cuts their WebSockets after {seconds_text(seconds)} "
        f"{NOT_VERIFIED}",
        Fix(f"set timeoutSec to {minimum}", f"default:\n  timeoutSec: {minimum}",
            edits=(Edit.set(TIMEOUT, minimum),)),
        related=tuple(Related(s, (), "timed by this policy") for s in services[:3]),
        controller=ID)


# --- stickiness and pod IPs --------------------------------------------------------------------

def _affinity_policies(target: KObject, graph: "Graph") -> list[KObject]:
    return [p for p, _ in attached(AFFINITY_POLICY, target, graph)
            if p.api_group == POLICY_GROUP and isinstance(p.get("spec", "statefulGeneratedCookie"),
                                                          dict)]


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    """A GCPBackendPolicy's session affinity, a GCPSessionAffinityPolicy on the Service, or one
    on a GKE Gateway route to it (found through the graph)."""
    found = [f"{p.ref} sessionAffinity" for p in backend_policies(service, graph)
             if dig(p.data, "spec", "default", "sessionAffinity", "type") not in (None, "NONE")]
    found += [f"{p.ref} stateful cookie" for p in _affinity_policies(service, graph)]
    for route, _ in graph.routes_to(service):
        if route.controller == ID:
            found += [f"{p.ref} stateful cookie" for p in _affinity_policies(route.obj, graph)]
    return unique(found)


AFFINITY = "default:\n  sessionAffinity:\n    type: GENERATED_COOKIE\n    cookieTtlSec: 3600"


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes) or not services:
        return None
    service = services[0]
    return Fix("pin clients with a GCPBackendPolicy cookie affinity on the Service (the GKE load "
               "balancer sends traffic to the pods, so a Service's sessionAffinity does not "
               "apply)", policy_snippet(POLICY_VERSION, BACKEND_POLICY, service.name,
                                        service.namespace, [("", "Service", service.name)],
                                        AFFINITY, single=True))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    return True


def bypass_fix(route: Route) -> Fix:
    return Fix(f"pin clients with a GCPBackendPolicy cookie affinity on the Service instead (the "
               f"GKE load balancer behind {route.obj.ref} balances to the pods itself)", AFFINITY)


PROFILE = Profile(
    id=ID,
    title="GKE Gateway",
    class_controllers=("networking.gke.io/gateway",),
    gateway_class_names=("gke-l7-*",),
    attached_kinds=(
        AttachedKind(POLICY_GROUP, BACKEND_POLICY, "attached to a Service by `targetRef`: "
                     "`default.timeoutSec`, `default.sessionAffinity`"),
        AttachedKind(POLICY_GROUP, AFFINITY_POLICY, "attached to a Service or an HTTPRoute by "
                     "`targetRef`: `statefulGeneratedCookie`")),
    websockets="built in",
    caps_lifetime=True,  # not verified (see NOT_VERIFIED): held to the stricter reading
    timeouts=(TimeoutSpec("default.timeoutSec", "GCPBackendPolicy attached to the Service",
                          "whole seconds (whether it caps a WebSocket's whole life, as GKE "
                          "Ingress's does, is not verified)", "30"),),
    stickiness="GCPBackendPolicy `default.sessionAffinity.type` (`GENERATED_COOKIE`, "
               "`CLIENT_IP`, ...); GCPSessionAffinityPolicy `statefulGeneratedCookie`",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the load balancer's network endpoint groups hold the pod IPs",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    route_checks={"WS102": {"HTTPRoute": backend_timeout_too_short}},
    object_checks={"WS102": {BACKEND_POLICY: policy_timeout_too_short}},
)
