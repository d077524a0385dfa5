"""Route-level rules: does the controller in front pass the WebSocket upgrade at all (WS101)?"""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.graph import is_websocket_path, split_list
from wslint.model import Edit, Fix, KObject, Problem, dig
from wslint.k8s.routes import Backend, Route

checks = CheckSet()

NGINX = "nginx.ingress.kubernetes.io/"
HTTP_VERSION = NGINX + "proxy-http-version"
CONNECTION_HEADER = NGINX + "connection-proxy-header"
NGINX_INC_WS = "nginx.org/websocket-services"
CONTOUR_WS = "projectcontour.io/websocket-routes"


def annotation_path(key: str) -> tuple:
    return ("metadata", "annotations", key)


def _connection_header_breaks_upgrade(value: str) -> bool:
    # ingress-nginx sends `Connection: $connection_upgrade` unless told otherwise; a fixed value
    # ("keep-alive", "close", "") replaces it for every request, upgrades included.
    return value.strip().lower() not in ("$connection_upgrade", "upgrade")


def _ingress_nginx(route: Route) -> Iterator[Problem]:
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


def ingress_nginx_configmap(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    """The controller-wide setting, reported on the ConfigMap when some ingress-nginx route in
    the input inherits it (or when the input holds no route to tell)."""
    graph = ctx.graph
    if obj not in graph.ingress_nginx_configmaps():
        return
    version = dig(obj.data, "data", "proxy-http-version")
    if version is None or str(version).strip() == "1.1":
        return
    routes = [r for r in graph.routes.values() if r.controller == "ingress-nginx"]
    inheriting = [r for r in routes if HTTP_VERSION not in r.obj.annotations and graph.in_scope(r.obj)]
    if routes and not inheriting:
        return
    who = (f"{len(inheriting)} Ingress(es) in the input inherit it, e.g. {inheriting[0].obj.ref}"
           if inheriting else "every Ingress of this controller inherits it")
    yield Problem(
        ("data", "proxy-http-version"),
        f'{obj.ref}: ingress-nginx proxy-http-version is "{version}" for the whole controller; '
        f"{who}, and HTTP/1.0 cannot carry the WebSocket Upgrade",
        Fix('set proxy-http-version to "1.1" (or remove it: 1.1 is the default)',
            'proxy-http-version: "1.1"', edits=(Edit.set(("data", "proxy-http-version"), "1.1"),)),
        controller="ingress-nginx")


def _backends_needing_websockets(route: Route, ctx: CheckContext) -> list[Backend]:
    """The backends that must carry WebSockets: all of them with scope `all`; with scope
    `detected`, those whose path or Service shows a WebSocket signal."""
    graph = ctx.graph
    needed = []
    for backend in route.backends:
        services = graph.find_services(backend.service, backend.namespace)
        if any(graph.opted_out(s) for s in services):
            continue
        if ctx.settings.websocket_scope == "all" or is_websocket_path(backend.http_path) or any(
                graph.websocket_signals(s) for s in services):
            needed.append(backend)
    if not needed and ctx.settings.websocket_scope != "all" and graph.websocket_signals(route.obj):
        needed = list(route.backends)
    return needed


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unlisted(route: Route, annotation: str, listed: list[str], missing: list[str], message: str,
              fix: str) -> Problem:
    """A route's comma-separated list annotation lacks `missing`: the fix appends them."""
    value = ",".join(listed + missing)
    return Problem(annotation_path(annotation), message,
                   Fix(fix, f'{annotation}: "{value}"',
                       edits=(Edit.set(annotation_path(annotation), value),)),
                   controller=route.controller)


def _nginx_inc(route: Route, ctx: CheckContext) -> Iterator[Problem]:
    obj = route.obj
    listed = split_list(obj.annotations.get(NGINX_INC_WS))
    missing = _unique([b.service for b in _backends_needing_websockets(route, ctx)
                       if b.service not in listed])
    if missing:
        yield _unlisted(
            route, NGINX_INC_WS, listed, missing,
            f"{obj.ref}: the NGINX Ingress Controller passes WebSocket upgrades only to Services "
            f"listed in {NGINX_INC_WS}; {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not listed, so handshakes get no 101",
            f"list {', '.join(missing)} in {NGINX_INC_WS}")


def _contour_httpproxy(route: Route, ctx: CheckContext) -> Iterator[Problem]:
    obj = route.obj
    needed = {b.group for b in _backends_needing_websockets(route, ctx)}
    for group in sorted(needed):
        if dig(obj.data, *group, "enableWebsockets") is True:
            continue
        services = _unique([b.service for b in route.backends if b.group == group])
        yield Problem(
            group + ("enableWebsockets",),
            f"{obj.ref}: route to {', '.join(services)} does not set enableWebsockets: true; "
            f"Envoy answers WebSocket upgrades on it with 403",
            Fix("set enableWebsockets: true on the route", "enableWebsockets: true",
                edits=(Edit.set(group + ("enableWebsockets",), True),)),
            controller=route.controller)


def _contour_ingress(route: Route, ctx: CheckContext) -> Iterator[Problem]:
    obj = route.obj
    listed = split_list(obj.annotations.get(CONTOUR_WS))
    needed = _backends_needing_websockets(route, ctx)
    if listed:
        # With the annotation present, only paths that look like WebSocket endpoints must be in it.
        needed = [b for b in needed if is_websocket_path(b.http_path)]
    missing = _unique([b.http_path or "/" for b in needed if (b.http_path or "/") not in listed])
    if missing:
        yield _unlisted(
            route, CONTOUR_WS, listed, missing,
            f"{obj.ref}: Contour enables WebSockets only on the paths listed in {CONTOUR_WS}; "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not listed, so Envoy "
            f"answers their upgrades with 403",
            f"list the WebSocket paths in {CONTOUR_WS}")


def _emissary_mapping(route: Route, ctx: CheckContext) -> Iterator[Problem]:
    obj = route.obj
    if not _backends_needing_websockets(route, ctx):
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


@checks("WS101")
def websocket_upgrade_not_enabled(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    if obj.kind == "ConfigMap":
        yield from ingress_nginx_configmap(obj, ctx)
        return
    route = ctx.graph.route(obj)
    if route is None:
        return
    if route.controller == "ingress-nginx" and obj.kind == "Ingress":
        yield from _ingress_nginx(route)
    elif route.controller == "nginx-inc" and obj.kind == "Ingress":
        yield from _nginx_inc(route, ctx)
    elif route.controller == "contour" and obj.kind == "HTTPProxy":
        yield from _contour_httpproxy(route, ctx)
    elif route.controller == "contour" and obj.kind == "Ingress":
        yield from _contour_ingress(route, ctx)
    elif obj.kind == "Mapping":
        yield from _emissary_mapping(route, ctx)
