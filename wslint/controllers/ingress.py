"""The Kubernetes Ingress: a route kind of its own, served by whichever controller its class
names (see wslint.controllers.detect)."""

from __future__ import annotations

from wslint.controllers.profile import RouteKind
from wslint.k8s.routes import Backend
from wslint.model import KObject, dig, dig_list


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


READS = "`rules[].http.paths[].backend`, `defaultBackend`"
ROUTE_KINDS = tuple(RouteKind(group, "Ingress", _ingress, READS)
                    for group in ("networking.k8s.io", "extensions"))
