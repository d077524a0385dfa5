"""Gateway API: HTTPRoutes, served by the implementation their parent Gateways' GatewayClass
names (`controllerName`). What the specification itself defines (backends, `sessionPersistence`)
is read here; what each implementation does with it is in its own profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wslint.controllers.profile import RouteKind
from wslint.k8s.objects import namespaces_match
from wslint.k8s.routes import Backend, Route
from wslint.model import KObject, dig, dig_list

if TYPE_CHECKING:
    from wslint.graph import Graph

GROUP = "gateway.networking.k8s.io"


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


def _session_persistence(route: Route, backend: Backend) -> list[str]:
    if isinstance(dig(route.obj.data, *backend.group, "sessionPersistence"), dict):
        return [f"{route.obj.ref} sessionPersistence"]
    return []


ROUTE_KINDS = (RouteKind(GROUP, "HTTPRoute", _httproute,
                         "`rules[].backendRefs` (Services), `rules[].matches[].path`, "
                         "`sessionPersistence`", _session_persistence),)


def gateway_class_controllers(route: KObject, graph: "Graph") -> set[tuple[str, str]]:
    """The GatewayClass `controllerName` values (and the class names) of the Gateways an
    HTTPRoute attaches to through its `parentRefs`."""
    found = set()
    for ref in dig_list(route.data, "spec", "parentRefs"):
        name = dig(ref, "name")
        if not isinstance(name, str) or dig(ref, "kind") not in (None, "Gateway"):
            continue
        namespace = dig(ref, "namespace") or route.namespace
        for gateway in graph.by_kind.get("Gateway", ()):
            if gateway.api_group != GROUP or gateway.name != name or \
                    not namespaces_match(namespace, gateway.namespace):
                continue
            class_name = gateway.get("spec", "gatewayClassName")
            for gateway_class in graph.by_kind.get("GatewayClass", ()):
                controller = gateway_class.get("spec", "controllerName")
                if gateway_class.name == class_name and isinstance(controller, str):
                    found.add((controller, str(class_name)))
    return found
