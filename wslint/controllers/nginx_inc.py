"""NGINX Ingress Controller (nginx/kubernetes-ingress, "NGINX Inc"): WebSockets only for the
Services listed in `nginx.org/websocket-services`, nginx time units, sticky cookies on NGINX Plus
only."""

from __future__ import annotations

from typing import Iterator

from wslint.controllers.durations import nginx_time
from wslint.controllers.profile import (IDLE_CUT, Profile, TimeoutSpec, Timeout, annotation_path,
                                        raise_edits, split_list, too_short_problem, unique,
                                        unlisted)
from wslint.k8s.routes import Backend, Route
from wslint.model import Fix, Problem

ID = "nginx-inc"
WEBSOCKET_SERVICES = "nginx.org/websocket-services"
# Only the read timeout cuts an idle WebSocket (nginx arms the send timer only while a write
# is blocked).
READ_TIMEOUT = "nginx.org/proxy-read-timeout"
DEFAULT_TIMEOUT = 60


def websocket_signals(route: Route, backend: Backend) -> list[str]:
    if backend.service in split_list(route.obj.annotations.get(WEBSOCKET_SERVICES)):
        return [f"{route.obj.kind} {route.obj.name}: {WEBSOCKET_SERVICES}"]
    return []


def upgrade_not_enabled(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    listed = split_list(obj.annotations.get(WEBSOCKET_SERVICES))
    missing = unique([b.service for b in ctx.graph.backends_needing_websockets(route)
                      if b.service not in listed])
    if missing:
        yield unlisted(
            route, WEBSOCKET_SERVICES, listed, missing,
            f"{obj.ref}: the NGINX Ingress Controller passes WebSocket upgrades only to Services "
            f"listed in {WEBSOCKET_SERVICES}; {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not listed, so handshakes get no 101",
            f"list {', '.join(missing)} in {WEBSOCKET_SERVICES}")


def timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    found = []
    for key in (READ_TIMEOUT,):
        if key in obj.annotations:
            value = nginx_time(obj.annotations[key])
            if value is not None:
                found.append(Timeout(key, value, obj, annotation_path(key)))
        else:
            found.append(Timeout(key, DEFAULT_TIMEOUT))
    short = [t for t in found if t.seconds < minimum]
    if short:
        yield too_short_problem(
            obj, short, "NGINX Ingress Controller proxy read timeout", Fix(
                f"set the read timeout to {minimum}s (nginx time units are allowed) unless the "
                f"controller's ConfigMap already sets proxy-read-timeout",
                f'{READ_TIMEOUT}: "{minimum}s"',
                edits=raise_edits(short, f"{minimum}s")),
            route.controller, minimum, IDLE_CUT)


def route_stickiness(route: Route, backend: Backend) -> list[str]:
    annotations = route.obj.annotations
    if any(item.split()[0].removeprefix("serviceName=") == backend.service
           for item in annotations.get("nginx.com/sticky-cookie-services", "").split(";")
           if item.strip()) \
            or annotations.get("nginx.org/lb-method", "").startswith(("ip_hash", "hash")):
        return [f"{route.obj.ref} NGINX sticky load balancing"]
    return []


PROFILE = Profile(
    id=ID,
    title="NGINX Ingress Controller (nginx/kubernetes-ingress)",
    class_controllers=("nginx.org/ingress-controller",),
    class_names=("nginx-inc", "nginx-plus"),
    annotation_prefixes=("nginx.org/", "nginx.com/"),
    proxy_images=("nginx/nginx-ingress", "nginx-plus-ingress"),
    websockets=f"only for the Services listed in `{WEBSOCKET_SERVICES}`",
    websocket_signals=websocket_signals,
    timeouts=(TimeoutSpec(READ_TIMEOUT, "Ingress", "nginx time (`60s`, `1h`)", "60s"),),
    stickiness="`nginx.com/sticky-cookie-services` (NGINX Plus only), "
               "`nginx.org/lb-method: ip_hash`",
    route_stickiness=route_stickiness,
    route_checks={"WS101": {"Ingress": upgrade_not_enabled},
                  "WS102": {"Ingress": timeout_too_short}},
)
