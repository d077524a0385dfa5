"""Routes: objects that send client traffic to Services (Ingress, Contour HTTPProxy, Emissary
Mapping, ...). Each route kind has one extractor here that lists its backends; the graph uses them
to connect routes to Services."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from wslint.model import KObject, dig, dig_list


@dataclass
class Backend:
    """One Service a route sends traffic to."""

    service: str
    namespace: str | None
    port: int | str | None
    path: tuple  # where the backend is written in the route object
    http_path: str | None = None  # the URL path routed to it
    group: tuple = ()  # path of the route rule holding it (an HTTPProxy route, an Ingress path)


@dataclass
class Route:
    obj: KObject
    backends: list[Backend] = field(default_factory=list)
    controller: str | None = None
    controller_reason: str = ""
    # True when the route's class (IngressClass, class name, GatewayClass) or the configured
    # default names the controller, not merely the annotations it carries.
    controller_explicit: bool = False


Extractor = Callable[[KObject], list[Backend]]
_EXTRACTORS: dict[tuple[str, str], Extractor] = {}


def route_kind(group: str, kind: str):
    """Register the backend extractor of a route kind (`group` "" is the core group)."""
    def register(function: Extractor) -> Extractor:
        _EXTRACTORS[(group, kind)] = function
        return function
    return register


def extractor_for(obj: KObject) -> Extractor | None:
    return _EXTRACTORS.get((obj.api_group, obj.kind))


def route_kinds() -> set[str]:
    return {kind for _group, kind in _EXTRACTORS}


def _ingress_backend(obj: KObject, backend: object, path: tuple, http_path: str | None,
                     group: tuple) -> Backend | None:
    if not isinstance(backend, dict):
        return None
    service = backend.get("service")
    if isinstance(service, dict) and isinstance(service.get("name"), str):
        port = dig(service, "port", "number")
        if port is None:
            port = dig(service, "port", "name")
        return Backend(service["name"], obj.namespace, port, path + ("service", "name"),
                       http_path, group)
    if isinstance(backend.get("serviceName"), str):  # extensions/v1beta1, networking/v1beta1
        return Backend(backend["serviceName"], obj.namespace, backend.get("servicePort"),
                       path + ("serviceName",), http_path, group)
    return None


def _ingress(obj: KObject) -> list[Backend]:
    backends = []
    for key in ("defaultBackend", "backend"):
        found = _ingress_backend(obj, obj.get("spec", key), ("spec", key), None, ("spec", key))
        if found:
            backends.append(found)
    for rule_index, rule in enumerate(dig_list(obj.data, "spec", "rules")):
        for path_index, item in enumerate(dig_list(rule, "http", "paths")):
            if not isinstance(item, dict):
                continue
            where = ("spec", "rules", rule_index, "http", "paths", path_index)
            http_path = item.get("path") if isinstance(item.get("path"), str) else "/"
            found = _ingress_backend(obj, item.get("backend"), where + ("backend",), http_path,
                                     where)
            if found:
                backends.append(found)
    return backends


for _group in ("networking.k8s.io", "extensions"):
    route_kind(_group, "Ingress")(_ingress)


@route_kind("projectcontour.io", "HTTPProxy")
def _httpproxy(obj: KObject) -> list[Backend]:
    backends = []
    for route_index, route in enumerate(dig_list(obj.data, "spec", "routes")):
        if not isinstance(route, dict):
            continue
        prefixes = [c.get("prefix") for c in dig_list(route, "conditions")
                    if isinstance(c, dict) and isinstance(c.get("prefix"), str)]
        http_path = prefixes[0] if prefixes else "/"
        for service_index, service in enumerate(dig_list(route, "services")):
            if isinstance(service, dict) and isinstance(service.get("name"), str):
                backends.append(Backend(
                    service["name"], obj.namespace, service.get("port"),
                    ("spec", "routes", route_index, "services", service_index, "name"),
                    http_path, ("spec", "routes", route_index)))
    return backends


# Emissary's `service`: [scheme://]name[.namespace[.svc.cluster.local]][:port]
_MAPPING_SERVICE = re.compile(r"^(?:[a-z]+://)?([a-z0-9-]+)(?:\.([a-z0-9-]+))?[^:]*(?::(\d+))?/?$")


@route_kind("getambassador.io", "Mapping")
def _mapping(obj: KObject) -> list[Backend]:
    service = obj.get("spec", "service")
    if not isinstance(service, str) or len(service) > 1000:  # no name is that long; the pattern
        return []  # backtracks quadratically on long text
    match = _MAPPING_SERVICE.match(service.strip())
    if not match:
        return []
    name, namespace, port = match.groups()
    prefix = obj.get("spec", "prefix")
    return [Backend(name, namespace or obj.namespace, int(port) if port else None,
                    ("spec", "service"), prefix if isinstance(prefix, str) else None, ("spec",))]


@route_kind("gateway.networking.k8s.io", "HTTPRoute")
def _httproute(obj: KObject) -> list[Backend]:
    """Gateway API: `rules[].backendRefs[]` naming Services (the default kind)."""
    backends = []
    for rule_index, rule in enumerate(dig_list(obj.data, "spec", "rules")):
        if not isinstance(rule, dict):
            continue
        paths = [dig(match, "path", "value") for match in dig_list(rule, "matches")]
        paths = [p for p in paths if isinstance(p, str)]
        http_path = paths[0] if paths else "/"
        for ref_index, ref in enumerate(dig_list(rule, "backendRefs")):
            if not (isinstance(ref, dict) and isinstance(ref.get("name"), str)):
                continue
            if ref.get("kind", "Service") != "Service" or ref.get("group", "") not in ("", "core"):
                continue
            namespace = ref.get("namespace")
            backends.append(Backend(
                ref["name"], namespace if isinstance(namespace, str) else obj.namespace,
                ref.get("port"), ("spec", "rules", rule_index, "backendRefs", ref_index, "name"),
                http_path, ("spec", "rules", rule_index)))
    return backends


def service_host(host: str, namespace: str | None) -> tuple[str, str | None] | None:
    """A Kubernetes Service named by a host: `name`, `name.ns`, `name.ns.svc[.cluster.local]`.
    None for hosts outside the cluster (`api.example.com`) and wildcards."""
    if not host or "*" in host:
        return None
    parts = host.split(".")
    if len(parts) == 1:
        return parts[0], namespace
    if len(parts) == 2 or parts[2] == "svc":
        return parts[0], parts[1]
    return None


@route_kind("networking.istio.io", "VirtualService")
def _virtualservice(obj: KObject) -> list[Backend]:
    """Istio: `http[].route[].destination.host` (also `tcp` and `tls` routes)."""
    backends = []
    for section in ("http", "tcp", "tls"):
        for rule_index, rule in enumerate(dig_list(obj.data, "spec", section)):
            if not isinstance(rule, dict):
                continue
            prefixes = [dig(match, "uri", kind) for match in dig_list(rule, "match")
                        for kind in ("prefix", "exact")]
            prefixes = [p for p in prefixes if isinstance(p, str)]
            http_path = (prefixes[0] if prefixes else "/") if section == "http" else None
            for dest_index, destination in enumerate(dig_list(rule, "route")):
                host = dig(destination, "destination", "host")
                found = service_host(host, obj.namespace) if isinstance(host, str) else None
                if found is None:
                    continue
                where = ("spec", section, rule_index, "route", dest_index, "destination")
                backends.append(Backend(found[0], found[1], dig(destination, "destination", "port",
                                                                "number"),
                                        where + ("host",), http_path, ("spec", section, rule_index)))
    return backends


# Traefik rules: PathPrefix(`/ws`) or Path(`/ws`)
_TRAEFIK_PATH = re.compile(r"Path(?:Prefix)?\(\s*[`\"']([^`\"']+)")


def _ingressroute(obj: KObject) -> list[Backend]:
    """Traefik: `routes[].services[]` of kind Service (the default)."""
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


for _group in ("traefik.io", "traefik.containo.us"):
    route_kind(_group, "IngressRoute")(_ingressroute)
