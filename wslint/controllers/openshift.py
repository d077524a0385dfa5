"""OpenShift's router (HAProxy): Routes (`route.openshift.io/v1`), and the Ingresses OpenShift
converts to Routes with every annotation copied. WebSockets pass; after the upgrade HAProxy's
tunnel timeout applies (1 h unless `haproxy.router.openshift.io/timeout-tunnel` says otherwise);
its durations are HAProxy's, where a number without unit is milliseconds. HTTP routes are sticky
through an inserted cookie unless told not to be."""

from __future__ import annotations

import re
from typing import Iterator

from wslint.controllers.durations import go_duration, haproxy_time, seconds_text
from wslint.controllers.profile import (IDLE_CUT, Profile, RouteKind, TimeoutSpec, Timeout,
                                        annotate, annotation_path, rewrite_fix, too_short_problem)
from wslint.k8s.routes import Backend, Route
from wslint.model import Applicability, Edit, Fix, KObject, Problem, dig, dig_list

ID = "openshift"
ROUTER = "haproxy.router.openshift.io/"
TUNNEL = ROUTER + "timeout-tunnel"
SERVER = ROUTER + "timeout"
DISABLE_COOKIES = ROUTER + "disable_cookies"
BALANCE = ROUTER + "balance"
# How an Ingress asks for a passthrough Route.
TERMINATION = "route.openshift.io/termination"
DEFAULT_TUNNEL = 3600
# The router's own pattern for a duration: anything else is left out of its configuration.
_TIME = re.compile(r"[1-9][0-9]*(us|ms|s|m|h|d)?")


def _route(obj: KObject) -> list[Backend]:
    """`spec.to` and `spec.alternateBackends[]`, of kind Service (the default)."""
    path = obj.get("spec", "path")
    http_path = path if isinstance(path, str) and path else "/"
    port = dig(obj.data, "spec", "port", "targetPort")
    backends = []
    targets = [(("spec", "to"), obj.get("spec", "to"))]
    targets += [(("spec", "alternateBackends", i), item)
                for i, item in enumerate(dig_list(obj.data, "spec", "alternateBackends"))]
    for where, target in targets:
        if isinstance(target, dict) and isinstance(target.get("name"), str) and \
                target.get("kind", "Service") == "Service":
            backends.append(Backend(target["name"], obj.namespace, port, where + ("name",),
                                    http_path, ("spec",)))
    return backends


def passthrough(obj: KObject) -> bool:
    if obj.kind == "Route":
        return obj.get("spec", "tls", "termination") == "passthrough"
    return obj.annotations.get(TERMINATION) == "passthrough"


def router_time(value: str) -> float | None:
    """A duration the router writes into HAProxy's configuration, in seconds; None for a value
    it leaves out (then the default stays)."""
    return haproxy_time(value) if _TIME.fullmatch(value.strip()) and value == value.strip() \
        else None


def _unitless(value: str) -> bool:
    return value.strip().isdigit()


# --- WS102: the tunnel timeout -----------------------------------------------------------------

def tunnel_timeout(obj: KObject) -> Timeout:
    """The idle timeout of an upgraded connection: `timeout-tunnel`, on a passthrough route
    else `timeout`, else the router's default of 1 h."""
    keys = (TUNNEL, SERVER) if passthrough(obj) else (TUNNEL,)
    for key in keys:
        value = obj.annotations.get(key)
        seconds = router_time(value) if value is not None else None
        if seconds is not None:
            return Timeout(key, seconds, obj, annotation_path(key))
    return Timeout(TUNNEL, DEFAULT_TUNNEL)


def tunnel_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    timeout = tunnel_timeout(obj)
    if timeout.seconds >= minimum:
        return
    written = obj.annotations.get(timeout.key)
    if written is not None and _unitless(written):
        return  # a number of milliseconds: WS103's finding, which says what was meant
    yield too_short_problem(
        obj, [timeout], "the OpenShift router's tunnel timeout (idle time after the upgrade)",
        Fix(f"set {TUNNEL} to {minimum}s (with a unit: a number alone is milliseconds)",
            f'{TUNNEL}: "{minimum}s"', edits=(Edit.set(annotation_path(TUNNEL), f"{minimum}s"),)),
        route.controller, minimum, IDLE_CUT)


# --- WS103: durations the router reads otherwise, or not at all --------------------------------

def _meant(value: str) -> float | None:
    """What a duration the router does not take was probably meant to be, in seconds."""
    text = value.strip().replace(" ", "")
    if text.isdigit():
        return (float(text) or None) if len(text) <= 18 else None  # longer: nothing was meant
    return go_duration(text) or None


def invalid_timeout(route: Route, ctx) -> Iterator[Problem]:
    """Values the router leaves out, on any route; numbers without unit (which may be meant as
    milliseconds) on routes to WebSocket backends only."""
    obj = route.obj
    for key in (TUNNEL, SERVER):
        value = obj.annotations.get(key)
        if value is None:
            continue
        if router_time(value) is not None and not _unitless(value):
            continue
        meant = _meant(value)
        if _unitless(value) and router_time(value) is not None:
            if ctx.graph.in_scope(obj):
                yield Problem(
                    annotation_path(key),
                    f'{obj.ref}: {key} is "{value}" without a unit, which the OpenShift router '
                    f"reads as milliseconds: {seconds_text(int(value) / 1000)}, not {value} s",
                    Fix(f'write the unit: "{value}s" for {value} seconds ("{value}ms" keeps '
                        f"what the router does now)", f'{key}: "{value}s"',
                        Applicability.UNSAFE, (Edit.set(annotation_path(key), f"{value}s"),)),
                    controller=route.controller)
            continue
        suggested = f"{int(meant)}s" if meant else "1h"
        fallback = ("the default tunnel timeout (1 h)" if key == TUNNEL
                    else "the default server timeout (30 s)")
        yield Problem(
            annotation_path(key),
            f'{obj.ref}: {key} is "{value}", which is not a duration the OpenShift router takes '
            f"(one number with an optional unit us, ms, s, m, h or d, not 0); it leaves it out and "
            f"{fallback} applies",
            rewrite_fix(f"write it as one number with a unit: {suggested}", key, suggested,
                        meant), controller=route.controller)


# --- stickiness and pod IPs --------------------------------------------------------------------

def route_stickiness(route: Route, backend: Backend) -> list[str]:
    obj = route.obj
    balance = obj.annotations.get(BALANCE)
    if balance == "source":
        return [f"{obj.ref} balance source"]
    if passthrough(obj):
        # No cookie through TLS; one Service is balanced by source address by default.
        single = len({b.service for b in route.backends}) <= 1
        return [f"{obj.ref} passthrough balance source"] if balance is None and single else []
    if not is_true(obj.annotations.get(DISABLE_COOKIES, "")):
        return [f"{obj.ref} router cookie"]
    return []


def is_true(value: str) -> bool:
    """The router's reading of a flag (Go's strconv.ParseBool)."""
    return value in ("1", "t", "T", "TRUE", "true", "True")


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    ours = list({id(r.obj): r.obj for r, _ in routes if r.controller == ID}.values())
    if not ours:
        return None
    cookieless = [o for o in ours if not passthrough(o) and is_true(o.annotations.get(DISABLE_COOKIES, ""))]
    tunnelled = [o for o in ours if passthrough(o)]
    names = ", ".join(str(o.ref) for o in cookieless + tunnelled)
    if not tunnelled:
        return Fix(f"let the OpenShift router's cookie pin clients: remove {DISABLE_COOKIES} from "
                   f"{names}", edits=tuple(Edit.remove(annotation_path(DISABLE_COOKIES), o)
                                             for o in cookieless))
    return Fix(f"let the OpenShift router pin clients on {names}: by source address on "
               f"passthrough routes (no cookie passes through TLS), by its cookie elsewhere "
               f"(remove {DISABLE_COOKIES})", f'{BALANCE}: "source"',
               edits=annotate(tunnelled, {BALANCE: "source"}) +
               tuple(Edit.remove(annotation_path(DISABLE_COOKIES), o) for o in cookieless))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    return True


def bypass_fix(route: Route) -> Fix:
    if passthrough(route.obj):
        return Fix(f"balance by source address on {route.obj.ref} (the router balances to pod "
                   f"IPs itself)", f'{BALANCE}: "source"')
    return Fix(f"let the router's cookie pin clients: remove {DISABLE_COOKIES} from "
               f"{route.obj.ref} (the router balances to pod IPs itself)")


PROFILE = Profile(
    id=ID,
    title="OpenShift router (Routes, and Ingresses converted to Routes)",
    short_title="the OpenShift router",
    class_controllers=("openshift.io/ingress-to-route",),
    annotation_prefixes=(ROUTER, "router.openshift.io/"),
    platform_api_groups=("openshift.io",),
    proxy_images=("openshift/origin-haproxy-router", "openshift4/ose-haproxy-router"),
    route_kinds=(RouteKind("route.openshift.io", "Route", _route,
                           "`to`, `alternateBackends` (Services), `path`, `tls.termination`"),),
    websockets="built in",
    timeouts=(TimeoutSpec(TUNNEL, "Route or Ingress (on a passthrough route, `timeout` when it "
                          "is unset)", "HAProxy time: one number, unit us/ms/s/m/h/d, **no unit: "
                          "milliseconds**", "1h"),),
    stickiness=f"a router cookie on HTTP, edge and reencrypt routes unless `{DISABLE_COOKIES}: "
               f"\"true\"`; `{BALANCE}: source`; passthrough routes to one Service balance by "
               f"source address",
    route_stickiness=route_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the router's servers are the pod endpoints",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    route_checks={"WS102": {"Route": tunnel_too_short, "Ingress": tunnel_too_short},
                  "WS103": {"Route": invalid_timeout, "Ingress": invalid_timeout}},
)
