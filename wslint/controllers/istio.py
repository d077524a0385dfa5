"""Istio: VirtualService routes, DestinationRules attached to the Services their `host` names
(hashing, idle timeouts), sidecars injected into pods, the upgrade always passed."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import go_duration, seconds_text
from wslint.controllers.profile import AttachedKind, Profile, RouteKind, SidecarDrain, TimeoutSpec
from wslint.k8s.objects import Workload, namespaces_match
from wslint.k8s.routes import Backend, Route, service_host
from wslint.load.yamltree import Map, parse_stream
from wslint.model import Edit, Fix, KObject, Problem, dig, dig_list

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "istio"
INJECT = "sidecar.istio.io/inject"


def _virtualservice(obj: KObject) -> list[Backend]:
    """`http[].route[].destination.host` (also `tcp` and `tls` routes)."""
    backends = []
    for section in ("http", "tcp", "tls"):
        for rule_index, rule in enumerate(dig_list(obj.data, "spec", section)):
            if not isinstance(rule, dict):
                continue
            prefixes = [dig(match, "uri", kind) for match in dig_list(rule, "match")
                        for kind in ("prefix", "exact")]
            prefixes = [p for p in prefixes if isinstance(p, str)]
            http_path = (prefixes[0] if prefixes else "/") if section == "http" else None
            for dest_index, destination in enumerate(dig_list(rule, "route")):
                host = dig(destination, "destination", "host")
                found = service_host(host, obj.namespace) if isinstance(host, str) else None
                if found is None:
                    continue
                where = ("spec", section, rule_index, "route", dest_index, "destination")
                backends.append(Backend(found[0], found[1], dig(destination, "destination", "port",
                                                                "number"),
                                        where + ("host",), http_path, ("spec", section, rule_index)))
    return backends


def destination_rules_for(service: KObject, graph: "Graph") -> list[KObject]:
    """The DestinationRules whose `host` names the Service."""
    by_host = graph.memo(("istio", "rules-by-host"), lambda: _rules_by_host(graph))
    return [rule for rule, namespace in by_host.get(service.name, ())
            if namespaces_match(namespace, service.namespace) and graph.related(rule, service)]


def _rules_by_host(graph: "Graph") -> dict[str, list[tuple[KObject, str | None]]]:
    """The rules by the Service name their host names."""
    found: dict[str, list[tuple[KObject, str | None]]] = defaultdict(list)
    for rule in graph.by_kind.get("DestinationRule", ()):
        host = rule.get("spec", "host")
        named = service_host(host, rule.namespace) if isinstance(host, str) else None
        if named:
            found[named[0]].append((rule, named[1]))
    return found


def is_gateway(workload: Workload) -> bool:
    """An Istio ingress or egress gateway: its Envoy is the workload itself, not a sidecar
    (`istio-proxy` alone, run as `proxy router`, or the gateway injection template)."""
    containers = workload.containers()
    if workload.pod_annotations.get("inject.istio.io/templates") == "gateway":
        return True
    if containers and all(c.name == "istio-proxy" for c in containers):
        return True
    return any(c.name == "istio-proxy" and [str(a) for a in (c.data.get("args") or [])][:2]
               == ["proxy", "router"] for c in containers)


def injected(workload: Workload, graph: "Graph") -> bool:
    """Whether Istio injects a sidecar into the workload's pods: the pod template says so
    (`sidecar.istio.io/inject`), the input's Namespace enables injection, or the manifest
    already holds an `istio-proxy` container."""
    if is_gateway(workload):
        return False
    pod_says = workload.pod_labels.get(INJECT, workload.pod_annotations.get(INJECT))
    if pod_says == "false":
        return False
    if any(c.name == "istio-proxy" for c in workload.containers()):
        return True
    if pod_says is not None:
        return pod_says == "true"
    labels = graph.namespace_labels(workload.obj)
    return labels.get("istio-injection") == "enabled" or "istio.io/rev" in labels


PROXY_CONFIG = "proxy.istio.io/config"
DEFAULT_DRAIN = 5.0


def proxy_config(workload: Workload) -> dict:
    """The pod's `proxy.istio.io/config` annotation (YAML or JSON), or {}."""
    text = workload.pod_annotations.get(PROXY_CONFIG)
    if not text:
        return {}
    stream = parse_stream(text)
    document = stream.documents[0] if stream.documents and not stream.problem else None
    return dict(document) if isinstance(document, Map) else {}


def sidecar_drain(workload: Workload, graph: "Graph") -> SidecarDrain | None:
    """The sidecar's `terminationDrainDuration` (default 5s), from the pod's proxy config."""
    if not injected(workload, graph):
        return None
    config = proxy_config(workload)
    written = config.get("terminationDrainDuration")
    drain = go_duration(written) if isinstance(written, str) else None
    if written is not None and drain is None:
        return None  # not a duration: cannot tell what the proxy does
    annotations = workload.template_path + ("metadata", "annotations")

    def fix(needed: float) -> Fix:
        merged = {**config, "terminationDrainDuration": f"{needed:g}s"}
        return Fix(f"set terminationDrainDuration to at least {needed:g}s in the pod template's "
                   f"{PROXY_CONFIG} annotation (and keep terminationGracePeriodSeconds above it)",
                   f"{PROXY_CONFIG}: '{json.dumps(merged)}'")

    return SidecarDrain(
        "Istio", "istio-proxy", "terminationDrainDuration", DEFAULT_DRAIN if drain is None else drain,
        f"is {written}" if written is not None else f"is unset (so {DEFAULT_DRAIN:g}s)",
        annotations + ((PROXY_CONFIG,) if PROXY_CONFIG in workload.pod_annotations else ()), fix)


def service_stickiness(service: KObject, graph: "Graph") -> list[str]:
    found = []
    for rule in destination_rules_for(service, graph):
        # The rule's own policy, its per-port policies, and its subsets' (a VirtualService
        # routing to a subset gets that subset's load balancer).
        policies = [dig(rule.data, "spec", "trafficPolicy")]
        policies += [dig(s, "trafficPolicy") for s in dig_list(rule.data, "spec", "subsets")]
        policies += [p for policy in list(policies) for p in dig_list(policy, "portLevelSettings")]
        if any(isinstance(dig(p, "loadBalancer", "consistentHash"), dict) for p in policies):
            found.append(f"{rule.ref} consistentHash")
    return found


def sticky_fix(routes: list[tuple[Route, Backend]], services: list[KObject]) -> Fix | None:
    if not any(r.controller == ID for r, _ in routes):
        return None
    host = services[0].name
    return Fix(f"hash clients to pods with a DestinationRule for host {host} (the Envoy "
               f"sidecars balance to pod IPs, so a Service's sessionAffinity is bypassed)",
               "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n"
               f"  name: {host}\nspec:\n  host: {host}\n  trafficPolicy:\n"
               "    loadBalancer:\n      consistentHash:\n        httpCookie:\n"
               "          name: session\n          ttl: 3600s")


def destination_rule_idle_timeout(obj: KObject, ctx) -> Iterator[Problem]:
    minimum = ctx.options["min-seconds"]
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
                controller=ID)


PROFILE = Profile(
    id=ID,
    title="Istio",
    class_controllers=("istio.io/",),
    class_names=("istio",),
    proxy_images=("istio/proxyv2",),
    route_kinds=(RouteKind("networking.istio.io", "VirtualService", _virtualservice,
                           "`http`/`tcp`/`tls[].route[].destination.host`"),),
    attached_kinds=(AttachedKind("networking.istio.io", "DestinationRule",
                                 "attached to the Service its `host` names: `consistentHash`, "
                                 "`connectionPool.*.idleTimeout`"),),
    timeouts=(TimeoutSpec("connectionPool.tcp.idleTimeout, connectionPool.http.idleTimeout",
                          "DestinationRule (also per subset and port)", "duration", "1h"),),
    stickiness="DestinationRule `loadBalancer.consistentHash`",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    routes_to_pods="yes: the sidecars balance to pod IPs",
    sidecar_drain=sidecar_drain,
    object_checks={"WS102": {"DestinationRule": destination_rule_idle_timeout}},
)
