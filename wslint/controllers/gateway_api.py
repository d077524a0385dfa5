"""Gateway API: HTTPRoutes, served by the implementation their parent Gateways' GatewayClass
names (`controllerName`). What the specification itself defines (backends, `sessionPersistence`)
is read here; what each implementation does with it is in its own profile."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from wslint.controllers.profile import RouteKind
from wslint.k8s.objects import namespaces_match, selector_matches
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


SESSION_PERSISTENCE = "sessionPersistence"


def _session_persistence(route: Route, backend: Backend) -> list[str]:
    if isinstance(dig(route.obj.data, *backend.group, SESSION_PERSISTENCE), dict):
        return [f"{route.obj.ref} sessionPersistence"]
    return []


ROUTE_KINDS = (RouteKind(GROUP, "HTTPRoute", _httproute,
                         "`rules[].backendRefs` (Services), `rules[].matches[].path`, "
                         "`sessionPersistence`, `timeouts`", _session_persistence,
                         SESSION_PERSISTENCE),)


def parent_gateways(route: KObject, graph: "Graph") -> list[tuple[KObject, str | None]]:
    """The Gateways in the input an HTTPRoute attaches to through its `parentRefs`, each with
    the listener the reference names (`sectionName`), if any."""
    found = []
    for ref in dig_list(route.data, "spec", "parentRefs"):
        name = dig(ref, "name")
        if not isinstance(name, str) or dig(ref, "kind") not in (None, "Gateway"):
            continue
        namespace = dig(ref, "namespace") or route.namespace
        section = dig(ref, "sectionName")
        for gateway in graph.named("Gateway", name):
            if gateway.api_group == GROUP and namespaces_match(namespace, gateway.namespace):
                found.append((gateway, section if isinstance(section, str) else None))
    return found


def gateway_classes(route: KObject, graph: "Graph") -> set[tuple[str | None, str]]:
    """The GatewayClasses of the Gateways an HTTPRoute attaches to: each class's
    `controllerName` and its name, or None and the name when the input holds no GatewayClass
    of that name (a cloud's classes live in the cluster only)."""
    found: set[tuple[str | None, str]] = set()
    for gateway, _ in parent_gateways(route, graph):
        class_name = gateway.get("spec", "gatewayClassName")
        if not isinstance(class_name, str):
            continue
        controllers = {gateway_class.get("spec", "controllerName")
                       for gateway_class in graph.named("GatewayClass", class_name)}
        controllers = {c for c in controllers if isinstance(c, str)}
        found.update((controller, class_name) for controller in controllers or {None})
    return found


# --- policies attached by targetRef(s) (GEP-713) ----------------------------------------------

def policy_targets(policy: KObject) -> list[tuple[str, str, str | None]]:
    """The objects a policy names in `spec.targetRef` or `spec.targetRefs`: kind, name and
    `sectionName` (a listener of a Gateway, a rule of a route), in the policy's namespace."""
    refs = dig_list(policy.data, "spec", "targetRefs") + [dig(policy.data, "spec", "targetRef")]
    found = []
    for ref in refs:
        kind, name, section = dig(ref, "kind"), dig(ref, "name"), dig(ref, "sectionName")
        if isinstance(kind, str) and isinstance(name, str):
            found.append((kind, name, section if isinstance(section, str) else None))
    return found


def selects(policy: KObject, target: KObject) -> bool:
    """Whether one of a policy's `spec.targetSelectors` picks the target by kind and labels
    (Envoy Gateway's policies; in the policy's namespace)."""
    for selector in dig_list(policy.data, "spec", "targetSelectors"):
        if dig(selector, "kind") == target.kind and \
                (dig(selector, "matchLabels") or dig(selector, "matchExpressions")) and \
                selector_matches(selector, target.labels):
            return True
    return False


def attached(kind: str, target: KObject, graph: "Graph") -> list[tuple[KObject, str | None]]:
    """The policies of `kind` in the target's namespace that name it (by targetRef(s) or a
    target selector), each with the section it names (None for the whole object)."""
    by_target = graph.memo(("policies", kind), lambda: _policies_by_target(kind, graph))
    found = []
    for policy, section in by_target.get((target.kind, target.name), ()):
        if namespaces_match(policy.namespace, target.namespace) and graph.related(policy, target):
            found.append((policy, section))
    for policy in by_target.get(("selectors", ""), ()):
        if namespaces_match(policy.namespace, target.namespace) and selects(policy, target):
            found.append((policy, None))
    return found


def _policies_by_target(kind: str, graph: "Graph") -> dict[tuple[str, str], list]:
    found: dict[tuple[str, str], list] = defaultdict(list)
    for policy in graph.by_kind.get(kind, ()):
        for target_kind, name, section in policy_targets(policy):
            found[(target_kind, name)].append((policy, section))
        if dig_list(policy.data, "spec", "targetSelectors"):
            found[("selectors", "")].append(policy)
    return found


def rule_name(route: KObject, rule_index: int) -> str | None:
    name = dig(route.data, "spec", "rules", rule_index, "name")
    return name if isinstance(name, str) else None


def websocket_rules(route: Route, graph: "Graph") -> list[int]:
    """The indexes of an HTTPRoute's rules that send traffic to a backend carrying WebSockets
    (per the WebSocket scope), for checks that look at a route from an object attached to it."""
    if not graph.in_scope(route.obj):
        return []
    return sorted({b.group[2] for b in graph.backends_needing_websockets(route)
                   if b.group[:2] == ("spec", "rules") and len(b.group) == 3})


def policy_snippet(api_version: str, kind: str, name: str, namespace: str | None,
                   targets: list[tuple[str, str, str]], spec: str, single: bool = False) -> str:
    """A policy object attached to targets (group, kind, name), for a fix to show: by
    `targetRefs`, or by `targetRef` for kinds that take `single` target."""
    lines = [f"apiVersion: {api_version}", f"kind: {kind}", "metadata:", f"  name: {name}"]
    if namespace:
        lines.append(f"  namespace: {namespace}")
    lines += ["spec:", "  targetRef:" if single else "  targetRefs:"]
    for group, target_kind, target in targets:
        first = "    " if single else "  - "
        lines += [f"{first}group: {group or chr(34) * 2}", f"    kind: {target_kind}",
                  f"    name: {target}"]
    return "\n".join(lines + ["  " + line for line in spec.splitlines()])
