"""Kong Ingress Controller: upstream timeouts and the upstream policy on the Service (integer
milliseconds; default 60000), hashing through a KongUpstreamPolicy, the upgrade built in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import go_duration, integer
from wslint.controllers.profile import (IDLE_CUT, AttachedKind, Profile, TimeoutSpec, Timeout,
                                        annotation_path, raise_edits, rewrite_fix,
                                        too_short_problem)
from wslint.k8s.objects import namespaces_match
from wslint.model import Fix, KObject, Problem

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "kong"
PREFIX = "konghq.com/"
# Kong is nginx: only the read timeout cuts an idle WebSocket (the write timer runs only while
# a write is blocked).
READ_TIMEOUT = "konghq.com/read-timeout"
ALL_TIMEOUTS = (READ_TIMEOUT, "konghq.com/write-timeout", "konghq.com/connect-timeout")
DEFAULT_MS = 60000
UPSTREAM_POLICY = "konghq.com/upstream-policy"


def upstream_policies_for(service: KObject, graph: "Graph") -> list[KObject]:
    """The KongUpstreamPolicy a Service names in `konghq.com/upstream-policy`."""
    name = service.annotations.get(UPSTREAM_POLICY)
    return [policy for policy in graph.named("KongUpstreamPolicy", name)
            if name and namespaces_match(policy.namespace, service.namespace)
            and graph.related(policy, service)]


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    return [f"{upstream.ref} hashing" for upstream in upstream_policies_for(service, graph)
            if upstream.get("spec", "algorithm") in ("consistent-hashing", "sticky-sessions")
            or isinstance(upstream.get("spec", "hashOn"), dict)]


def service_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    minimum = ctx.options["min-seconds"]
    kong_routes = [r for r, _ in ctx.graph.routes_to(obj) if r.controller == ID]
    if not kong_routes and not any(key.startswith(PREFIX) for key in obj.annotations):
        return
    found = []
    for key in (READ_TIMEOUT,):
        if key in obj.annotations:
            value = integer(obj.annotations[key])
            if value is not None:  # else WS103's finding
                found.append(Timeout(key, value / 1000, obj, annotation_path(key)))
        else:
            found.append(Timeout(key, DEFAULT_MS / 1000))
    short = [t for t in found if t.seconds < minimum]
    if short:
        yield too_short_problem(
            obj, short, "Kong upstream read timeout", Fix(
                f"set the read timeout on the Service, in milliseconds: {minimum * 1000}",
                f'{READ_TIMEOUT}: "{minimum * 1000}"',
                edits=raise_edits(short, str(minimum * 1000))),
            ID, minimum, IDLE_CUT)


def service_invalid_timeout(obj: KObject, ctx) -> Iterator[Problem]:
    for key in ALL_TIMEOUTS:
        value = obj.annotations.get(key)
        if value is None or integer(value) is not None:
            continue
        seconds = go_duration(value)
        suggested = int(seconds * 1000) if seconds else 3600000
        yield Problem(
            annotation_path(key),
            f'{obj.ref}: {key} is "{value}", not an integer number of milliseconds; Kong\'s '
            f"controller ignores it and the default of 60000 ms stays",
            rewrite_fix(f"write the timeout in milliseconds: {suggested}", key, str(suggested),
                        seconds), controller=ID)


PROFILE = Profile(
    id=ID,
    title="Kong Ingress Controller",
    short_title="Kong",
    class_controllers=("ingress-controllers.konghq.com/", "konghq.com/kic-gateway-controller"),
    class_names=("kong",),
    annotation_prefixes=(PREFIX,),
    proxy_images=("kubernetes-ingress-controller", "kong/kong", "kong-gateway"),
    attached_kinds=(AttachedKind("configuration.konghq.com", "KongUpstreamPolicy",
                                 f"attached to the Services that name it in `{UPSTREAM_POLICY}`: "
                                 f"hashing"),),
    timeouts=(TimeoutSpec(READ_TIMEOUT, "Service", "integer milliseconds", "60000"),),
    stickiness="KongUpstreamPolicy `algorithm: consistent-hashing` or `hashOn`",
    service_stickiness=service_stickiness,
    service_only_annotations=ALL_TIMEOUTS + (UPSTREAM_POLICY,),
    object_checks={"WS102": {"Service": service_timeout_too_short},
                   "WS103": {"Service": service_invalid_timeout}},
)
