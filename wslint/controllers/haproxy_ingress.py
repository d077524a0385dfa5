"""HAProxy Ingress (jcmoraisjr/haproxy-ingress): keys `haproxy-ingress.github.io/` on the Ingress or
the Service, `timeout-tunnel` for upgraded connections (HAProxy time; default 1h), cookie
affinity."""

from __future__ import annotations

from typing import Iterator

from wslint.controllers.durations import haproxy_time, seconds_text
from wslint.controllers.profile import Profile, TimeoutSpec, annotation_path
from wslint.k8s.routes import Route
from wslint.model import Edit, Fix, KObject, Problem

ID = "haproxy-ingress"
TUNNEL = "haproxy-ingress.github.io/timeout-tunnel"
AFFINITY = "haproxy-ingress.github.io/affinity"


def _tunnel_too_short(obj: KObject, minimum: int, controller: str | None) -> Iterator[Problem]:
    value = obj.annotations.get(TUNNEL)
    seconds = haproxy_time(value) if value is not None else None
    if seconds is None or seconds >= minimum:
        return
    yield Problem(
        annotation_path(TUNNEL),
        f'{obj.ref}: {TUNNEL} is "{value}" ({seconds_text(seconds)}), below '
        f"{seconds_text(minimum)}; HAProxy closes an upgraded connection idle that long"
        + (" (a number without unit is milliseconds)" if value.strip().isdigit() else ""),
        Fix(f"raise timeout-tunnel to {minimum}s (HAProxy time, with a unit)",
            f'{TUNNEL}: "{minimum}s"',
            edits=(Edit.set(annotation_path(TUNNEL), f"{minimum}s"),)),
        controller=controller)


def route_tunnel_too_short(route: Route, ctx) -> Iterator[Problem]:
    yield from _tunnel_too_short(route.obj, ctx.options["min-seconds"], route.controller)


def service_tunnel_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    yield from _tunnel_too_short(obj, ctx.options["min-seconds"], ID)


def annotation_stickiness(obj: KObject) -> list[str]:
    """Its keys are read on the Ingress and on the Service alike."""
    if obj.annotations.get(AFFINITY) == "cookie":
        return [f"{obj.ref} HAProxy Ingress affinity"]
    return []


PROFILE = Profile(
    id=ID,
    title="HAProxy Ingress (jcmoraisjr/haproxy-ingress)",
    class_controllers=("haproxy-ingress.github.io/",),
    class_names=("haproxy-ingress",),
    annotation_prefixes=("haproxy-ingress.github.io/",),
    proxy_images=("haproxy-ingress",),
    timeouts=(TimeoutSpec(TUNNEL, "Ingress or Service", "HAProxy time (no unit: ms)", "1h"),),
    stickiness=f"`{AFFINITY}: cookie`",
    annotation_stickiness=annotation_stickiness,
    route_checks={"WS102": {"Ingress": route_tunnel_too_short}},
    object_checks={"WS102": {"Service": service_tunnel_too_short}},
)
