"""Azure Application Gateway Ingress Controller (AGIC): WebSockets built in, but the request
timeout (30 s by default) ends the whole WebSocket session; traffic sent to pod IPs (so a
Service's sessionAffinity is bypassed), stickiness by an Application Gateway cookie."""

from __future__ import annotations

from typing import Iterator

from wslint.controllers.durations import integer
from wslint.controllers.profile import (Profile, TimeoutSpec, Timeout, annotate, annotation_path,
                                        too_short_problem)
from wslint.k8s.routes import Backend, Route
from wslint.model import Edit, Fix, KObject, Problem

ID = "azure-agic"
PREFIX = "appgw.ingress.kubernetes.io/"
COOKIE_AFFINITY = PREFIX + "cookie-based-affinity"
REQUEST_TIMEOUT = PREFIX + "request-timeout"
DEFAULT_TIMEOUT = 30


def request_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    """The Application Gateway's request timeout also applies to a WebSocket session: it ends
    the connection after that long, idle or not."""
    obj, minimum = route.obj, ctx.options["min-seconds"]
    written = obj.annotations.get(REQUEST_TIMEOUT)
    if written is None:
        timeout = Timeout(REQUEST_TIMEOUT, DEFAULT_TIMEOUT)
    else:
        seconds = integer(written)
        if seconds is None:
            return  # not a number: cannot tell what the controller does with it
        timeout = Timeout(REQUEST_TIMEOUT, seconds, obj, annotation_path(REQUEST_TIMEOUT))
    if timeout.seconds >= minimum:
        return
    yield too_short_problem(
        obj, [timeout], "the Application Gateway request timeout",
        Fix(f"set {REQUEST_TIMEOUT} to {minimum} (whole seconds)",
            f'{REQUEST_TIMEOUT}: "{minimum}"',
            edits=(Edit.set(annotation_path(REQUEST_TIMEOUT), str(minimum)),)),
        route.controller, minimum,
        "it also ends every WebSocket session through it after that long, idle or not, and "
        "clients must reconnect")


def route_stickiness(route: Route, backend: Backend) -> list[str]:
    if route.obj.annotations.get(COOKIE_AFFINITY, "").lower() == "true":
        return [f"{route.obj.ref} Application Gateway cookie affinity"]
    return []


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    ingresses = [r.obj for r, _ in routes if r.controller == ID and r.obj.kind == "Ingress"]
    if not ingresses:
        return None
    return Fix("pin clients with the Application Gateway's affinity cookie (AGIC sends traffic "
               "to pod IPs, so a Service's sessionAffinity would be bypassed)",
               f'{COOKIE_AFFINITY}: "true"', edits=annotate(ingresses, {COOKIE_AFFINITY: "true"}))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    return True


def bypass_fix(route: Route) -> Fix:
    return Fix(f"pin clients with the Application Gateway's affinity cookie on {route.obj.ref} "
               f"(AGIC sends traffic to pod IPs)", f'{COOKIE_AFFINITY}: "true"')


PROFILE = Profile(
    id=ID,
    title="Azure Application Gateway Ingress Controller",
    class_controllers=("azure/application-gateway",),
    class_names=("azure-application-gateway", "azure/application-gateway"),
    annotation_prefixes=(PREFIX,),
    caps_lifetime=True,
    timeouts=(TimeoutSpec(REQUEST_TIMEOUT, "Ingress", "whole seconds; it caps a WebSocket "
                          "session's whole life", "30"),),
    stickiness=f"`{COOKIE_AFFINITY}: \"true\"`",
    route_stickiness=route_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the Application Gateway's backend pool holds the pod IPs",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    route_checks={"WS102": {"Ingress": request_timeout_too_short}},
)
