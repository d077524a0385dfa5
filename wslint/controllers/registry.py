"""Every controller wslint knows, in one list, and the questions rules ask of them: which profile
serves a route, which kinds are routes, which images are the controllers' own proxies."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

from wslint.catalog.errors import OptionError
from wslint.controllers import (aws_alb, azure_agic, cilium, contour, emissary, envoy_gateway,
                                gateway_api, gce, gke_gateway, haproxy_ingress, haproxy_tech,
                                ingress, ingress_nginx, istio, knative, kong, linkerd,
                                nginx_gateway_fabric, nginx_inc, openshift, traefik)
from wslint.controllers.profile import IgnoredField, Profile, RouteKind
from wslint.k8s.objects import BUILTIN_WORKLOAD_KINDS, WorkloadKind
from wslint.k8s.routes import Backend, Route
from wslint.k8s.signals import image_matches
from wslint.model import KObject, Problem

# The profiles in the order rules consult them (where two could answer, the first does).
PROFILES: tuple[Profile, ...] = tuple(module.PROFILE for module in (
    ingress_nginx, nginx_inc, contour, emissary, istio, traefik, haproxy_ingress, haproxy_tech,
    kong, aws_alb, gce, azure_agic, envoy_gateway, nginx_gateway_fabric, cilium, gke_gateway,
    openshift, knative, linkerd))
BY_ID: dict[str, Profile] = {profile.id: profile for profile in PROFILES}

# Kubernetes' own workload kinds and those of the controllers (a Knative Service), by kind.
WORKLOAD_KINDS: dict[str, WorkloadKind] = {
    **BUILTIN_WORKLOAD_KINDS,
    **{kind.kind: kind for profile in PROFILES for kind in profile.workload_kinds}}

# Route kinds by (API group, kind), with the profile that serves them by their kind alone (None
# for Ingresses and HTTPRoutes, whose controller is detected from their class).
ROUTE_KINDS: dict[tuple[str, str], tuple[RouteKind, Profile | None]] = {
    **{(kind.group, kind.kind): (kind, None)
       for kind in ingress.ROUTE_KINDS + gateway_api.ROUTE_KINDS},
    **{(kind.group, kind.kind): (kind, profile)
       for profile in PROFILES for kind in profile.route_kinds},
}


def _object_checks() -> dict[tuple[str, str], list]:
    checks: dict[tuple[str, str], list] = {}
    for profile in PROFILES:
        for code, by_kind in profile.object_checks.items():
            for kind, check in by_kind.items():
                checks.setdefault((code, kind), []).append(check)
    return checks


# Every profile's checks of each (rule, kind), in profile order: asked of every object.
OBJECT_CHECKS = _object_checks()
# Annotations that mark a route's backend protocol, with the protocols that cannot carry the
# upgrade, of every profile.
BACKEND_PROTOCOLS = tuple(item for profile in PROFILES for item in profile.backend_protocols.items())


def route_kind_of(obj: KObject) -> tuple[RouteKind, Profile | None] | None:
    return ROUTE_KINDS.get((obj.api_group, obj.kind))


def route_kinds() -> set[str]:
    return {kind for _group, kind in ROUTE_KINDS}


def profile_of(controller: str | None) -> Profile | None:
    return BY_ID.get(controller) if controller else None


class UnknownControllerError(OptionError):
    """A controller id that wslint does not know (the `default-controller` setting)."""


def check_controller_id(value: str) -> str:
    """`value` when it names a known controller, else an error listing the known ones."""
    if value not in BY_ID:
        raise UnknownControllerError(
            f"unknown controller {value!r} (known: {', '.join(sorted(BY_ID))})")
    return value


def controller_title(controller: str | None) -> str:
    """How messages name a controller id (`other:` ids keep the class's controller string)."""
    if controller in BY_ID:
        return BY_ID[controller].title
    return (controller or "unknown").removeprefix("other:")


def proxy_controllers(workload) -> list[str]:
    """The controllers whose own proxy the workload runs (by its images)."""
    images = [c.data.get("image") for c in workload.containers()]
    found = {controller for image in images if isinstance(image, str)
             for controller in _proxy_controllers_of(image)}
    return [profile.id for profile in PROFILES if profile.id in found]


def proxy_profile(image: Any) -> Profile | None:
    """The controller whose own proxy `image` runs, if any."""
    found = _proxy_controllers_of(image) if isinstance(image, str) else ()
    return BY_ID[found[0]] if found else None


@lru_cache(maxsize=4096)
def _proxy_controllers_of(image: str) -> tuple[str, ...]:
    return tuple(profile.id for profile in PROFILES if image_matches(image, profile.proxy_images))



# --- what rules ask of every profile at once ---------------------------------------------------

def profile_problems(code: str, obj: KObject, ctx) -> Iterator[Problem]:
    """What the profiles' checks for rule `code` find on `obj`: the route checks of the profile
    serving it when it is a route, and every profile's checks of its kind."""
    route = ctx.graph.route(obj)
    served_by = profile_of(route.controller) if route is not None else None
    if served_by is not None:
        check = served_by.route_checks.get(code, {}).get(obj.kind)
        if check is not None:
            yield from check(route, ctx)
    for check in OBJECT_CHECKS.get((code, obj.kind), ()):
        yield from check(obj, ctx)


def ignored_field(route: Route, field: str, graph) -> IgnoredField | None:
    """How the controller serving an HTTPRoute ignores one of its rule fields, if it does."""
    served_by = profile_of(route.controller)
    for ignored in served_by.ignored_route_fields if served_by is not None else ():
        if ignored.field == field and (ignored.ignored is None or ignored.ignored(route, graph)):
            return ignored
    return None


def platform_controller(groups: set[str]) -> str | None:
    """The controller whose platform objects of these API groups belong to (OpenShift's)."""
    for profile in PROFILES:
        if any(group == suffix or group.endswith("." + suffix)
               for group in groups for suffix in profile.platform_api_groups):
            return profile.id
    return None


def route_stickiness(route: Route, backend: Backend, graph) -> list[str]:
    """Stickiness the route itself configures for this backend: what its kind sets (unless the
    controller ignores that field), what the controller serving it reads, and annotations
    honoured wherever they are written."""
    found = []
    kind = route_kind_of(route.obj)
    if kind is not None and kind[0].stickiness is not None and not (
            kind[0].stickiness_field and ignored_field(route, kind[0].stickiness_field, graph)):
        found += kind[0].stickiness(route, backend)
    served_by = profile_of(route.controller)
    if served_by is not None and served_by.route_stickiness is not None:
        found += served_by.route_stickiness(route, backend)
    for profile in PROFILES:
        if profile.annotation_stickiness is not None:
            found += profile.annotation_stickiness(route.obj)
    return found


def service_stickiness(service: KObject, graph) -> list[str]:
    """Stickiness configured at the Service, or on objects attached to it."""
    found = []
    if service.get("spec", "sessionAffinity") == "ClientIP":
        found.append(f"{service.ref} sessionAffinity: ClientIP")
    for profile in PROFILES:
        if profile.service_stickiness is not None:
            found += profile.service_stickiness(service, graph)
        if profile.annotation_stickiness is not None:
            found += profile.annotation_stickiness(service)
    return found


def carries_websockets(route: Route) -> bool:
    """False for a route marked for a backend protocol that cannot carry the upgrade (gRPC)."""
    return not any(route.obj.annotations.get(key, "").upper() in protocols
                   for key, protocols in BACKEND_PROTOCOLS)
