"""ingress-nginx (kubernetes/ingress-nginx): annotations `nginx.ingress.kubernetes.io/`, a
controller-wide ConfigMap, timeouts in whole seconds (default 60), the Upgrade passed by default,
and traffic sent to pod IPs unless `service-upstream` is set."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import go_duration, integer, nginx_time, seconds_text
from wslint.controllers.profile import (IDLE_CUT, Profile, TimeoutSpec, Timeout, annotate,
                                        annotation_path, raise_edits, rewrite_fix,
                                        too_short_problem)
from wslint.k8s.objects import namespaces_match
from wslint.k8s.routes import Backend, Route
from wslint.model import Edit, Fix, KObject, Problem, Related, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "ingress-nginx"
NGINX = "nginx.ingress.kubernetes.io/"
HTTP_VERSION = NGINX + "proxy-http-version"
CONNECTION_HEADER = NGINX + "connection-proxy-header"
SERVICE_UPSTREAM = NGINX + "service-upstream"
# On an upgraded connection nginx re-arms only the read timer while it waits; the send timer
# runs only while a write is blocked. So only the read timeout cuts an idle WebSocket.
IDLE_TIMEOUT = "proxy-read-timeout"
TIMEOUTS = ("proxy-read-timeout", "proxy-send-timeout")
SSL_PASSTHROUGH = NGINX + "ssl-passthrough"
DEFAULT_TIMEOUT = 60
IMAGE = "ingress-nginx/controller"
# The controller ConfigMap's usual names; a controller's `--configmap=ns/name` flag wins.
CONFIGMAP_NAMES = ("ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller")


# --- the controller ConfigMap ------------------------------------------------------------------

def configmaps(graph: "Graph") -> list[KObject]:
    """The ingress-nginx controller ConfigMaps in the input: named by a controller's
    `--configmap` flag, else by one of the chart's usual names."""
    return graph.memo(("ingress-nginx", "configmaps"), lambda: _find_configmaps(graph))


def _find_configmaps(graph: "Graph") -> list[KObject]:
    named: set[tuple[str | None, str]] = set()
    for workload in graph.workloads.values():
        for container in workload.containers():
            image = container.data.get("image")
            if not (isinstance(image, str) and IMAGE in image):
                continue
            for arg in (dig(container.data, "args") or []):
                if isinstance(arg, str) and arg.startswith("--configmap="):
                    namespace, _, name = arg.split("=", 1)[1].rpartition("/")
                    named.add((namespace or None, name))
    found = []
    for obj in graph.by_kind.get("ConfigMap", ()):
        if named:
            if any(obj.name == name and namespaces_match(namespace, obj.namespace)
                   for namespace, name in named):
                found.append(obj)
        elif obj.name in CONFIGMAP_NAMES:
            found.append(obj)
    return found


def configmap_for(route: KObject, graph: "Graph") -> KObject | None:
    """The ingress-nginx controller ConfigMap nearest the route, when the input holds one."""
    nearest = graph.nearest(configmaps(graph), route)
    return nearest[0] if nearest else None


def _inheriting(obj: KObject, graph: "Graph", key: str) -> tuple[list[Route], list[Route]]:
    """The ingress-nginx Ingresses the ConfigMap serves, and those in scope inheriting `key`."""
    routes = [r for r in graph.routes.values() if r.controller == ID and r.obj.kind == "Ingress"
              and configmap_for(r.obj, graph) is obj]
    return routes, [r for r in routes if key not in r.obj.annotations and graph.in_scope(r.obj)]


def _who(inheriting: list[Route]) -> str:
    return (f"{len(inheriting)} Ingress(es) in the input inherit it, e.g. {inheriting[0].obj.ref}"
            if inheriting else "every Ingress of this controller inherits it")


# --- what its routes say about WebSockets ----------------------------------------------------

# A read timeout raised this far is for long-lived connections: streams that stay quiet.
LONG_LIVED_SECONDS = 3600


def websocket_signals(route: Route, backend: Backend) -> list[str]:
    obj, signals = route.obj, []
    read = integer(obj.annotations.get(NGINX + "proxy-read-timeout"))
    # An Ingress-wide timeout says "long-lived connections" of its backend only when it has one
    # (an Ingress in front of six Services raises it for the one that streams).
    single = len({b.service for b in route.backends}) == 1
    if read is not None and read >= LONG_LIVED_SECONDS and single:
        signals.append(f"{obj.kind} {obj.name}: proxy-read-timeout raised to {read} s")
    for name in SNIPPET_KEYS if single else ():
        upgrade, _ = _upgrade_lines(obj.annotations.get(NGINX + name) or "")
        if any("upgrade" in line.lower() for line in upgrade):
            signals.append(f"{obj.kind} {obj.name}: {name} sets the Upgrade header")
    return signals


# --- WS101: the upgrade ------------------------------------------------------------------------

def _connection_header_breaks_upgrade(value: str) -> bool:
    # ingress-nginx sends `Connection: $connection_upgrade` unless told otherwise; a fixed value
    # ("keep-alive", "close", "") replaces it for every request, upgrades included.
    return value.strip().lower() not in ("$connection_upgrade", "upgrade")


def upgrade_not_enabled(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    version = obj.annotations.get(HTTP_VERSION)
    if version is not None and version.strip() != "1.1":
        yield Problem(
            annotation_path(HTTP_VERSION),
            f'{obj.ref}: {HTTP_VERSION} is "{version}"; HTTP/1.0 to the backend cannot carry '
            f"the Upgrade, so every WebSocket handshake through this Ingress fails",
            Fix('set it to "1.1" (or remove it: 1.1 is the ingress-nginx default)',
                f'{HTTP_VERSION}: "1.1"', edits=(Edit.set(annotation_path(HTTP_VERSION), "1.1"),)),
            controller=route.controller)
    header = obj.annotations.get(CONNECTION_HEADER)
    if header is not None and _connection_header_breaks_upgrade(header):
        yield Problem(
            annotation_path(CONNECTION_HEADER),
            f'{obj.ref}: {CONNECTION_HEADER} fixes the Connection header to "{header}", which '
            f"replaces the Upgrade that WebSocket handshakes need",
            Fix(f"remove {CONNECTION_HEADER}: ingress-nginx already sends "
                f"`Connection: $connection_upgrade`",
                edits=(Edit.remove(annotation_path(CONNECTION_HEADER)),)),
            controller=route.controller)


def configmap_upgrade(obj: KObject, ctx) -> Iterator[Problem]:
    """The controller-wide setting, reported on the ConfigMap when some ingress-nginx route in
    the input inherits it (or when the input holds no route to tell)."""
    graph = ctx.graph
    if obj not in configmaps(graph):
        return
    version = dig(obj.data, "data", "proxy-http-version")
    if version is None or str(version).strip() == "1.1":
        return
    routes = [r for r in graph.routes.values() if r.controller == ID]
    inheriting = [r for r in routes if HTTP_VERSION not in r.obj.annotations and graph.in_scope(r.obj)]
    if routes and not inheriting:
        return
    yield Problem(
        ("data", "proxy-http-version"),
        f'{obj.ref}: ingress-nginx proxy-http-version is "{version}" for the whole controller; '
        f"{_who(inheriting)}, and HTTP/1.0 cannot carry the WebSocket Upgrade",
        Fix('set proxy-http-version to "1.1" (or remove it: 1.1 is the default)',
            'proxy-http-version: "1.1"', edits=(Edit.set(("data", "proxy-http-version"), "1.1"),)),
        controller=ID)


# --- WS102 / WS103: timeouts -------------------------------------------------------------------

def timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    if obj.annotations.get(SSL_PASSTHROUGH) == "true":
        return  # TLS passed through to the backend: nginx proxies bytes, its timeouts do not apply
    configmap = configmap_for(obj, ctx.graph)
    found = []
    for name in (IDLE_TIMEOUT,):
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
        found.append(Timeout(key, DEFAULT_TIMEOUT))
    short = [t for t in found if t.seconds < minimum]
    if short:
        yield too_short_problem(
            obj, short, "ingress-nginx proxy read timeout", Fix(
                f'set the ingress-nginx proxy read timeout to {minimum} (whole seconds, no unit)',
                f'{NGINX}{IDLE_TIMEOUT}: "{minimum}"', edits=raise_edits(short, str(minimum))),
            route.controller, minimum, IDLE_CUT)


def configmap_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    if obj not in configmaps(graph):
        return
    for name in (IDLE_TIMEOUT,):
        value = integer(dig(obj.data, "data", name))
        if value is None or value >= minimum:
            continue
        routes, inheriting = _inheriting(obj, graph, NGINX + name)
        if routes and not inheriting:
            continue
        yield Problem(
            ("data", name),
            f"{obj.ref}: ingress-nginx {name} is {seconds_text(value)} for the whole controller, "
            f"below {seconds_text(minimum)}; {_who(inheriting)}, and {IDLE_CUT}",
            Fix(f"raise {name} to {minimum} (whole seconds, no unit)", f'{name}: "{minimum}"',
                edits=(Edit.set(("data", name), str(minimum)),)),
            related=tuple(Related(r.obj, (), "inherits the timeout") for r in inheriting[:3]),
            controller=ID)


def invalid_timeout(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    for name in TIMEOUTS + ("proxy-connect-timeout",):
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
            rewrite_fix(f"write the timeout as whole seconds without a unit: {suggested}", key,
                        str(suggested), seconds), controller=ID)


# --- WS105: snippets that repeat what is built in ---------------------------------------------

# What ingress-nginx's template already writes into every location.
_UPGRADE_LINE = re.compile(
    r"^\s*(?:proxy_set_header\s+(?:Upgrade|Connection)\b|proxy_http_version\b)[^;]*;?\s*$",
    re.IGNORECASE)
SNIPPET_KEYS = ("configuration-snippet", "server-snippet")
CONFIGMAP_SNIPPET_KEYS = ("location-snippet", "server-snippet")


def _upgrade_lines(snippet: str) -> tuple[list[str], list[str]]:
    """The snippet's lines that set the upgrade headers or HTTP version, and the others."""
    upgrade, rest = [], []
    for line in snippet.splitlines():
        (upgrade if _UPGRADE_LINE.match(line) else rest).append(line)
    return upgrade, [line for line in rest if line.strip()]


def _snippet_fix(key: str, rest: list[str]) -> Fix:
    if not rest:
        return Fix(f"remove {key}: everything it sets is built in")
    body = "\n".join("  " + line.strip() for line in rest)
    return Fix(f"remove the upgrade lines from {key}, keep the rest", f"{key}: |\n{body}")


def _snippets_enabled(configmap: KObject | None) -> bool:
    return configmap is not None and str(dig(configmap.data, "data", "allow-snippet-annotations")
                                         ).strip().lower() == "true"


def configmap_snippet(obj: KObject, ctx) -> Iterator[Problem]:
    if obj not in configmaps(ctx.graph):
        return
    for name in CONFIGMAP_SNIPPET_KEYS:
        snippet = dig(obj.data, "data", name)
        upgrade, rest = _upgrade_lines(snippet) if isinstance(snippet, str) else ([], [])
        if upgrade:
            yield Problem(
                ("data", name),
                f"{obj.ref}: {name} sets {'; '.join(line.strip() for line in upgrade)}: "
                f"ingress-nginx already sends Upgrade and Connection ($connection_upgrade) "
                f"with HTTP/1.1 in every location, so these lines only repeat (or fight) it",
                _snippet_fix(name, rest), controller=ID)


def redundant_snippet(route: Route, ctx) -> Iterator[Problem]:
    obj = route.obj
    enabled = _snippets_enabled(configmap_for(obj, ctx.graph))
    for name in SNIPPET_KEYS:
        key = NGINX + name
        snippet = obj.annotations.get(key)
        upgrade, rest = _upgrade_lines(snippet) if snippet else ([], [])
        if not upgrade:
            continue
        state = ("snippets are enabled in the controller's ConfigMap, so the lines only repeat it"
                 if enabled else
                 "and snippet annotations are disabled by default (allow-snippet-annotations "
                 '"false"), so the annotation is dead configuration')
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} sets {'; '.join(line.strip() for line in upgrade)}: ingress-nginx "
            f"already sends Upgrade and Connection with HTTP/1.1 to every backend, {state}",
            _snippet_fix(key, rest), controller=route.controller)


# --- WS108: retired ---------------------------------------------------------------------------

RETIRED = "retired in March 2026 (no more releases, bug fixes or security updates)"


def _read_timeout(route: Route, graph: "Graph") -> tuple[int, str]:
    """The read timeout an Ingress relies on, and where it comes from."""
    written = integer(route.obj.annotations.get(NGINX + IDLE_TIMEOUT))
    if written is not None:
        return written, "set on the Ingress"
    configmap = configmap_for(route.obj, graph)
    inherited = integer(dig(configmap.data, "data", IDLE_TIMEOUT)) if configmap else None
    if inherited is not None:
        return inherited, f"from {configmap.ref}"
    return DEFAULT_TIMEOUT, "the default"


def websocket_settings(route: Route, graph: "Graph") -> list[str]:
    """What an Ingress relies on for its WebSockets, each with what it becomes on a Gateway API
    implementation."""
    obj = route.obj
    seconds, source = _read_timeout(route, graph)
    found = [f"its proxy-read-timeout of {seconds_text(seconds)}, {source}, becomes a "
             f"BackendTrafficPolicy timeout.http.streamIdleTimeout on Envoy Gateway (5 min "
             f"without one) or a ProxySettingsPolicy timeout.read on NGINX Gateway Fabric (60 s "
             f"without one), not HTTPRoute timeouts.request"]
    if obj.annotations.get(NGINX + "affinity") == "cookie":
        found.append("its cookie affinity becomes HTTPRoute sessionPersistence or a "
                     "BackendTrafficPolicy consistentHash cookie on Envoy Gateway, an "
                     "UpstreamSettingsPolicy ip_hash on open-source NGINX Gateway Fabric")
    if obj.annotations.get(NGINX + "upstream-hash-by"):
        found.append("its upstream-hash-by becomes a BackendTrafficPolicy consistentHash or an "
                     "UpstreamSettingsPolicy hash")
    if CONNECTION_HEADER in obj.annotations:
        found.append("its connection-proxy-header must go (ingress2gateway turns it into a fixed "
                     "Connection header, which breaks the upgrade)")
    elif any(_upgrade_lines(obj.annotations.get(NGINX + name) or "")[0] for name in SNIPPET_KEYS):
        found.append("its Upgrade and Connection snippet needs no equivalent: Gateway API "
                     "implementations pass the upgrade themselves")
    return found


def retired(route: Route, ctx) -> Iterator[Problem]:
    obj, graph = route.obj, ctx.graph
    if not graph.backends_needing_websockets(route):
        return
    if obj.get("spec", "ingressClassName") is not None:
        path: tuple = ("spec", "ingressClassName")
    elif "kubernetes.io/ingress.class" in obj.annotations:
        path = annotation_path("kubernetes.io/ingress.class")
    else:  # known by its annotations
        path = ("metadata", "annotations")
    yield Problem(
        path,
        f"{obj.ref} is served by ingress-nginx, {RETIRED}; carry its WebSocket settings over "
        f"by hand, as ingress2gateway drops or changes them: "
        + "; ".join(websocket_settings(route, graph)),
        Fix("plan the move to a maintained controller and carry these settings over by hand "
            "(docs/migrating-from-ingress-nginx.md shows a WebSocket Ingress and its Envoy "
            "Gateway, NGINX Gateway Fabric, Traefik and OpenShift equivalents)"),
        controller=route.controller)


# --- stickiness and pod IPs --------------------------------------------------------------------

AFFINITY = {NGINX + "affinity": "cookie", NGINX + "affinity-mode": "persistent"}
AFFINITY_SNIPPET = (f'{NGINX}affinity: "cookie"\n'
                    f'{NGINX}affinity-mode: "persistent"')


def route_stickiness(route: Route, backend: Backend) -> list[str]:
    annotations = route.obj.annotations
    if annotations.get(NGINX + "affinity") == "cookie" or annotations.get(NGINX + "upstream-hash-by"):
        return [f"{route.obj.ref} ingress-nginx affinity"]
    return []


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    nginx_routes = [r.obj for r, _ in routes if r.controller == ID and r.obj.kind == "Ingress"]
    if not any(r.controller == ID for r, _ in routes):
        return None
    return Fix("pin clients with a cookie at ingress-nginx (it balances to pod IPs directly, "
               "so a Service's sessionAffinity would be bypassed)", AFFINITY_SNIPPET,
               edits=annotate(nginx_routes, AFFINITY))


def bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    return route.obj.kind == "Ingress" and route.obj.annotations.get(SERVICE_UPSTREAM) != "true"


def bypass_fix(route: Route) -> Fix:
    return Fix(f"pin clients with a cookie on {route.obj.ref} (ingress-nginx balances to pod "
               f"IPs itself)", AFFINITY_SNIPPET)


PROFILE = Profile(
    id=ID,
    title="ingress-nginx (kubernetes/ingress-nginx)",
    class_controllers=("k8s.io/ingress-nginx",),
    class_names=("nginx",),
    annotation_prefixes=(NGINX,),
    proxy_images=(IMAGE,),
    websockets="built in; broken by `proxy-http-version` other than 1.1 or a fixed "
               "`connection-proxy-header` (on the Ingress or in the controller ConfigMap)",
    websocket_signals=websocket_signals,
    backend_protocols={NGINX + "backend-protocol": ("GRPC", "GRPCS", "FCGI", "AJP")},
    timeouts=(TimeoutSpec(NGINX + "proxy-read-timeout", "Ingress, or ConfigMap "
                          "`proxy-read-timeout`", "whole seconds", "60"),),
    stickiness="`nginx.ingress.kubernetes.io/affinity: cookie`, `upstream-hash-by`",
    route_stickiness=route_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes, unless `nginx.ingress.kubernetes.io/service-upstream: \"true\"`",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    notes=f"ingress-nginx was {RETIRED}: on each route to WebSocket backends, WS108 names the "
          f"settings to carry over to a Gateway API implementation.",
    route_checks={"WS101": {"Ingress": upgrade_not_enabled},
                  "WS102": {"Ingress": timeout_too_short},
                  "WS103": {"Ingress": invalid_timeout},
                  "WS105": {"Ingress": redundant_snippet},
                  "WS108": {"Ingress": retired}},
    object_checks={"WS101": {"ConfigMap": configmap_upgrade},
                   "WS102": {"ConfigMap": configmap_timeout_too_short},
                   "WS105": {"ConfigMap": configmap_snippet}},
)
