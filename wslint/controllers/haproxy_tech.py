"""HAProxy Technologies' controller (haproxytech/kubernetes-ingress), a different project from
HAProxy Ingress although both may use the class `haproxy`. Its annotations (`haproxy.org/`, or
the equivalent `haproxy.com/`) are read from different places: `timeout-tunnel` only from its
ConfigMap, `cookie-persistence` only from a Service or the ConfigMap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wslint.controllers.profile import Profile, TimeoutSpec, annotate
from wslint.k8s.routes import Backend, Route
from wslint.model import Fix, KObject

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "haproxy-tech"
PREFIXES = ("haproxy.org/", "haproxy.com/")
COOKIE_PERSISTENCE = tuple(prefix + "cookie-persistence" for prefix in PREFIXES)
TUNNEL = tuple(prefix + "timeout-tunnel" for prefix in PREFIXES)


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    """`cookie-persistence` counts on the Service only: on an Ingress it is ignored (WS104)."""
    if any(key in service.annotations for key in COOKIE_PERSISTENCE):
        return [f"{service.ref} HAProxy cookie persistence"]
    return []


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes) or not services:
        return None
    return Fix("pin clients with HAProxy's persistence cookie, set on the Service (the "
               "controller ignores it on an Ingress)", f'{COOKIE_PERSISTENCE[0]}: "session"',
               edits=annotate(services, {COOKIE_PERSISTENCE[0]: "session"}))


PROFILE = Profile(
    id=ID,
    title="HAProxy Kubernetes Ingress (haproxytech)",
    class_controllers=("haproxy.org/",),
    class_names=("haproxy",),
    annotation_prefixes=PREFIXES,
    proxy_images=("haproxytech/kubernetes-ingress",),
    timeouts=(TimeoutSpec("timeout-tunnel", "controller ConfigMap only", "HAProxy time", "1h"),),
    stickiness="`haproxy.org/cookie-persistence` on the Service (or in the ConfigMap)",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    service_only_annotations=COOKIE_PERSISTENCE,
    configmap_only_annotations=TUNNEL,
)
