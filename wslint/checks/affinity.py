"""Session affinity: does anything in front of a multi-pod workload pin a client to one pod
(WS301)? Each layer that can is one detector below."""

from __future__ import annotations

import json
from typing import Iterator

from wslint.checks.base import checks
from wslint.engine import CheckContext
from wslint.graph import Graph, split_list
from wslint.k8s import is_headless, is_proxy_workload, namespaces_match, service_ports
from wslint.model import Fix, KObject, Problem, Related, dig, dig_list
from wslint.routes import Backend, Route

BACKEND_CONFIG = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")


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


def _backend_configs(service: KObject, graph: Graph) -> list[KObject]:
    """The GKE BackendConfigs a Service names (`{"default": ...}` or `{"ports": {...}}`)."""
    names: set[str] = set()
    for key in BACKEND_CONFIG:
        try:
            value = json.loads(service.annotations.get(key, "null"))
        except ValueError:
            continue
        if isinstance(value, dict):
            if isinstance(value.get("default"), str):
                names.add(value["default"])
            if isinstance(value.get("ports"), dict):
                names.update(v for v in value["ports"].values() if isinstance(v, str))
    return [c for c in graph.by_kind.get("BackendConfig", ())
            if c.name in names and namespaces_match(c.namespace, service.namespace)]


def _destination_rules(service: KObject, graph: Graph) -> list[KObject]:
    namespace = service.namespace
    hosts = {service.name}
    if namespace:
        hosts |= {f"{service.name}.{namespace}", f"{service.name}.{namespace}.svc",
                  f"{service.name}.{namespace}.svc.cluster.local"}
    rules = []
    for rule in graph.by_kind.get("DestinationRule", ()):
        host = rule.get("spec", "host")
        if isinstance(host, str) and (host in hosts or (
                host.split(".")[0] == service.name and namespaces_match(rule.namespace, namespace))):
            rules.append(rule)
    return rules


def service_stickiness(service: KObject, graph: Graph) -> list[str]:
    """Stickiness configured at the Service, or on objects attached to it."""
    found = []
    if service.get("spec", "sessionAffinity") == "ClientIP":
        found.append(f"{service.ref} sessionAffinity: ClientIP")
    annotations = service.annotations
    if annotations.get("traefik.ingress.kubernetes.io/service.sticky.cookie") == "true":
        found.append(f"{service.ref} Traefik sticky cookie")
    if annotations.get("haproxy-ingress.github.io/affinity") == "cookie":
        found.append(f"{service.ref} HAProxy Ingress affinity")
    if "haproxy.org/cookie-persistence" in annotations:
        found.append(f"{service.ref} HAProxy cookie persistence")
    if _alb_sticky(annotations):
        found.append(f"{service.ref} ALB target-group stickiness")
    for config in _backend_configs(service, graph):
        if dig(config.data, "spec", "sessionAffinity", "affinityType") in ("GENERATED_COOKIE", "CLIENT_IP"):
            found.append(f"{config.ref} sessionAffinity")
    policy = annotations.get("konghq.com/upstream-policy")
    for upstream in graph.by_kind.get("KongUpstreamPolicy", ()):
        if upstream.name == policy and namespaces_match(upstream.namespace, service.namespace) and (
                upstream.get("spec", "algorithm") in ("consistent-hashing", "sticky-sessions")
                or isinstance(upstream.get("spec", "hashOn"), dict)):
            found.append(f"{upstream.ref} hashing")
    for rule in _destination_rules(service, graph):
        policies = [dig(rule.data, "spec", "trafficPolicy", "loadBalancer")]
        policies += [dig(p, "loadBalancer") for p in
                     dig_list(rule.data, "spec", "trafficPolicy", "portLevelSettings")]
        if any(isinstance(dig(p, "consistentHash"), dict) for p in policies):
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
    if annotations.get("haproxy-ingress.github.io/affinity") == "cookie":
        found.append(f"{obj.ref} HAProxy Ingress affinity")
    if "haproxy.org/cookie-persistence" in annotations:
        found.append(f"{obj.ref} HAProxy cookie persistence")
    if _alb_sticky(annotations):
        found.append(f"{obj.ref} ALB target-group stickiness")
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
    return found


def _fix(workload_ref: str, services: list[KObject], routes: list[tuple[Route, Backend]]) -> Fix:
    controllers = {route.controller for route, _ in routes}
    if "ingress-nginx" in controllers:
        return Fix("pin clients with a cookie at ingress-nginx (it balances to pod IPs directly, "
                   "so a Service's sessionAffinity would be bypassed)",
                   'nginx.ingress.kubernetes.io/affinity: "cookie"\n'
                   'nginx.ingress.kubernetes.io/affinity-mode: "persistent"')
    if "contour" in controllers and any(r.obj.kind == "HTTPProxy" for r, _ in routes):
        return Fix("add a cookie load-balancing policy to the HTTPProxy route",
                   "loadBalancerPolicy:\n  strategy: Cookie")
    names = ", ".join(s.name for s in services)
    return Fix(f"add session affinity to Service {names} (or cookie stickiness at the ingress)",
               "sessionAffinity: ClientIP\nsessionAffinityConfig:\n  clientIP:\n    timeoutSeconds: 10800")


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
