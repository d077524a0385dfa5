"""GKE Ingress (ingress-gce): BackendConfigs attached to Services through
`cloud.google.com/backend-config`; their `timeoutSec` (30 s by default) caps a WebSocket's whole
life, not only its idle time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import integer, seconds_text
from wslint.controllers.profile import AttachedKind, Profile, TimeoutSpec
from wslint.k8s.objects import namespaces_match
from wslint.model import Edit, Fix, KObject, Problem, Related, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "gce"
DEFAULT_TIMEOUT = 30
BACKEND_CONFIG_ANNOTATIONS = ("cloud.google.com/backend-config",
                              "beta.cloud.google.com/backend-config")


def backend_configs_for(service: KObject, graph: "Graph") -> list[KObject]:
    """The BackendConfigs a Service names in `cloud.google.com/backend-config`
    (`{"default": NAME}` or `{"ports": {PORT: NAME}}`)."""
    names: set[str] = set()
    for key in BACKEND_CONFIG_ANNOTATIONS:
        try:
            value = json.loads(service.annotations.get(key, "null"))
        except ValueError:
            continue
        if isinstance(value, dict):
            if isinstance(value.get("default"), str):
                names.add(value["default"])
            if isinstance(value.get("ports"), dict):
                names.update(v for v in value["ports"].values() if isinstance(v, str))
    return [config for name in sorted(names) for config in graph.named("BackendConfig", name)
            if namespaces_match(config.namespace, service.namespace)
            and graph.related(config, service)]


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    return [f"{config.ref} sessionAffinity" for config in backend_configs_for(service, graph)
            if dig(config.data, "spec", "sessionAffinity", "affinityType")
            in ("GENERATED_COOKIE", "CLIENT_IP")]


def _affinity_fix(description: str, services: list[KObject]) -> Fix:
    name = services[0].name if services else "NAME"
    return Fix(description, f"cloud.google.com/backend-config: '{{\"default\": \"{name}\"}}'\n---\n"
               f"apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: {name}\n"
               f"spec:\n  sessionAffinity:\n    affinityType: GENERATED_COOKIE\n"
               f"    affinityCookieTtlSec: 3600")


def sticky_fix(routes, services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes):
        return None
    return _affinity_fix("pin clients with a BackendConfig cookie affinity named by the Service "
                         "(the GKE load balancer sends traffic to pods or nodes itself, so a "
                         "Service's sessionAffinity does not apply)", services)


def bypasses_service(route, backend, service: KObject) -> bool:
    return True


def bypass_fix(route) -> Fix:
    return _affinity_fix(f"pin clients with a BackendConfig cookie affinity instead (the GKE "
                         f"load balancer behind {route.obj.ref} balances itself)", [])


def service_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    """A Service behind GKE Ingress with no BackendConfig in the input: the default 30 s."""
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    if ID not in graph.controllers_for(obj) or backend_configs_for(obj, graph):
        return
    if any(key.endswith("cloud.google.com/backend-config") for key in obj.annotations):
        return  # it names a BackendConfig the input does not hold: cannot tell
    yield Problem(
        ("metadata", "annotations"),
        f"{obj.ref}: no BackendConfig sets its backend timeout, so GKE's default of "
        f"{seconds_text(DEFAULT_TIMEOUT)} applies; for WebSockets that timeout caps the whole "
        f"connection, not just idle time",
        Fix(f"reference a BackendConfig with timeoutSec: {minimum} from the Service",
            f"cloud.google.com/backend-config: '{{\"default\": \"{obj.name}\"}}'\n---\n"
            f"apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: {obj.name}\n"
            f"spec:\n  timeoutSec: {minimum}"), controller=ID)


def backend_config_timeout_too_short(obj: KObject, ctx) -> Iterator[Problem]:
    graph, minimum = ctx.graph, ctx.options["min-seconds"]
    users = [s for s in graph.services if obj in backend_configs_for(s, graph)]
    if users and not any(graph.in_scope(s) for s in users):
        return
    spec = obj.get("spec")
    if isinstance(spec, dict) and "timeoutSec" in spec:
        seconds = integer(spec["timeoutSec"])
        stated = f"is {spec['timeoutSec']}"
    elif users:
        seconds, stated = DEFAULT_TIMEOUT, f"is unset (so {DEFAULT_TIMEOUT})"
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
                      for s in users[:3]), controller=ID)


PROFILE = Profile(
    id=ID,
    title="GKE Ingress (ingress-gce)",
    short_title="GKE Ingress",
    class_controllers=("k8s.io/ingress-gce",),
    class_names=("gce", "gce-internal"),
    annotation_prefixes=("ingress.gcp.kubernetes.io/", "networking.gke.io/"),
    attached_kinds=(AttachedKind("cloud.google.com", "BackendConfig",
                                 "attached to the Services that name it in "
                                 "`cloud.google.com/backend-config`: `timeoutSec`, "
                                 "`sessionAffinity`"),),
    timeouts=(TimeoutSpec("timeoutSec", "BackendConfig named by the Service",
                          "whole seconds (a lifetime cap for WebSockets)", "30"),),
    stickiness="BackendConfig `sessionAffinity.affinityType: GENERATED_COOKIE` or `CLIENT_IP`",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the load balancer balances to the pods (container-native, NEG) or to "
                   "nodes, never through the Service's sessionAffinity",
    bypasses_service=bypasses_service,
    bypass_fix=bypass_fix,
    service_only_annotations=BACKEND_CONFIG_ANNOTATIONS,
    object_checks={"WS102": {"Service": service_timeout_too_short,
                             "BackendConfig": backend_config_timeout_too_short}},
)
