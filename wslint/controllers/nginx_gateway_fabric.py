"""NGINX Gateway Fabric: a Gateway API implementation, known by its GatewayClass
`controllerName`. It is nginx: only the read timeout cuts an idle WebSocket, 60 s unless a
ProxySettingsPolicy (on the Gateway or the route) sets `timeout.read`. It ignores HTTPRoute
`timeouts`, and `sessionPersistence` without NGINX Plus; stickiness on open-source nginx is an
UpstreamSettingsPolicy on the Service (`ip_hash`, `hash`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import nginx_time, seconds_text
from wslint.controllers.gateway_api import (GROUP, SESSION_PERSISTENCE, attached, parent_gateways,
                                            policy_snippet, websocket_rules)
from wslint.controllers.profile import (IDLE_CUT, AttachedKind, IgnoredField, Profile,
                                        TimeoutSpec, Timeout, unique)
from wslint.k8s.routes import Backend, Route
from wslint.model import Edit, Fix, KObject, Problem, Related, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "nginx-gateway-fabric"
POLICY_GROUP = "gateway.nginx.org"
POLICY_VERSION = "gateway.nginx.org/v1alpha1"
PROXY_SETTINGS, UPSTREAM_SETTINGS = "ProxySettingsPolicy", "UpstreamSettingsPolicy"
READ = ("spec", "timeout", "read")
DEFAULT_READ = 60
# Its own images: the control plane, and the NGINX Plus data plane.
IMAGE, PLUS_IMAGE = "nginx-gateway-fabric", "nginx-gateway-fabric/nginx-plus"
STICKY_METHODS = ("ip_hash", "hash", "hash consistent")


def duration(seconds: int) -> str:
    """A duration NGINX Gateway Fabric accepts (at most four digits, then ms, s, m or h)."""
    for unit, size in (("s", 1), ("m", 60), ("h", 3600)):
        if seconds <= 9999 * size:
            return f"{-(-seconds // size)}{unit}"
    return "9999h"


def nginx_plus(graph: "Graph") -> bool:
    """Whether the input runs NGINX Gateway Fabric with NGINX Plus: the `--nginx-plus` flag of
    its controller, or the NGINX Plus data plane image."""
    def find() -> bool:
        for workload in graph.workloads.values():
            for container in workload.containers():
                image = container.data.get("image")
                if not isinstance(image, str) or IMAGE not in image:
                    continue
                args = [str(a) for a in (container.data.get("args") or [])] \
                    if isinstance(container.data.get("args"), list) else []
                if PLUS_IMAGE in image or any(a.startswith("--nginx-plus") for a in args):
                    return True
        return False
    return graph.memo((ID, "plus"), find)


# --- WS102: the read timeout -------------------------------------------------------------------

def _read_policies(route: Route, graph: "Graph") -> list[KObject]:
    """The ProxySettingsPolicies of the route, then of its Gateways (the route's wins)."""
    found = [p for p, _ in attached(PROXY_SETTINGS, route.obj, graph)]
    for gateway, _ in parent_gateways(route.obj, graph):
        found += [p for p, _ in attached(PROXY_SETTINGS, gateway, graph)]
    return [p for p in found if p.api_group == POLICY_GROUP]


def read_timeout(route: Route, graph: "Graph") -> Timeout | None:
    """nginx's proxy_read_timeout for the route, and where it comes from (None when written
    in a form nginx cannot read)."""
    for policy in _read_policies(route, graph):
        value = dig(policy.data, *READ)
        if value is not None:
            seconds = nginx_time(value) if isinstance(value, str) else None
            return None if seconds is None else Timeout("timeout.read", seconds, policy, READ)
    return Timeout("proxy read timeout", DEFAULT_READ)


def _read_fix(route: Route, minimum: int) -> Fix:
    return Fix(f"attach a ProxySettingsPolicy to the HTTPRoute with timeout.read "
               f"{duration(minimum)} (NGINX Gateway Fabric ignores HTTPRoute timeouts)",
               policy_snippet(POLICY_VERSION, PROXY_SETTINGS, f"{route.obj.name}-websocket",
                              route.obj.namespace, [(GROUP, "HTTPRoute", route.obj.name)],
                              f"timeout:\n  read: {duration(minimum)}"))


def read_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    """The default 60 s; a policy's value is reported on the policy."""
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    rules = websocket_rules(route, graph)
    timeout = read_timeout(route, graph) if rules else None
    if timeout is None or timeout.obj is not None or timeout.seconds >= minimum:
        return
    yield Problem(
        ("spec", "rules", rules[0]),
        f"{route.obj.ref}: no ProxySettingsPolicy sets timeout.read for this route, so nginx's "
        f"default of {seconds_text(timeout.seconds)} applies, below {seconds_text(minimum)}; "
        f"{IDLE_CUT}", _read_fix(route, minimum), controller=ID)


def policy_read_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    if obj.api_group != POLICY_GROUP:
        return
    covered = []
    for route in graph.routes.values():
        if route.controller == ID and route.obj.kind == "HTTPRoute" and \
                websocket_rules(route, graph):
            timeout = read_timeout(route, graph)
            if timeout is not None and timeout.obj is obj and timeout.seconds < minimum:
                covered.append((route, timeout))
    if not covered:
        return
    names = ", ".join(unique([str(r.obj.ref) for r, _ in covered]))
    yield Problem(
        READ,
        f"{obj.ref}: timeout.read is {dig(obj.data, *READ)}, below {seconds_text(minimum)}, on "
        f"routes to WebSocket backends ({names}); {IDLE_CUT}",
        Fix(f"raise timeout.read to {duration(minimum)}", f"read: {duration(minimum)}",
            edits=(Edit.set(READ, duration(minimum)),)),
        related=tuple(Related(r.obj, (), "a route it covers") for r, _ in covered[:3]),
        controller=ID)


# --- WS107: HTTPRoute fields it ignores --------------------------------------------------------

def _timeouts_fix(route: Route, rule: int) -> Fix:
    return Fix("remove rules[].timeouts (it does nothing here) and set the read timeout in a "
               "ProxySettingsPolicy attached to the HTTPRoute",
               policy_snippet(POLICY_VERSION, PROXY_SETTINGS, f"{route.obj.name}-websocket",
                              route.obj.namespace, [(GROUP, "HTTPRoute", route.obj.name)],
                              "timeout:\n  read: 3600s"))


def _services(route: Route, rule: int) -> list[str]:
    return unique([b.service for b in route.backends if b.group == ("spec", "rules", rule)])


def _persistence_fix(route: Route, rule: int) -> Fix:
    services = _services(route, rule) or ["SERVICE"]
    return Fix("pin clients with an UpstreamSettingsPolicy `loadBalancingMethod: ip_hash` on the "
               "Service (open-source NGINX Gateway Fabric applies no sessionPersistence)",
               _upstream_snippet(services, route.obj.namespace))


def _upstream_snippet(services: list[str], namespace: str | None) -> str:
    return policy_snippet(POLICY_VERSION, UPSTREAM_SETTINGS, f"{services[0]}-sticky", namespace,
                          [("", "Service", name) for name in services],
                          "loadBalancingMethod: ip_hash")


def _without_plus(route: Route, graph: "Graph") -> bool:
    return not nginx_plus(graph)


IGNORED = (
    IgnoredField("timeouts", "the only read timeout is a ProxySettingsPolicy's `timeout.read` "
                 "(60 s without one)", _timeouts_fix),
    IgnoredField(SESSION_PERSISTENCE, "it applies session persistence only with NGINX Plus; "
                 "open source pins clients with an UpstreamSettingsPolicy "
                 "`loadBalancingMethod: ip_hash`",
                 _persistence_fix, _without_plus),
)


# --- stickiness and pod IPs --------------------------------------------------------------------

def _upstream_policies(service: KObject, graph: "Graph") -> list[KObject]:
    return [p for p, _ in attached(UPSTREAM_SETTINGS, service, graph)
            if p.api_group == POLICY_GROUP]


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    return [f"{policy.ref} {policy.get('spec', 'loadBalancingMethod')}"
            for policy in _upstream_policies(service, graph)
            if policy.get("spec", "loadBalancingMethod") in STICKY_METHODS]


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes) or not services:
        return None
    return Fix("pin clients with an UpstreamSettingsPolicy `loadBalancingMethod: ip_hash` on the "
               "Service (NGINX Gateway Fabric balances to pod IPs, so a Service's "
               "sessionAffinity is bypassed)",
               _upstream_snippet([s.name for s in services], services[0].namespace))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    return route.obj.kind == "HTTPRoute"


def bypass_fix(route: Route) -> Fix:
    services = unique([b.service for b in route.backends]) or ["SERVICE"]
    return Fix(f"pin clients with an UpstreamSettingsPolicy `ip_hash` on the Service instead "
               f"(NGINX Gateway Fabric behind {route.obj.ref} balances to pod IPs itself)",
               _upstream_snippet(services, route.obj.namespace))


PROFILE = Profile(
    id=ID,
    title="NGINX Gateway Fabric",
    class_controllers=("gateway.nginx.org/",),
    gateway_class_names=("nginx", "nginx-gateway-fabric"),
    attached_kinds=(
        AttachedKind(POLICY_GROUP, PROXY_SETTINGS, "attached to a Gateway or an HTTPRoute by "
                     "`targetRefs` (the route's wins): `timeout.read`"),
        AttachedKind(POLICY_GROUP, UPSTREAM_SETTINGS, "attached to Services by `targetRefs`: "
                     "`loadBalancingMethod`")),
    websockets="built in",
    timeouts=(TimeoutSpec("timeout.read", "ProxySettingsPolicy (Gateway or HTTPRoute); HTTPRoute "
                          "`timeouts` are ignored", "nginx time (at most 4 digits)", "60s"),),
    ignored_route_fields=IGNORED,
    stickiness="UpstreamSettingsPolicy `loadBalancingMethod: ip_hash`, `hash` or `hash "
               "consistent`; HTTPRoute `sessionPersistence` with NGINX Plus only",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes (each pod is an upstream server; with an UpstreamSettingsPolicy "
                   "`useClusterIP: true` the Service sees only nginx's addresses)",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    route_checks={"WS102": {"HTTPRoute": read_timeout_too_short}},
    object_checks={"WS102": {PROXY_SETTINGS: policy_read_too_short}},
)
