"""Hetzner Cloud (hcloud-cloud-controller-manager): in HTTP mode
(`load-balancer.hetzner.cloud/protocol: http` or `https`) the load balancer's idle timeout is a Go
duration from 30s to 300s, so no idle WebSocket outlives 300 s there; TCP mode (the default)
passes connections through."""

from __future__ import annotations

from typing import Iterator

from wslint.clouds.profile import Cloud, IdleTimeout, TimeoutKey, annotation_path
from wslint.controllers.durations import go_duration
from wslint.model import Fix, KObject, Problem

ID = "hetzner"
PREFIX = "load-balancer.hetzner.cloud/"
PROTOCOL = PREFIX + "protocol"
IDLE = PREFIX + "http-timeout-idle"
STICKY = PREFIX + "http-sticky-sessions"
RANGE = (30, 300)


def _http_mode(service: KObject) -> bool:
    return service.annotations.get(PROTOCOL, "tcp") in ("http", "https")


def _seconds(raw: str) -> float | None:
    seconds = go_duration(raw)
    return seconds if seconds is not None and RANGE[0] <= seconds <= RANGE[1] else None


def idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    if not _http_mode(service):
        return []
    fix = Fix(f"serve WebSockets through a TCP-mode load balancer ({PROTOCOL}: tcp, TLS at the "
              f"ingress controller or the pod): in HTTP mode Hetzner keeps no idle connection "
              f"longer than {RANGE[1]} s", f'{PROTOCOL}: "tcp"')
    raw = service.annotations.get(IDLE)
    if raw is not None:
        seconds = _seconds(raw)
        return [] if seconds is None else [  # refused: WS103's finding
            IdleTimeout("the Hetzner load balancer's idle timeout", seconds, annotation_path(IDLE),
                        note=f"HTTP mode allows at most {RANGE[1]} s", fix=fix)]
    if minimum <= RANGE[1]:
        return []  # the default in HTTP mode is not known: it may be enough
    return [IdleTimeout("the Hetzner load balancer's idle timeout", RANGE[1],
                        note=f"at most, in HTTP mode: {PROTOCOL} is "
                             f"{service.annotations.get(PROTOCOL)}", fix=fix)]


def refused_values(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(IDLE)
    if raw is None or _seconds(raw) is not None:
        return
    parsed = go_duration(raw)
    why = (f"outside the {RANGE[0]}s-{RANGE[1]}s Hetzner accepts" if parsed is not None else
           "not a Go duration such as 300s or 5m (a number needs its unit)")
    yield Problem(
        annotation_path(IDLE),
        f'{obj.ref}: {IDLE} is "{raw}", {why}; the Hetzner cloud controller manager fails to '
        f"apply it to the Service's load balancer",
        Fix(f"write a duration from {RANGE[0]}s to {RANGE[1]}s (for WebSockets, consider "
            f"{PROTOCOL}: tcp: in HTTP mode no idle connection outlives {RANGE[1]} s)",
            f'{IDLE}: "{RANGE[1]}s"'))


def service_stickiness(service: KObject) -> list[str]:
    if service.annotations.get(STICKY) == "true":
        return [f"{service.ref} Hetzner sticky sessions"]
    return []


CLOUD = Cloud(
    id=ID,
    title="Hetzner Cloud",
    annotation_prefixes=(PREFIX,),
    timeouts=(TimeoutKey(f"load balancer in HTTP mode (`{PROTOCOL}: http` or `https`; the "
                         f"default is `tcp`)", IDLE, "Go duration (`300s`, `5m`)", "not verified",
                         f"{RANGE[0]}s-{RANGE[1]}s"),),
    idle_timeouts=idle_timeouts,
    stickiness=f"`{STICKY}: \"true\"` (HTTP mode)",
    service_stickiness=service_stickiness,
    service_checks={"WS103": refused_values},
    uncertain=("The HTTP mode's default idle timeout is not verified (it is at most 300 s), nor "
               "whether TCP mode closes idle connections: TCP mode is not judged."),
)
