"""Session affinity: does anything in front of a multi-pod workload pin a client to one pod
(WS301)? Each layer that can is one detector below."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.graph import Graph, split_list
from wslint.k8s.objects import is_headless, is_proxy_workload, service_ports
from wslint.model import Edit, Fix, KObject, Problem, Related, dig, dig_list
from wslint.k8s.routes import Backend, Route

checks = CheckSet()


def _attributes(value: str | None) -> dict[str, str]:
    """`a=1,b=2` (AWS Load Balancer Controller attribute lists)."""
    pairs = {}
    for item in split_list(value):
        key, _, val = item.partition("=")
        pairs[key.strip()] = val.strip()
    return pairs


def _alb_sticky(annotations: dict[str, str]) -> bool:
    attributes = _attributes(annotations.get("alb.ingress.kubernetes.io/target-group-attributes"))
    return attributes.get("stickiness.enabled", "").lower() == "true"


def _shared_annotation_stickiness(obj: KObject) -> list[str]:
    """Stickiness by the annotations that HAProxy and the ALB read on a Service and on an
    Ingress alike."""
    annotations, found = obj.annotations, []
    if annotations.get("haproxy-ingress.github.io/affinity") == "cookie":
        found.append(f"{obj.ref} HAProxy Ingress affinity")
    if "haproxy.org/cookie-persistence" in annotations:
        found.append(f"{obj.ref} HAProxy cookie persistence")
    if _alb_sticky(annotations):
        found.append(f"{obj.ref} ALB target-group stickiness")
    return found


def service_stickiness(service: KObject, graph: Graph) -> list[str]:
    """Stickiness configured at the Service, or on objects attached to it."""
    found = []
    if service.get("spec", "sessionAffinity") == "ClientIP":
        found.append(f"{service.ref} sessionAffinity: ClientIP")
    annotations = service.annotations
    if annotations.get("traefik.ingress.kubernetes.io/service.sticky.cookie") == "true":
        found.append(f"{service.ref} Traefik sticky cookie")
    found += _shared_annotation_stickiness(service)
    for config in graph.backend_configs_for(service):
        if dig(config.data, "spec", "sessionAffinity", "affinityType") in ("GENERATED_COOKIE", "CLIENT_IP"):
            found.append(f"{config.ref} sessionAffinity")
    for upstream in graph.upstream_policies_for(service):
        if upstream.get("spec", "algorithm") in ("consistent-hashing", "sticky-sessions") \
                or isinstance(upstream.get("spec", "hashOn"), dict):
            found.append(f"{upstream.ref} hashing")
    for rule in graph.destination_rules_for(service):
        # The rule's own policy, its per-port policies, and its subsets' (a VirtualService
        # routing to a subset gets that subset's load balancer).
        policies = [dig(rule.data, "spec", "trafficPolicy")]
        policies += [dig(s, "trafficPolicy") for s in dig_list(rule.data, "spec", "subsets")]
        policies += [p for policy in list(policies) for p in dig_list(policy, "portLevelSettings")]
        if any(isinstance(dig(p, "loadBalancer", "consistentHash"), dict) for p in policies):
            found.append(f"{rule.ref} consistentHash")
    return found


def route_stickiness(route: Route, backend: Backend) -> list[str]:
    """Stickiness the route itself configures for this backend."""
    obj, annotations = route.obj, route.obj.annotations
    found = []
    if route.controller == "ingress-nginx" and (
            annotations.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
            or annotations.get("nginx.ingress.kubernetes.io/upstream-hash-by")):
        found.append(f"{obj.ref} ingress-nginx affinity")
    found += _shared_annotation_stickiness(obj)
    if route.controller == "nginx-inc" and (
            any(item.split()[0].removeprefix("serviceName=") == backend.service
                for item in annotations.get("nginx.com/sticky-cookie-services", "").split(";")
                if item.strip())
            or annotations.get("nginx.org/lb-method", "").startswith(("ip_hash", "hash"))):
        found.append(f"{obj.ref} NGINX sticky load balancing")
    if obj.kind == "HTTPProxy":
        for policy in (dig(obj.data, *backend.group, "loadBalancerPolicy"),
                       dig(obj.data, "spec", "loadBalancerPolicy")):
            if dig(policy, "strategy") in ("Cookie", "RequestHash"):
                found.append(f"{obj.ref} loadBalancerPolicy {policy['strategy']}")
    if obj.kind == "Mapping":
        balancer = obj.get("spec", "load_balancer")
        if dig(balancer, "policy") in ("ring_hash", "maglev") and any(
                k in balancer for k in ("cookie", "header", "source_ip")):
            found.append(f"{obj.ref} {balancer['policy']} load balancing")
    if obj.kind == "HTTPRoute" and isinstance(dig(obj.data, *backend.group, "sessionPersistence"),
                                              dict):
        found.append(f"{obj.ref} sessionPersistence")
    if obj.kind == "IngressRoute" and isinstance(dig(obj.data, *backend.group, "sticky", "cookie"),
                                                 dict):
        found.append(f"{obj.ref} sticky cookie")
    return found


def _annotate(objects: list[KObject], annotations: dict[str, str]) -> tuple[Edit, ...]:
    unique = list({id(obj): obj for obj in objects}.values())
    return tuple(Edit.set(("metadata", "annotations", key), value, obj)
                 for obj in unique for key, value in annotations.items())


def _set_on_backends(routes: list[tuple[Route, Backend]], kind: str, key: str,
                     value: dict) -> tuple[Edit, ...]:
    """`key: value` on each route rule of this kind that holds a backend (once per rule)."""
    rules = {(id(r.obj), b.group): (r.obj, b.group) for r, b in routes if r.obj.kind == kind}
    return tuple(Edit.set(group + (key,), value, obj) for obj, group in rules.values())


def _fix(workload_ref: str, services: list[KObject], routes: list[tuple[Route, Backend]]) -> Fix:
    controllers = {route.controller for route, _ in routes}
    if "ingress-nginx" in controllers:
        nginx_routes = [r.obj for r, _ in routes
                        if r.controller == "ingress-nginx" and r.obj.kind == "Ingress"]
        return Fix("pin clients with a cookie at ingress-nginx (it balances to pod IPs directly, "
                   "so a Service's sessionAffinity would be bypassed)",
                   'nginx.ingress.kubernetes.io/affinity: "cookie"\n'
                   'nginx.ingress.kubernetes.io/affinity-mode: "persistent"',
                   edits=_annotate(nginx_routes, {"nginx.ingress.kubernetes.io/affinity": "cookie",
                                                  "nginx.ingress.kubernetes.io/affinity-mode": "persistent"}))
    if "contour" in controllers and any(r.obj.kind == "HTTPProxy" for r, _ in routes):
        return Fix("add a cookie load-balancing policy to the HTTPProxy route",
                   "loadBalancerPolicy:\n  strategy: Cookie",
                   edits=_set_on_backends(routes, "HTTPProxy", "loadBalancerPolicy",
                                          {"strategy": "Cookie"}))
    if "istio" in controllers:
        host = services[0].name
        return Fix(f"hash clients to pods with a DestinationRule for host {host} (the Envoy "
                   f"sidecars balance to pod IPs, so a Service's sessionAffinity is bypassed)",
                   "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n"
                   f"  name: {host}\nspec:\n  host: {host}\n  trafficPolicy:\n"
                   "    loadBalancer:\n      consistentHash:\n        httpCookie:\n"
                   "          name: session\n          ttl: 3600s")
    if any(r.obj.kind == "IngressRoute" for r, _ in routes):
        return Fix("add a sticky cookie to the IngressRoute's service entry",
                   "sticky:\n  cookie:\n    name: session\n    httpOnly: true",
                   edits=_set_on_backends(routes, "IngressRoute", "sticky",
                                          {"cookie": {"name": "session", "httpOnly": True}}))
    if "traefik" in controllers:
        return Fix("enable Traefik's sticky cookie on the Service (Traefik balances to pod IPs, "
                   "so sessionAffinity would be bypassed)",
                   'traefik.ingress.kubernetes.io/service.sticky.cookie: "true"',
                   edits=_annotate(services, {"traefik.ingress.kubernetes.io/service.sticky.cookie": "true"}))
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
    if is_proxy_workload(workload):
        return  # a proxy keeps no session; how it balances to its own backends is what counts
    # Services that balance connections that may be WebSockets (not headless, not Redis & co).
    services = [s for s in graph.services_for(workload)
                if not graph.opted_out(s) and not is_headless(s)
                and any(p.may_carry_websockets() for p in service_ports(s))]
    if not services:
        return  # nothing in the input balances WebSocket connections to it
    routes = [pair for service in services for pair in graph.routes_to(service)]
    if any(service_stickiness(s, graph) for s in services):
        return
    if any(route_stickiness(route, backend) for route, backend in routes):
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
        _fix(str(obj.ref), services, routes), related=related)
