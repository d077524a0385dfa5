"""Traefik: IngressRoute routes and Ingresses, WebSockets built in, sticky cookies on the Service
(for Ingresses) or the IngressRoute's service entry, traffic to pod IPs unless `nativeLB`."""

from __future__ import annotations

import re

from wslint.controllers.profile import Profile, RouteKind, annotate, set_on_backends
from wslint.k8s.routes import Backend, Route
from wslint.model import Fix, KObject, dig, dig_list

ID = "traefik"
STICKY_COOKIE = "traefik.ingress.kubernetes.io/service.sticky.cookie"
NATIVE_LB = "traefik.ingress.kubernetes.io/service.nativelb"

# Traefik rules: PathPrefix(`/ws`) or Path(`/ws`)
_TRAEFIK_PATH = re.compile(r"Path(?:Prefix)?\(\s*[`\"']([^`\"']+)")


def _ingressroute(obj: KObject) -> list[Backend]:
    """`routes[].services[]` of kind Service (the default)."""
    backends = []
    for route_index, route in enumerate(dig_list(obj.data, "spec", "routes")):
        if not isinstance(route, dict):
            continue
        match = _TRAEFIK_PATH.search(route.get("match") or "") if isinstance(
            route.get("match"), str) else None
        http_path = match.group(1) if match else "/"
        for service_index, service in enumerate(dig_list(route, "services")):
            if not (isinstance(service, dict) and isinstance(service.get("name"), str)):
                continue
            if service.get("kind", "Service") != "Service":
                continue  # a TraefikService: weighted or mirrored groups of Services
            namespace = service.get("namespace")
            backends.append(Backend(
                service["name"], namespace if isinstance(namespace, str) else obj.namespace,
                service.get("port"), ("spec", "routes", route_index, "services", service_index, "name"),
                http_path, ("spec", "routes", route_index, "services", service_index)))
    return backends


def _ingressroute_stickiness(route: Route, backend: Backend) -> list[str]:
    if isinstance(dig(route.obj.data, *backend.group, "sticky", "cookie"), dict):
        return [f"{route.obj.ref} sticky cookie"]
    return []


def service_stickiness(service: KObject, graph) -> list[str]:
    if service.annotations.get(STICKY_COOKIE) == "true":
        return [f"{service.ref} Traefik sticky cookie"]
    return []


INGRESSROUTE_STICKY = "sticky:\n  cookie:\n    name: session\n    httpOnly: true"


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if any(r.obj.kind == "IngressRoute" for r, _ in routes):
        return Fix("add a sticky cookie to the IngressRoute's service entry", INGRESSROUTE_STICKY,
                   edits=set_on_backends(routes, "IngressRoute", "sticky",
                                         {"cookie": {"name": "session", "httpOnly": True}}))
    if any(r.controller == ID for r, _ in routes):
        return Fix("enable Traefik's sticky cookie on the Service (Traefik balances to pod IPs, "
                   "so sessionAffinity would be bypassed)", f'{STICKY_COOKIE}: "true"',
                   edits=annotate(services, {STICKY_COOKIE: "true"}))
    return None


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    if route.obj.kind == "IngressRoute":
        return dig(route.obj.data, *backend.group, "nativeLB") is not True
    return service.annotations.get(NATIVE_LB) != "true"


def bypass_fix(route: Route) -> Fix:
    if route.obj.kind == "IngressRoute":
        return Fix(f"add a sticky cookie to the service entry of {route.obj.ref}",
                   INGRESSROUTE_STICKY)
    return Fix("enable Traefik's sticky cookie on this Service (Traefik balances to pod IPs "
               "itself)", f'{STICKY_COOKIE}: "true"')


INGRESSROUTE_READS = "`routes[].services` of kind Service, `sticky.cookie`, `nativeLB`"

PROFILE = Profile(
    id=ID,
    title="Traefik",
    class_controllers=("traefik.io/",),
    class_names=("traefik",),
    annotation_prefixes=("traefik.ingress.kubernetes.io/",),
    proxy_images=("traefik",),
    # doc.traefik.io operations/ping: `--ping` serves /ping on the `traefik` entry point (:8080),
    # answering 503 once Traefik is shutting down.
    readiness_probe="readinessProbe:\n"
                    "  httpGet:\n"
                    "    path: /ping  # needs --ping; served on the traefik entry point\n"
                    "    port: 8080\n"
                    "  periodSeconds: 5\n"
                    "  failureThreshold: 2",
    route_kinds=tuple(RouteKind(group, "IngressRoute", _ingressroute, INGRESSROUTE_READS,
                                _ingressroute_stickiness)
                      for group in ("traefik.io", "traefik.containo.us")),
    websockets="built in; entry-point timeouts are static configuration, not in manifests",
    stickiness=f"`{STICKY_COOKIE}` on the Service; IngressRoute `services[].sticky.cookie`",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods=f"yes, unless `{NATIVE_LB}: \"true\"` on the Service (IngressRoute: "
                   "`nativeLB: true`)",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    service_only_annotations=(STICKY_COOKIE,),
)
