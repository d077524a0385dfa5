"""Timeouts between the client and a WebSocket backend: too short to keep an idle connection
(WS102), or written in a form the controller ignores (WS103). Each controller's timeouts are read
the way that controller reads them: its keys, its units, its default when nothing is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers.durations import (contour_duration, go_duration, haproxy_time, integer,
                                     nginx_time, seconds_text)
from wslint.checks.upgrade import annotation_path
from wslint.graph import Graph, nearest_objects, placement, split_list
from wslint.k8s.objects import service_ports
from wslint.model import Applicability, Edit, Fix, KObject, Problem, Related, dig, dig_list
from wslint.k8s.routes import Route

checks = CheckSet()

NGINX = "nginx.ingress.kubernetes.io/"
NGINX_TIMEOUTS = ("proxy-read-timeout", "proxy-send-timeout")
NGINX_DEFAULT = 60
NGINX_INC_TIMEOUTS = ("nginx.org/proxy-read-timeout", "nginx.org/proxy-send-timeout")
NGINX_INC_DEFAULT = 60
KONG_TIMEOUTS = ("konghq.com/read-timeout", "konghq.com/write-timeout")
KONG_ALL_TIMEOUTS = KONG_TIMEOUTS + ("konghq.com/connect-timeout",)
KONG_DEFAULT_MS = 60000
ALB_LB_ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"
ALB_TG_ATTRIBUTES = "alb.ingress.kubernetes.io/target-group-attributes"
ALB_GROUP = "alb.ingress.kubernetes.io/group.name"
ALB_IDLE = "idle_timeout.timeout_seconds"
ALB_DEFAULT = 60
# Attributes whose values AWS reads as whole seconds.
ALB_INTEGER_ATTRIBUTES = (ALB_IDLE, "deregistration_delay.timeout_seconds",
                          "stickiness.lb_cookie.duration_seconds",
                          "stickiness.app_cookie.duration_seconds", "slow_start.duration_seconds")
GKE_DEFAULT = 30
HAPROXY_TUNNEL = "haproxy-ingress.github.io/timeout-tunnel"


# --- shared readers -------------------------------------------------------------------------------

def alb_attributes(value: str) -> tuple[dict[str, str], str | None]:
    """Parse an AWS Load Balancer Controller `key=value,key=value` list the way the controller
    does (split on commas, each item split at its first `=`); the second value says what is
    malformed, if anything."""
    pairs: dict[str, str] = {}
    for item in split_list(value):
        key, equals, val = item.partition("=")
        if not equals or not key.strip():
            return pairs, f'item "{item}" is not key=value'
        pairs[key.strip()] = val.strip()
    for key in ALB_INTEGER_ATTRIBUTES:
        if key in pairs and integer(pairs[key]) is None:
            return pairs, f'{key} is "{pairs[key]}", not a whole number of seconds'
    for key, value in pairs.items():
        if key.endswith(".enabled") and value.lower() not in ("true", "false"):
            return pairs, f'{key} is "{value}", not true or false'
    return pairs, None


def nginx_configmap_for(route: KObject, graph: Graph) -> KObject | None:
    """The ingress-nginx controller ConfigMap nearest the route, when the input holds one."""
    nearest = nearest_objects(graph.ingress_nginx_configmaps(), placement(route))
    return nearest[0] if nearest else None


@dataclass
class Timeout:
    """One effective timeout: its value in seconds, and where it comes from (a path in `obj`,
    or None for the controller's default)."""

    key: str
    seconds: float
    obj: KObject | None = None
    path: tuple | None = None


def _too_short_problem(obj: KObject, found: list[Timeout], what: str, fix: Fix,
                       controller: str | None, minimum: int, consequence: str) -> Problem:
    explicit = [t for t in found if t.path is not None and t.obj is obj]
    path = explicit[0].path if explicit else ("metadata", "annotations")
    parts = [f"{t.key} is {seconds_text(t.seconds)}" + ("" if t.path else " (the default)")
             for t in found]
    return Problem(
        path, f"{obj.ref}: {what}: {', '.join(parts)}, below {seconds_text(minimum)}; "
              f"{consequence}", fix, controller=controller)


IDLE_CUT = "an idle WebSocket is closed when it runs out, and clients must reconnect"


def _raise(short: list[Timeout], value: str) -> tuple[Edit, ...]:
    """Edits setting each too-short annotation timeout (explicit or defaulted) to `value`."""
    return tuple(Edit.set(annotation_path(t.key), value) for t in short)


def _rewrite_fix(description: str, key: str, value: str, understood: float | None) -> Fix:
    """The same duration written in the form the controller reads is safe; a value nothing
    could read is replaced by a suggestion, which changes the timeout: unsafe."""
    return Fix(description, f'{key}: "{value}"',
               None if understood else Applicability.UNSAFE, (Edit.set(annotation_path(key), value),))


# --- WS102 per controller -------------------------------------------------------------------------

def _ingress_nginx(route: Route, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    obj = route.obj
    configmap = nginx_configmap_for(obj, ctx.graph)
    found = []
    for name in NGINX_TIMEOUTS:
        key = NGINX + name
        if key in obj.annotations:
            value = integer(obj.annotations[key])
            if value is None:
                continue  # not an integer: WS103's finding; the fallback is reported there
            found.append(Timeout(key, value, obj, annotation_path(key)))
            continue
        inherited = integer(dig(configmap.data, "data", name)) if configmap else None
        if inherited is not None:
            continue  # the ConfigMap's value: reported once, on the ConfigMap
        found.append(Timeout(key, NGINX_DEFAULT))
    short = [t for t in found if t.seconds < minimum]
    if short:
        snippet = "\n".join(f'{NGINX}{name}: "{minimum}"' for name in NGINX_TIMEOUTS)
        yield _too_short_problem(
            obj, short, "ingress-nginx proxy timeouts", Fix(
                f'set both ingress-nginx proxy timeouts to {minimum} (whole seconds, no unit)',
                snippet, edits=_raise(short, str(minimum))), route.controller, minimum, IDLE_CUT)


def _ingress_nginx_configmap(obj: KObject, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    graph = ctx.graph
    if obj not in graph.ingress_nginx_configmaps():
        return
    routes = [r for r in graph.routes.values() if r.controller == "ingress-nginx"
              and r.obj.kind == "Ingress" and nginx_configmap_for(r.obj, graph) is obj]
    for name in NGINX_TIMEOUTS:
        value = integer(dig(obj.data, "data", name))
        if value is None or value >= minimum:
            continue
        inheriting = [r for r in routes if NGINX + name not in r.obj.annotations
                      and graph.in_scope(r.obj)]
        if routes and not inheriting:
            continue
        who = (f"{len(inheriting)} Ingress(es) in the input inherit it, e.g. {inheriting[0].obj.ref}"
               if inheriting else "every Ingress of this controller inherits it")
        yield Problem(
            ("data", name),
            f"{obj.ref}: ingress-nginx {name} is {seconds_text(value)} for the whole controller, "
            f"below {seconds_text(minimum)}; {who}, and {IDLE_CUT}",
            Fix(f"raise {name} to {minimum} (whole seconds, no unit)", f'{name}: "{minimum}"',
                edits=(Edit.set(("data", name), str(minimum)),)),
            related=tuple(Related(r.obj, (), "inherits the timeout") for r in inheriting[:3]),
            controller="ingress-nginx")


def _nginx_inc(route: Route, minimum: int) -> Iterator[Problem]:
    obj = route.obj
    found = []
    for key in NGINX_INC_TIMEOUTS:
        if key in obj.annotations:
            value = nginx_time(obj.annotations[key])
            if value is not None:
                found.append(Timeout(key, value, obj, annotation_path(key)))
        else:
            found.append(Timeout(key, NGINX_INC_DEFAULT))
    short = [t for t in found if t.seconds < minimum]
    if short:
        yield _too_short_problem(
            obj, short, "NGINX Ingress Controller proxy timeouts", Fix(
                f"set both timeouts to {minimum}s (nginx time units are allowed) unless the "
                f"controller's ConfigMap already sets proxy-read-timeout and proxy-send-timeout",
                "\n".join(f'{key}: "{minimum}s"' for key in NGINX_INC_TIMEOUTS),
                edits=_raise(short, f"{minimum}s")),
            route.controller, minimum, IDLE_CUT)


def _alb_group(route: Route, graph: Graph) -> list[KObject]:
    """The Ingresses of the route's ALB IngressGroup (the route itself when it has none):
    load balancer attributes set on any of them apply to the shared ALB."""
    group = route.obj.annotations.get(ALB_GROUP)
    if not group:
        return [route.obj]
    return [r.obj for r in graph.routes.values() if r.controller == "aws-alb"
            and r.obj.annotations.get(ALB_GROUP) == group and graph.related(r.obj, route.obj)]


def _alb(route: Route, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    obj = route.obj
    setting = None
    for member in _alb_group(route, ctx.graph):
        raw = member.annotations.get(ALB_LB_ATTRIBUTES)
        if raw is None:
            continue
        pairs, malformed = alb_attributes(raw)
        if malformed:
            return  # WS103's finding
        if ALB_IDLE in pairs:
            setting = Timeout(ALB_IDLE, int(pairs[ALB_IDLE]), member, annotation_path(ALB_LB_ATTRIBUTES))
            break
    timeout = setting or Timeout(ALB_IDLE, ALB_DEFAULT)
    if timeout.seconds >= minimum or (setting and setting.obj is not obj):
        return  # long enough, or set on another Ingress of the group (reported there)
    current, _ = alb_attributes(obj.annotations.get(ALB_LB_ATTRIBUTES, ""))
    current[ALB_IDLE] = str(minimum)
    value = ",".join(f"{k}={v}" for k, v in current.items())
    problem = _too_short_problem(
        obj, [timeout], "the ALB idle timeout", Fix(
            f"set the load balancer's idle timeout to {minimum} seconds", f"{ALB_LB_ATTRIBUTES}: {value}",
            edits=(Edit.set(annotation_path(ALB_LB_ATTRIBUTES), value),)),
        route.controller, minimum, IDLE_CUT)
    if setting:
        problem.path = setting.path
    yield problem


def _contour(route: Route, minimum: int) -> Iterator[Problem]:
    obj = route.obj
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


def _emissary(route: Route, minimum: int) -> Iterator[Problem]:
    obj = route.obj
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


def _haproxy_tunnel(obj: KObject, minimum: int, controller: str | None) -> Iterator[Problem]:
    value = obj.annotations.get(HAPROXY_TUNNEL)
    seconds = haproxy_time(value) if value is not None else None
    if seconds is None or seconds >= minimum:
        return
    yield Problem(
        annotation_path(HAPROXY_TUNNEL),
        f'{obj.ref}: {HAPROXY_TUNNEL} is "{value}" ({seconds_text(seconds)}), below '
        f"{seconds_text(minimum)}; HAProxy closes an upgraded connection idle that long"
        + (" (a number without unit is milliseconds)" if value.strip().isdigit() else ""),
        Fix(f"raise timeout-tunnel to {minimum}s (HAProxy time, with a unit)",
            f'{HAPROXY_TUNNEL}: "{minimum}s"',
            edits=(Edit.set(annotation_path(HAPROXY_TUNNEL), f"{minimum}s"),)),
        controller=controller)


def _kong_service(obj: KObject, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    kong_routes = [r for r, _ in ctx.graph.routes_to(obj) if r.controller == "kong"]
    if not kong_routes and not any(key.startswith("konghq.com/") for key in obj.annotations):
        return
    found = []
    for key in KONG_TIMEOUTS:
        if key in obj.annotations:
            value = integer(obj.annotations[key])
            if value is not None:  # else WS103's finding
                found.append(Timeout(key, value / 1000, obj, annotation_path(key)))
        else:
            found.append(Timeout(key, KONG_DEFAULT_MS / 1000))
    short = [t for t in found if t.seconds < minimum]
    if short:
        yield _too_short_problem(
            obj, short, "Kong upstream timeouts", Fix(
                f"set both on the Service, in milliseconds: {minimum * 1000}",
                "\n".join(f'{key}: "{minimum * 1000}"' for key in KONG_TIMEOUTS),
                edits=_raise(short, str(minimum * 1000))),
            "kong", minimum, IDLE_CUT)


def _gke_service(obj: KObject, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    """A Service behind GKE Ingress with no BackendConfig in the input: the default 30 s."""
    graph = ctx.graph
    if "gce" not in graph.controllers_for(obj) or graph.backend_configs_for(obj):
        return
    if any(key.endswith("cloud.google.com/backend-config") for key in obj.annotations):
        return  # it names a BackendConfig the input does not hold: cannot tell
    yield Problem(
        ("metadata", "annotations"),
        f"{obj.ref}: no BackendConfig sets its backend timeout, so GKE's default of "
        f"{seconds_text(GKE_DEFAULT)} applies; for WebSockets that timeout caps the whole "
        f"connection, not just idle time",
        Fix(f"reference a BackendConfig with timeoutSec: {minimum} from the Service",
            f"cloud.google.com/backend-config: '{{\"default\": \"{obj.name}\"}}'\n---\n"
            f"apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: {obj.name}\n"
            f"spec:\n  timeoutSec: {minimum}"), controller="gce")


def _backend_config(obj: KObject, ctx: CheckContext, minimum: int) -> Iterator[Problem]:
    graph = ctx.graph
    users = [s for s in graph.services if obj in graph.backend_configs_for(s)]
    if users and not any(graph.in_scope(s) for s in users):
        return
    spec = obj.get("spec")
    if isinstance(spec, dict) and "timeoutSec" in spec:
        seconds = integer(spec["timeoutSec"])
        stated = f"is {spec['timeoutSec']}"
    elif users:
        seconds, stated = GKE_DEFAULT, f"is unset (so {GKE_DEFAULT})"
    else:
        return  # an unset timeout matters only for the Services that use the BackendConfig
    if seconds is None or seconds >= minimum:
        return
    yield Problem(
        ("spec", "timeoutSec"),
        f"{obj.ref}: timeoutSec {stated}, below {minimum}; behind GKE Ingress this timeout caps "
        f"a WebSocket's whole lifetime, so every connection through it is cut after "
        f"{seconds_text(seconds)}",
        Fix(f"set timeoutSec to {minimum}", f"timeoutSec: {minimum}",
            edits=(Edit.set(("spec", "timeoutSec"), minimum),)),
        related=tuple(Related(s, ("metadata", "annotations"), "uses this BackendConfig")
                      for s in users[:3]), controller="gce")


def _destination_rule(obj: KObject, minimum: int) -> Iterator[Problem]:
    policies = [("spec", "trafficPolicy")]
    policies += [("spec", "subsets", i, "trafficPolicy")
                 for i, _ in enumerate(dig_list(obj.data, "spec", "subsets"))]
    for base in list(policies):
        policies += [base + ("portLevelSettings", i)
                     for i, _ in enumerate(dig_list(obj.data, *base, "portLevelSettings"))]
    for base in policies:
        for pool in ("tcp", "http"):
            path = base + ("connectionPool", pool, "idleTimeout")
            value = dig(obj.data, *path)
            seconds = go_duration(value) if isinstance(value, str) else None
            if seconds is None or seconds == 0 or seconds >= minimum:
                continue
            yield Problem(
                path, f"{obj.ref}: connectionPool.{pool}.idleTimeout is {value}, below "
                      f"{seconds_text(minimum)}; the sidecar closes a WebSocket idle that long",
                Fix(f"raise idleTimeout to {minimum}s (Istio's default is 1h)",
                    f"idleTimeout: {minimum}s", edits=(Edit.set(path, f"{minimum}s"),)),
                controller="istio")


# Backend protocols that are not HTTP/1.1, so cannot carry a WebSocket upgrade.
_NON_WEBSOCKET_BACKENDS = {
    "nginx.ingress.kubernetes.io/backend-protocol": ("GRPC", "GRPCS", "FCGI", "AJP"),
    "alb.ingress.kubernetes.io/backend-protocol-version": ("GRPC", "HTTP2"),
}


def _may_carry_websockets(route: Route, graph: Graph) -> bool:
    """False for a route to a gRPC (or other non-HTTP/1.1) backend, or whose every Service in the
    input has only ports that speak something else."""
    for key, protocols in _NON_WEBSOCKET_BACKENDS.items():
        if route.obj.annotations.get(key, "").upper() in protocols:
            return False
    services = [s for b in route.backends for s in graph.find_services(b.service, b.namespace)]
    return not services or any(p.may_carry_websockets() for s in services for p in service_ports(s))


@checks("WS102")
def proxy_timeout_too_short(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    minimum = ctx.options["min-seconds"]
    if obj.kind == "ConfigMap":
        yield from _ingress_nginx_configmap(obj, ctx, minimum)
        return
    if obj.kind == "Service":
        yield from _kong_service(obj, ctx, minimum)
        yield from _gke_service(obj, ctx, minimum)
        yield from _haproxy_tunnel(obj, minimum, "haproxy-ingress")
        return
    if obj.kind == "BackendConfig":
        yield from _backend_config(obj, ctx, minimum)
        return
    if obj.kind == "DestinationRule":
        yield from _destination_rule(obj, minimum)
        return
    route = ctx.graph.route(obj)
    if route is None or not _may_carry_websockets(route, ctx.graph):
        return
    by_controller: dict[str, Callable[[], Iterator[Problem]]] = {
        "ingress-nginx": lambda: _ingress_nginx(route, ctx, minimum),
        "nginx-inc": lambda: _nginx_inc(route, minimum),
        "aws-alb": lambda: _alb(route, ctx, minimum),
        "haproxy-ingress": lambda: _haproxy_tunnel(obj, minimum, route.controller),
    }
    if obj.kind == "Ingress" and route.controller in by_controller:
        yield from by_controller[route.controller]()
    elif obj.kind == "HTTPProxy":
        yield from _contour(route, minimum)
    elif obj.kind == "Mapping":
        yield from _emissary(route, minimum)


# --- WS103 -------------------------------------------------------------------------------------

def _invalid_nginx(obj: KObject) -> Iterator[Problem]:
    for name in NGINX_TIMEOUTS + ("proxy-connect-timeout",):
        key = NGINX + name
        value = obj.annotations.get(key)
        if value is None or integer(value) is not None:
            continue
        seconds = go_duration(value) or nginx_time(value)
        suggested = int(seconds) if seconds else 3600
        yield Problem(
            annotation_path(key),
            f'{obj.ref}: {key} is "{value}", not a whole number of seconds; ingress-nginx '
            f"ignores it and uses the ConfigMap's value or its default of 60 s",
            _rewrite_fix(f"write the timeout as whole seconds without a unit: {suggested}", key,
                         str(suggested), seconds), controller="ingress-nginx")


def _invalid_kong(obj: KObject) -> Iterator[Problem]:
    for key in KONG_ALL_TIMEOUTS:
        value = obj.annotations.get(key)
        if value is None or integer(value) is not None:
            continue
        seconds = go_duration(value)
        suggested = int(seconds * 1000) if seconds else 3600000
        yield Problem(
            annotation_path(key),
            f'{obj.ref}: {key} is "{value}", not an integer number of milliseconds; Kong\'s '
            f"controller ignores it and the default of 60000 ms stays",
            _rewrite_fix(f"write the timeout in milliseconds: {suggested}", key, str(suggested),
                         seconds), controller="kong")


def _invalid_alb(obj: KObject) -> Iterator[Problem]:
    keys = (ALB_LB_ATTRIBUTES, ALB_TG_ATTRIBUTES) if obj.kind == "Ingress" else (ALB_TG_ATTRIBUTES,)
    for key in keys:
        value = obj.annotations.get(key)
        if value is None:
            continue
        pairs, malformed = alb_attributes(value)
        if malformed is None:
            continue
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} is malformed ({malformed}); the AWS Load Balancer Controller "
            f"cannot apply the list, so none of its attributes (the idle timeout included) "
            f"take effect",
            Fix("write the attributes as comma-separated key=value pairs with whole numbers of "
                "seconds", f"{key}: {ALB_IDLE}=3600" if key == ALB_LB_ATTRIBUTES else
                f"{key}: stickiness.enabled=true,stickiness.lb_cookie.duration_seconds=86400"),
            controller="aws-alb")


@checks("WS103")
def invalid_timeout_value(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    if obj.kind == "Service":
        yield from _invalid_kong(obj)
        yield from _invalid_alb(obj)
        return
    route = ctx.graph.route(obj)
    if route is None or obj.kind != "Ingress":
        return
    if route.controller == "ingress-nginx":
        yield from _invalid_nginx(obj)
    yield from _invalid_alb(obj)
