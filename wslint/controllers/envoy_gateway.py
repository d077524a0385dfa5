"""Envoy Gateway: a Gateway API implementation, known by its GatewayClass `controllerName`.
WebSockets pass by default; Envoy closes a stream idle for 5 minutes unless a policy says
otherwise; BackendTrafficPolicies (per route or Gateway) and ClientTrafficPolicies (per Gateway
listener) attach by `targetRef(s)` or `targetSelectors`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import go_duration, seconds_text
from wslint.controllers.gateway_api import (GROUP, attached, parent_gateways, policy_snippet,
                                            rule_name, websocket_rules)
from wslint.controllers.profile import (IDLE_CUT, AttachedKind, Profile, TimeoutSpec, Timeout,
                                        unique)
from wslint.k8s.routes import Backend, Route
from wslint.model import Applicability, Edit, Fix, KObject, Problem, Related, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "envoy-gateway"
POLICY_GROUP = "gateway.envoyproxy.io"
POLICY_VERSION = "gateway.envoyproxy.io/v1alpha1"
BTP, CTP = "BackendTrafficPolicy", "ClientTrafficPolicy"
STREAM_IDLE = ("timeout", "http", "streamIdleTimeout")
REQUEST_TIMEOUT = ("timeout", "http", "requestTimeout")
# Envoy's HTTP connection manager default, which Envoy Gateway keeps unless told otherwise.
DEFAULT_STREAM_IDLE = 300
# With a request timeout on the route, Envoy Gateway sets the route's idle timeout to the larger
# of one hour and that timeout (0 when the request timeout is 0).
ROUTE_IDLE_FLOOR = 3600


# --- which policies apply to a route rule ------------------------------------------------------

def _route_policies(route: Route, rule: int, graph: "Graph") -> list[KObject]:
    """The BackendTrafficPolicies that configure one rule of an HTTPRoute, most specific first:
    those naming the rule (`sectionName`), the route, the Gateway listener, the Gateway. The
    most specific one wins whole unless it sets `mergeType` (then the next fills what it leaves
    unset)."""
    name = rule_name(route.obj, rule)
    on_route = attached(BTP, route.obj, graph)
    ordered = [p for p, section in on_route if section and section == name]
    ordered += [p for p, section in on_route if not section]
    for gateway, listener in parent_gateways(route.obj, graph):
        on_gateway = attached(BTP, gateway, graph)
        ordered += [p for p, section in on_gateway if section and section == listener]
        ordered += [p for p, section in on_gateway if not section]
    chain = []
    for policy in unique_objects(ordered):
        chain.append(policy)
        if dig(policy.data, "spec", "mergeType") is None:
            break
    return chain


def unique_objects(objects: list[KObject]) -> list[KObject]:
    return list({id(obj): obj for obj in objects}.values())


def _listener_policies(route: Route, graph: "Graph") -> list[KObject]:
    """The ClientTrafficPolicies of the Gateway listeners the route attaches to."""
    found = []
    for gateway, listener in parent_gateways(route.obj, graph):
        on_gateway = attached(CTP, gateway, graph)
        found += [p for p, section in on_gateway if section and section == listener]
        found += [p for p, section in on_gateway if not section]
    return unique_objects(found)


def _from_policies(policies: list[KObject], path: tuple) -> tuple[KObject, object] | None:
    for policy in policies:
        value = dig(policy.data, "spec", *path)
        if value is not None:
            return policy, value
    return None


def _seconds(value: object) -> float | None:
    return go_duration(value) if isinstance(value, str) else None


def stream_idle_timeout(route: Route, rule: int, graph: "Graph") -> Timeout | None:
    """The idle timeout Envoy applies to a WebSocket on one rule of the route, and where it
    comes from (None when it is written in a form that cannot be read)."""
    found = _from_policies(_route_policies(route, rule, graph), STREAM_IDLE)
    if found is None:
        found = _from_policies(_listener_policies(route, graph), STREAM_IDLE)
    if found is not None:
        policy, value = found
        seconds = _seconds(value)
        return None if seconds is None else \
            Timeout(f"{policy.kind} streamIdleTimeout", seconds, policy, ("spec",) + STREAM_IDLE)
    request = dig(route.obj.data, "spec", "rules", rule, "timeouts", "request")
    where: tuple[KObject, tuple] = (route.obj, ("spec", "rules", rule, "timeouts", "request"))
    if request is None:
        found = _from_policies(_route_policies(route, rule, graph), REQUEST_TIMEOUT)
        if found is not None:
            request, where = found[1], (found[0], ("spec",) + REQUEST_TIMEOUT)
    if request is not None:
        seconds = _seconds(request)
        if seconds is None:
            return None
        return Timeout("the route idle timeout set from the request timeout",
                       0 if seconds == 0 else max(ROUTE_IDLE_FLOOR, seconds), *where)
    return Timeout("stream idle timeout", DEFAULT_STREAM_IDLE)


# --- WS102 -------------------------------------------------------------------------------------

def _idle_fix(route: Route, minimum: int) -> Fix:
    return Fix(f"attach a BackendTrafficPolicy to the HTTPRoute that raises "
               f"streamIdleTimeout to {minimum}s",
               policy_snippet(POLICY_VERSION, BTP, f"{route.obj.name}-websocket",
                              route.obj.namespace, [(GROUP, "HTTPRoute", route.obj.name)],
                              f"timeout:\n  http:\n    streamIdleTimeout: {minimum}s"))


def idle_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    """The default, or a route's own request timeout; a policy's value is reported on it."""
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    for rule in websocket_rules(route, graph):
        timeout = stream_idle_timeout(route, rule, graph)
        if timeout is None or timeout.seconds == 0 or timeout.seconds >= minimum or \
                timeout.obj not in (None, route.obj):
            continue
        if timeout.obj is None:
            stated = (f"no BackendTrafficPolicy or ClientTrafficPolicy sets streamIdleTimeout for "
                      f"this rule, so Envoy's default stream idle timeout of "
                      f"{seconds_text(timeout.seconds)} applies")
        else:
            stated = (f"this rule's timeouts.request makes Envoy Gateway's idle timeout for it "
                      f"{seconds_text(timeout.seconds)}")
        yield Problem(
            timeout.path or ("spec", "rules", rule),
            f"{route.obj.ref}: {stated}, below {seconds_text(minimum)}; "
            f"{IDLE_CUT}", _idle_fix(route, minimum), controller=ID)
        return  # one finding per route: the policy that fixes it covers every rule


def _covered(policy: KObject, graph: "Graph", source) -> list[tuple[Route, int]]:
    """The rules of Envoy Gateway routes to WebSocket backends (at most one per route) whose
    setting comes from `policy`, per `source(route, rule, graph)`."""
    if policy.api_group != POLICY_GROUP:
        return []
    found = []
    for route in graph.routes.values():
        if route.controller != ID or route.obj.kind != "HTTPRoute":
            continue
        rule = next((rule for rule in websocket_rules(route, graph)
                     if source(route, rule, graph) is policy), None)
        if rule is not None:
            found.append((route, rule))
    return found


def _idle_source(route: Route, rule: int, graph: "Graph") -> KObject | None:
    timeout = stream_idle_timeout(route, rule, graph)
    return timeout.obj if timeout is not None else None


def policy_idle_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    covered = [(route, stream_idle_timeout(route, rule, graph))
               for route, rule in _covered(obj, graph, _idle_source)]
    covered = [(route, t) for route, t in covered if t is not None and 0 < t.seconds < minimum]
    if not covered:
        return
    timeout = covered[0][1]
    field = timeout.path[-1]
    names = ", ".join(unique([str(r.obj.ref) for r, _ in covered]))
    yield Problem(
        timeout.path,
        f"{obj.ref}: {field} is {dig(obj.data, *timeout.path)}, below {seconds_text(minimum)}, "
        f"on routes to WebSocket backends ({names}); Envoy closes "
        f"a WebSocket idle that long",
        Fix(f"raise {field} to {minimum}s", f"{field}: {minimum}s",
            edits=(Edit.set(timeout.path, f"{minimum}s"),)),
        related=tuple(Related(r.obj, (), "a route it covers") for r, _ in covered[:3]),
        controller=ID)


# --- WS101: request buffering removes the upgrade ----------------------------------------------

def _buffering(route: Route, rule: int, graph: "Graph") -> KObject | None:
    found = _from_policies(_route_policies(route, rule, graph), ("requestBuffer",))
    return found[0] if found else None


def request_buffer_removes_upgrade(obj: KObject, ctx) -> Iterator[Problem]:
    covered = _covered(obj, ctx.graph, _buffering)
    if not covered:
        return
    names = ", ".join(unique([str(r.obj.ref) for r, _ in covered]))
    yield Problem(
        ("spec", "requestBuffer"),
        f"{obj.ref}: requestBuffer covers routes to WebSocket backends ({names}); with request "
        f"buffering Envoy Gateway drops its default WebSocket upgrade, so upgrades hang",
        Fix("remove requestBuffer, or attach the policy only to routes that carry no WebSocket",
            applicability=Applicability.UNSAFE,
            edits=(Edit.remove(("spec", "requestBuffer")),)),
        related=tuple(Related(r.obj, (), "a route to WebSocket backends") for r, _ in covered[:3]),
        controller=ID)


# --- stickiness and pod IPs --------------------------------------------------------------------

def hashing(route: Route, rule: int, graph: "Graph") -> KObject | None:
    """The BackendTrafficPolicy that makes the rule's balancing a consistent hash, if any."""
    found = _from_policies(_route_policies(route, rule, graph), ("loadBalancer", "type"))
    return found[0] if found and found[1] == "ConsistentHash" else None


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    """Hashing set by the policies of the routes that reach the Service (a policy is found
    through the graph, which a route's own stickiness does not see)."""
    found = []
    for route, backend in graph.routes_to(service):
        if route.controller == ID and backend.group[:2] == ("spec", "rules"):
            policy = hashing(route, backend.group[2], graph)
            if policy is not None:
                found.append(f"{policy.ref} consistentHash")
    return found


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    ours = unique([r.obj.name for r, _ in routes if r.controller == ID and r.obj.kind == "HTTPRoute"])
    if not ours:
        return None
    namespace = next(r.obj.namespace for r, _ in routes if r.controller == ID)
    return Fix("hash clients to pods with a cookie in a BackendTrafficPolicy attached to the "
               "HTTPRoute (Envoy Gateway balances to pod IPs, so a Service's sessionAffinity is "
               "bypassed)",
               policy_snippet(POLICY_VERSION, BTP, f"{ours[0]}-sticky", namespace,
                              [(GROUP, "HTTPRoute", name) for name in ours],
                              "loadBalancer:\n  type: ConsistentHash\n  consistentHash:\n"
                              "    type: Cookie\n    cookie:\n      name: session\n"
                              "      ttl: 3600s"))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    # Endpoint routing by default; with `routingType: Service` the Service sees only the
    # proxies' addresses, so its ClientIP affinity pins no client either.
    return route.obj.kind == "HTTPRoute"


def bypass_fix(route: Route) -> Fix:
    return Fix(f"hash clients to pods in a BackendTrafficPolicy attached to {route.obj.ref} "
               f"(Envoy Gateway balances to pod IPs itself)",
               "loadBalancer:\n  type: ConsistentHash\n  consistentHash:\n    type: Cookie\n"
               "    cookie:\n      name: session\n      ttl: 3600s")


PROFILE = Profile(
    id=ID,
    title="Envoy Gateway",
    class_controllers=("gateway.envoyproxy.io/",),
    gateway_class_names=("eg", "envoy-gateway", "envoy"),
    proxy_images=("envoyproxy/envoy",),
    attached_kinds=(
        AttachedKind(POLICY_GROUP, BTP, "attached to an HTTPRoute (a rule by `sectionName`) or a "
                     "Gateway by `targetRef(s)` or `targetSelectors`: `timeout.http."
                     "streamIdleTimeout`, `timeout.http.requestTimeout`, `requestBuffer`, "
                     "`loadBalancer.consistentHash`"),
        AttachedKind(POLICY_GROUP, CTP, "attached to a Gateway (a listener by `sectionName`): "
                     "`timeout.http.streamIdleTimeout`")),
    websockets="built in; a BackendTrafficPolicy with `requestBuffer` removes the upgrade",
    timeouts=(TimeoutSpec("timeout.http.streamIdleTimeout", "BackendTrafficPolicy (route) or "
                          "ClientTrafficPolicy (listener); with neither, an HTTPRoute rule's "
                          "`timeouts.request` makes it max(1h, request)", "duration", "5m"),),
    stickiness="BackendTrafficPolicy `loadBalancer.type: ConsistentHash`; HTTPRoute "
               "`sessionPersistence`",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes (endpoint routing; with `routingType: Service` the Service sees only "
                   "the proxies' addresses)",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    route_checks={"WS102": {"HTTPRoute": idle_timeout_too_short}},
    object_checks={"WS101": {BTP: request_buffer_removes_upgrade},
                   "WS102": {BTP: policy_idle_timeout_too_short, CTP: policy_idle_timeout_too_short}},
)
