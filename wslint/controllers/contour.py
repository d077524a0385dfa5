"""Contour: HTTPProxy routes (WebSockets per route with `enableWebsockets`), Ingresses with
`projectcontour.io/websocket-routes`, Envoy's idle timeout per route, cookie or hash balancing."""

from __future__ import annotations

from typing import Iterator

from wslint.controllers.durations import contour_duration, seconds_text
from wslint.controllers.profile import (Profile, RouteKind, TimeoutSpec, set_on_backends,
                                        split_list, unique, unlisted)
from wslint.k8s.routes import Backend, Route
from wslint.k8s.signals import is_websocket_path
from wslint.model import Edit, Fix, KObject, Problem, dig, dig_list

ID = "contour"
WEBSOCKET_ROUTES = "projectcontour.io/websocket-routes"


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


def _httpproxy_stickiness(route: Route, backend: Backend) -> list[str]:
    found = []
    for policy in (dig(route.obj.data, *backend.group, "loadBalancerPolicy"),
                   dig(route.obj.data, "spec", "loadBalancerPolicy")):
        if dig(policy, "strategy") in ("Cookie", "RequestHash"):
            found.append(f"{route.obj.ref} loadBalancerPolicy {policy['strategy']}")
    return found


def websocket_signals(route: Route, backend: Backend) -> list[str]:
    obj, signals = route.obj, []
    if obj.kind == "HTTPProxy" and dig(obj.data, *backend.group, "enableWebsockets") is True:
        signals.append(f"{obj.kind} {obj.name}: enableWebsockets")
    if backend.http_path and backend.http_path in split_list(obj.annotations.get(WEBSOCKET_ROUTES)):
        signals.append(f"{obj.kind} {obj.name}: {WEBSOCKET_ROUTES}")
    return signals


def httpproxy_upgrade(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    needed = {b.group for b in ctx.graph.backends_needing_websockets(route)}
    # Contour's documented pattern: a route of its own, with enableWebsockets, for the WebSocket
    # path, beside plain routes to the same Service. Those plain routes need no upgrade.
    upgraded = {b.service for b in route.backends
                if dig(obj.data, *b.group, "enableWebsockets") is True}
    for group in sorted(needed):
        if dig(obj.data, *group, "enableWebsockets") is True:
            continue
        services = unique([b.service for b in route.backends if b.group == group])
        if all(service in upgraded for service in services):
            continue
        yield Problem(
            group + ("enableWebsockets",),
            f"{obj.ref}: route to {', '.join(services)} does not set enableWebsockets: true; "
            f"Envoy answers WebSocket upgrades on it with 403",
            Fix("set enableWebsockets: true on the route", "enableWebsockets: true",
                edits=(Edit.set(group + ("enableWebsockets",), True),)),
            controller=route.controller)


def ingress_upgrade(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    listed = split_list(obj.annotations.get(WEBSOCKET_ROUTES))
    needed = ctx.graph.backends_needing_websockets(route)
    if listed:
        # With the annotation present, only paths that look like WebSocket endpoints must be in it.
        needed = [b for b in needed if is_websocket_path(b.http_path)]
    missing = unique([b.http_path or "/" for b in needed if (b.http_path or "/") not in listed])
    if missing:
        yield unlisted(
            route, WEBSOCKET_ROUTES, listed, missing,
            f"{obj.ref}: Contour enables WebSockets only on the paths listed in {WEBSOCKET_ROUTES}; "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not listed, so Envoy "
            f"answers their upgrades with 403",
            f"list the WebSocket paths in {WEBSOCKET_ROUTES}")


def idle_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    for index, item in enumerate(dig_list(obj.data, "spec", "routes")):
        value = dig(item, "timeoutPolicy", "idle")
        seconds = contour_duration(str(value)) if isinstance(value, (str, int)) else None
        if seconds is None or seconds == 0 or seconds >= minimum:
            continue
        path = ("spec", "routes", index, "timeoutPolicy", "idle")
        yield Problem(
            path,
            f"{obj.ref}: route timeoutPolicy.idle is {value} ({seconds_text(seconds)}), below "
            f"{seconds_text(minimum)}; Envoy closes a WebSocket idle that long",
            Fix(f"raise timeoutPolicy.idle to {minimum}s, or set it to infinity",
                f"timeoutPolicy:\n  idle: {minimum}s", edits=(Edit.set(path, f"{minimum}s"),)),
            controller=route.controller)


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes) or \
            not any(r.obj.kind == "HTTPProxy" for r, _ in routes):
        return None
    return Fix("add a cookie load-balancing policy to the HTTPProxy route",
               "loadBalancerPolicy:\n  strategy: Cookie",
               edits=set_on_backends(routes, "HTTPProxy", "loadBalancerPolicy",
                                     {"strategy": "Cookie"}))


PROFILE = Profile(
    id=ID,
    title="Contour",
    class_controllers=("projectcontour.io/",),
    class_names=("contour",),
    annotation_prefixes=("projectcontour.io/",),
    proxy_images=("projectcontour/contour",),
    route_kinds=(RouteKind("projectcontour.io", "HTTPProxy", _httpproxy,
                           "`routes[].services`, `enableWebsockets`, `timeoutPolicy`, "
                           "`loadBalancerPolicy`", _httpproxy_stickiness),),
    websockets="per route: HTTPProxy `enableWebsockets: true`; on an Ingress, the paths listed in "
               f"`{WEBSOCKET_ROUTES}`",
    websocket_signals=websocket_signals,
    timeouts=(TimeoutSpec("routes[].timeoutPolicy.idle", "HTTPProxy", "duration, `infinity`",
                          "unset"),),
    stickiness="HTTPProxy `loadBalancerPolicy.strategy: Cookie` or `RequestHash`",
    sticky_fix=sticky_fix,
    route_checks={"WS101": {"HTTPProxy": httpproxy_upgrade, "Ingress": ingress_upgrade},
                  "WS102": {"HTTPProxy": idle_timeout_too_short}},
)
