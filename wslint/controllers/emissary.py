"""Emissary-ingress (formerly Ambassador): Mapping routes, the upgrade allowed per Mapping with
`allow_upgrade: [websocket]`, idle timeouts in milliseconds, hash balancing."""

from __future__ import annotations

import re
from typing import Iterator

from wslint.controllers.durations import integer, seconds_text
from wslint.controllers.profile import Profile, RouteKind, TimeoutSpec
from wslint.k8s.routes import Backend, Route
from wslint.model import Edit, Fix, KObject, Problem, dig

ID = "emissary"

# Emissary's `service`: [scheme://]name[.namespace[.svc.cluster.local]][:port]
_MAPPING_SERVICE = re.compile(r"^(?:[a-z]+://)?([a-z0-9-]+)(?:\.([a-z0-9-]+))?[^:]*(?::(\d+))?/?$")


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


def _mapping_stickiness(route: Route, backend: Backend) -> list[str]:
    balancer = route.obj.get("spec", "load_balancer")
    if dig(balancer, "policy") in ("ring_hash", "maglev") and any(
            k in balancer for k in ("cookie", "header", "source_ip")):
        return [f"{route.obj.ref} {balancer['policy']} load balancing"]
    return []


def _allows_upgrade(obj: KObject) -> bool:
    return "websocket" in [str(u).lower() for u in (obj.get("spec", "allow_upgrade") or [])
                           if isinstance(u, str)]


def websocket_signals(route: Route, backend: Backend) -> list[str]:
    obj = route.obj
    if obj.kind == "Mapping" and _allows_upgrade(obj):
        return [f"{obj.kind} {obj.name}: allow_upgrade websocket"]
    return []


def upgrade_not_enabled(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    if not ctx.graph.backends_needing_websockets(route):
        return
    upgrades = obj.get("spec", "allow_upgrade")
    if isinstance(upgrades, list) and "websocket" in [str(u).lower() for u in upgrades]:
        return
    path = ("spec", "allow_upgrade")
    yield Problem(
        path,
        f"{obj.ref}: the Mapping does not allow the websocket upgrade; Emissary refuses "
        f"WebSocket handshakes on it",
        Fix("add allow_upgrade: [websocket] to the Mapping's spec",
            "allow_upgrade:\n- websocket",
            edits=(Edit.append(path, "websocket") if isinstance(upgrades, list)
                   else Edit.set(path, ["websocket"]),)),
        controller=route.controller)


def idle_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    value = integer(obj.get("spec", "idle_timeout_ms"))
    if value is None or value == 0 or value >= minimum * 1000:
        return
    yield Problem(
        ("spec", "idle_timeout_ms"),
        f"{obj.ref}: idle_timeout_ms is {value} ({seconds_text(value / 1000)}), below "
        f"{seconds_text(minimum)}; Envoy closes a WebSocket idle that long",
        Fix(f"raise idle_timeout_ms to {minimum * 1000}", f"idle_timeout_ms: {minimum * 1000}",
            edits=(Edit.set(("spec", "idle_timeout_ms"), minimum * 1000),)),
        controller=route.controller)


PROFILE = Profile(
    id=ID,
    title="Emissary-ingress",
    class_controllers=("getambassador.io/",),
    class_names=("ambassador", "emissary"),
    annotation_prefixes=("getambassador.io/",),
    proxy_images=("emissary", "ambassador"),
    route_kinds=(RouteKind("getambassador.io", "Mapping", _mapping,
                           "`service`, `prefix`, `allow_upgrade`, `idle_timeout_ms`, "
                           "`load_balancer`", _mapping_stickiness),),
    websockets="per Mapping: `allow_upgrade: [websocket]`",
    websocket_signals=websocket_signals,
    timeouts=(TimeoutSpec("idle_timeout_ms", "Mapping", "milliseconds", "unset"),),
    stickiness="Mapping `load_balancer.policy: ring_hash` or `maglev` with a cookie, header or "
               "source IP",
    route_checks={"WS101": {"Mapping": upgrade_not_enabled},
                  "WS102": {"Mapping": idle_timeout_too_short}},
)
