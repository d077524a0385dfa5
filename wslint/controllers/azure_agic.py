"""Azure Application Gateway Ingress Controller (AGIC): WebSockets built in, traffic sent to pod
IPs (so a Service's sessionAffinity is bypassed), stickiness by an Application Gateway cookie."""

from __future__ import annotations

from wslint.controllers.profile import Profile, annotate
from wslint.k8s.routes import Backend, Route
from wslint.model import Fix, KObject

ID = "azure-agic"
PREFIX = "appgw.ingress.kubernetes.io/"
COOKIE_AFFINITY = PREFIX + "cookie-based-affinity"
REQUEST_TIMEOUT = PREFIX + "request-timeout"


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
    stickiness=f"`{COOKIE_AFFINITY}: \"true\"`",
    route_stickiness=route_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the Application Gateway's backend pool holds the pod IPs",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
)
