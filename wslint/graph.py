"""The resource graph: route -> Service -> workload, built once per run.

Checks ask it questions (which Services select this workload, which routes reach this Service,
which controller serves this route, does this workload serve WebSockets) instead of walking the
input themselves.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from wslint.controllers.detect import (KIND_CONTROLLERS, controller_for_class_controller,
                                detect_ingress_controller)
from wslint.k8s.objects import (BUILTIN_WORKLOAD_KINDS, Container, ServicePort, Workload, WorkloadKind,
                        is_core, namespaces_match, selector_matches, service_ports,
                        service_selector, workload_kind_of)
from wslint.model import KObject, as_str_map, dig, dig_list
from wslint.k8s.routes import Backend, Route, extractor_for, service_host

WEBSOCKET_ANNOTATION = "wslint.io/websocket"
SCOPES = ("all", "detected")

# Port names that say "WebSocket": ws, wss, websocket(s), socketio, and names built from them.
_WS_PORT_NAME = re.compile(r"(?:^|[-_.])(?:ws|wss|websockets?|socket-?io|sockjs)(?:$|[-_.])", re.I)
# URL paths WebSocket servers conventionally listen on.
_WS_PATH = re.compile(
    r"(?:^|/)(?:ws|wss|websockets?|socket\.io|sockjs(?:-node)?|cable|hubs?|signalr|realtime"
    r"|graphql-ws)(?:$|[/.?])", re.I)
WEBSOCKET_APP_PROTOCOLS = ("kubernetes.io/ws", "kubernetes.io/wss")
ISTIO_INJECT = "sidecar.istio.io/inject"
BACKEND_CONFIG_ANNOTATIONS = ("cloud.google.com/backend-config", "beta.cloud.google.com/backend-config")

# ingress-nginx: its ConfigMap's usual names; a controller's `--configmap=ns/name` flag wins.
INGRESS_NGINX_CONFIGMAPS = ("ingress-nginx-controller", "nginx-configuration",
                            "nginx-ingress-controller")


def is_websocket_port_name(name: str | None) -> bool:
    return bool(name) and bool(_WS_PORT_NAME.search(name))


def is_websocket_path(path: str | None) -> bool:
    return bool(path) and bool(_WS_PATH.search(path))


def shared_depth(a: str, b: str) -> int:
    """How many leading directories two file paths share."""
    count = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1]):
        if x != y:
            break
        count += 1
    return count


def placement(obj: KObject) -> str:
    """Where an object sits in the input's directory tree: its file, or for an object rendered
    by kustomize, the kustomization that rendered it (so that two overlays of one base, whose
    objects come from the same files, stay apart)."""
    return obj.source.real_path or obj.source.path


def nearest_objects(candidates: list[KObject], path: str) -> list[KObject]:
    """The candidates placed in the longest directory prefix shared with `path`."""
    if len(candidates) <= 1:
        return candidates
    best = max(shared_depth(placement(obj), path) for obj in candidates)
    return [obj for obj in candidates if shared_depth(placement(obj), path) == best]


def split_list(value: str | None) -> list[str]:
    """A comma-separated annotation value."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class _SelectorIndex:
    """Objects with a label selector (`spec.selector`), each by the one of its `matchLabels`
    that the fewest pods carry (`label_counts`): asking which of them may select some pods looks
    at those sharing that rarest label with the pods (and at the few with expressions only), not
    at every one: about one candidate per selector in real inputs, not quadratic."""

    def __init__(self, objects: list[KObject], label_counts: dict[tuple[str, str], int]) -> None:
        self.order = {id(obj): index for index, obj in enumerate(objects)}
        self.by_label: dict[tuple[str, str], list[KObject]] = defaultdict(list)
        self.unlabelled: list[KObject] = []
        for obj in objects:
            match_labels = as_str_map(dig(obj.data, "spec", "selector", "matchLabels"))
            if match_labels:
                rarest = min(match_labels.items(), key=lambda item: label_counts.get(item, 0))
                self.by_label[rarest].append(obj)
            else:
                self.unlabelled.append(obj)

    def candidates(self, labels: dict[str, str]) -> list[KObject]:
        """Every object whose selector may match `labels`, in input order."""
        found = list(self.unlabelled)
        for item in labels.items():
            found += self.by_label.get(item, ())
        return sorted(found, key=lambda obj: self.order[id(obj)])


# How many candidate pairs (a Service and a workload it may select, a route and a Service it may
# name, ...) relating the objects of one run may examine. Real inputs examine about one pair per
# Service, route, HPA and PDB; N Services that all select the same N workloads would make N^2.
DEFAULT_MAX_RELATIONS = 1_000_000


@dataclass
class GraphSettings:
    workload_kinds: dict[str, WorkloadKind] = field(
        default_factory=lambda: dict(BUILTIN_WORKLOAD_KINDS))
    websocket_scope: str = "all"
    default_controller: str | None = None
    max_relations: int = DEFAULT_MAX_RELATIONS


class Graph:
    def __init__(self, objects: list[KObject], settings: GraphSettings | None = None) -> None:
        self.settings = settings or GraphSettings()
        self.objects = objects
        self.by_kind: dict[str, list[KObject]] = defaultdict(list)
        self.workloads: dict[int, Workload] = {}
        self.services: list[KObject] = []
        self.routes: dict[int, Route] = {}
        for obj in objects:
            self.by_kind[obj.kind].append(obj)
            kind = workload_kind_of(obj, self.settings.workload_kinds)
            if kind is not None:
                self.workloads[id(obj)] = Workload(obj, kind)
            elif obj.kind == "Service" and obj.api_version == "v1":
                self.services.append(obj)
        self._service_ids = {id(service) for service in self.services}
        # Relating objects spends this budget, one unit per candidate pair examined; once it is
        # spent, nothing more is related and `relations_refused` names where that happened.
        self._relations_left = self.settings.max_relations
        self.relations_refused: KObject | None = None
        self._twins: dict[tuple, list[KObject]] = defaultdict(list)
        self._twin_depths: dict[tuple, int] = {}
        for obj in objects:
            self._twins[(obj.kind, obj.name)].append(obj)
        self._link_services()
        self._ingress_classes()
        for obj in objects:
            extract = extractor_for(obj)
            if extract is not None:
                self.routes[id(obj)] = self._route(obj, extract(obj))
        self._link_routes()
        self._link_autoscalers()
        self._link_budgets()
        self._scope: dict[int, list[str] | None] = {}
        self._nginx_configmaps: list[KObject] | None = None
        self._serving: dict[int, list[Container] | None] = {}
        self._rules_by_host: dict[str, list[tuple[KObject, str | None]]] | None = None

    # --- workloads and Services -------------------------------------------------------------

    def related(self, a: KObject, b: KObject) -> bool:
        """Whether two objects can belong to the same deployment. An input may hold several
        copies of one object (overlays, per-provider variants, a repository of several apps):
        each copy relates only to the nearest copy of the other in the directory tree."""
        return self._nearest_twin(a, b) and self._nearest_twin(b, a)

    def _nearest_twin(self, a: KObject, b: KObject) -> bool:
        twins = self._twins[(a.kind, a.name)]
        if len(twins) == 1:
            return True
        # The twins' nearest distance to b's place, once per place: thousands of copies of one
        # object would otherwise make relating them cubic.
        place = placement(b)
        nearest = self._twin_depths.get((a.kind, a.name, place))
        if nearest is None:
            nearest = max(shared_depth(placement(t), place) for t in twins)
            self._twin_depths[(a.kind, a.name, place)] = nearest
        return shared_depth(placement(a), place) >= nearest

    def _examine(self, obj: KObject) -> bool:
        """Spend one unit of the relations budget on a pair involving `obj`; False once it is
        spent (the graph then relates nothing more, and remembers `obj`)."""
        if self._relations_left > 0:
            self._relations_left -= 1
            return True
        if self.relations_refused is None:
            self.relations_refused = obj
        return False

    def workload(self, obj: KObject) -> Workload | None:
        return self.workloads.get(id(obj))

    def _link_services(self) -> None:
        self._selecting: dict[int, list[KObject]] = defaultdict(list)
        self._selected: dict[int, list[Workload]] = defaultdict(list)
        by_label: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        for workload in self.workloads.values():
            for item in workload.pod_labels.items():
                by_label[item].append(workload)
        for service in self.services:
            selector = service_selector(service)
            if not selector:
                continue
            # Only the workloads carrying the selector's rarest label can match.
            rarest = min(selector.items(), key=lambda item: len(by_label.get(item, ())))
            for workload in by_label.get(rarest, ()):
                if not self._examine(service):
                    return
                if namespaces_match(service.namespace, workload.obj.namespace) and all(
                        workload.pod_labels.get(k) == v for k, v in selector.items()) and \
                        self.related(service, workload.obj):
                    self._selecting[id(workload.obj)].append(service)
                    self._selected[id(service)].append(workload)

    def services_for(self, workload: Workload) -> list[KObject]:
        """The Services whose selector picks this workload's pods."""
        return self._selecting.get(id(workload.obj), [])

    def workloads_for(self, service: KObject) -> list[Workload]:
        return self._selected.get(id(service), [])

    def may_serve_websockets(self, workload: Workload) -> bool:
        """False when Services in the input select the workload and none of their ports can
        carry WebSockets (a database, a gRPC server): rules about its WebSockets do not apply."""
        services = self.services_for(workload)
        return not services or any(port.may_carry_websockets()
                                   for service in services for port in service_ports(service))

    def find_services(self, name: str, namespace: str | None) -> list[KObject]:
        return [s for s in self._services_by_name.get(name, ())
                if namespaces_match(namespace, s.namespace)]

    def serving_containers(self, workload: Workload) -> list[Container] | None:
        """The containers that Services send traffic to, resolving each `targetPort` by name or
        number; None when no Service selects the workload or no port resolves."""
        key = id(workload.obj)
        if key not in self._serving:
            self._serving[key] = self._find_serving_containers(workload)
        return self._serving[key]

    def _find_serving_containers(self, workload: Workload) -> list[Container] | None:
        ports = [port for service in self.services_for(workload) for port in service_ports(service)]
        if not ports:
            return None
        containers = workload.containers()
        serving = []
        for container in containers:
            declared = container.ports()
            names = {p.name for p in declared if p.name}
            numbers = {p.number for p in declared if p.number is not None}
            if any(port.target in names if isinstance(port.target, str) else port.target in numbers
                   for port in ports):
                serving.append(container)
        if not serving and len(containers) == 1:
            return containers  # one container serves whatever port it listens on
        return serving or None

    def target_containers(self, workload: Workload) -> list[Container]:
        """The containers connection checks look at: those Services send traffic to when that
        is known, else every container."""
        return self.serving_containers(workload) or workload.containers()

    # --- routes and controllers -------------------------------------------------------------

    def _ingress_classes(self) -> None:
        self._classes: dict[str, list[tuple[KObject, str]]] = defaultdict(list)
        for obj in self.by_kind.get("IngressClass", ()):
            controller = obj.get("spec", "controller")
            if isinstance(controller, str):
                self._classes[obj.name].append(
                    (obj, controller_for_class_controller(controller) or f"other:{controller}"))

    def ingress_classes_for(self, route: KObject) -> tuple[dict[str, str], str | None]:
        """The IngressClasses the route can see, by name -> controller, and the default class.
        When the input holds several classes of one name (a repository of several clusters),
        the one nearest the route in the directory tree counts; a tie between different
        controllers counts as unknown."""
        classes: dict[str, str] = {}
        defaults = []
        for name, candidates in self._classes.items():
            nearest = nearest_objects([obj for obj, _ in candidates], placement(route))
            controllers = {c for obj, c in candidates if obj in nearest}
            if len(controllers) == 1:
                classes[name] = controllers.pop()
                if any(obj.annotations.get("ingressclass.kubernetes.io/is-default-class") == "true"
                       for obj in nearest):
                    defaults.append(name)
        return classes, defaults[0] if len(defaults) == 1 else None

    def _route(self, obj: KObject, backends: list[Backend]) -> Route:
        route = Route(obj, backends)
        implied = KIND_CONTROLLERS.get((obj.api_group, obj.kind))
        if implied:
            route.controller, route.controller_reason = implied, f"kind {obj.kind}"
        elif obj.kind == "Ingress":
            class_name = obj.get("spec", "ingressClassName")
            if not isinstance(class_name, str):
                class_name = obj.annotations.get("kubernetes.io/ingress.class")
            classes, default_class = self.ingress_classes_for(obj)
            detection = detect_ingress_controller(
                obj.annotations, class_name, classes, default_class,
                self.settings.default_controller)
            route.controller, route.controller_reason = detection.controller, detection.reason
            route.controller_explicit = detection.explicit
        elif obj.kind == "HTTPRoute":
            route.controller, route.controller_reason = self._gateway_controller(obj)
            route.controller_explicit = route.controller is not None
        return route

    def _gateway_controller(self, route: KObject) -> tuple[str | None, str]:
        """The controller of the Gateways an HTTPRoute attaches to (`parentRefs`), through their
        GatewayClass's `controllerName`; else the configured default controller."""
        found = set()
        for ref in dig_list(route.data, "spec", "parentRefs"):
            name = dig(ref, "name")
            if not isinstance(name, str) or dig(ref, "kind") not in (None, "Gateway"):
                continue
            namespace = dig(ref, "namespace") or route.namespace
            for gateway in self.by_kind.get("Gateway", ()):
                if gateway.api_group != "gateway.networking.k8s.io" or gateway.name != name or \
                        not namespaces_match(namespace, gateway.namespace):
                    continue
                class_name = gateway.get("spec", "gatewayClassName")
                for gateway_class in self.by_kind.get("GatewayClass", ()):
                    controller = gateway_class.get("spec", "controllerName")
                    if gateway_class.name == class_name and isinstance(controller, str):
                        found.add((controller_for_class_controller(controller)
                                   or f"other:{controller}", f"GatewayClass {class_name}"))
        if len({controller for controller, _ in found}) == 1:
            return found.pop()
        if self.settings.default_controller:
            return self.settings.default_controller, "configured default"
        return None, "unknown"

    def controllers_for(self, service: KObject) -> list[str]:
        """The controllers of the routes that reach a Service, in the order first seen."""
        return list(dict.fromkeys(route.controller for route, _ in self.routes_to(service)
                                  if route.controller))

    def _link_routes(self) -> None:
        self._services_by_name: dict[str, list[KObject]] = defaultdict(list)
        for service in self.services:
            self._services_by_name[service.name].append(service)
        self._routes_to: dict[int, list[tuple[Route, Backend]]] = defaultdict(list)
        for route in self.routes.values():
            for backend in route.backends:
                for service in self.find_services(backend.service, backend.namespace):
                    if not self._examine(route.obj):
                        return
                    if self.related(route.obj, service):
                        self._routes_to[id(service)].append((route, backend))

    def route(self, obj: KObject) -> Route | None:
        return self.routes.get(id(obj))

    def routes_to(self, service: KObject) -> list[tuple[Route, Backend]]:
        """The routes, and their backends, that send traffic to this Service."""
        return self._routes_to.get(id(service), [])

    def ingress_nginx_configmaps(self) -> list[KObject]:
        """The ingress-nginx controller ConfigMaps in the input: named by a controller's
        `--configmap` flag, else by one of the chart's usual names."""
        if self._nginx_configmaps is None:  # asked once per ConfigMap: look through workloads once
            self._nginx_configmaps = self._find_ingress_nginx_configmaps()
        return self._nginx_configmaps

    def _find_ingress_nginx_configmaps(self) -> list[KObject]:
        named: set[tuple[str | None, str]] = set()
        for workload in self.workloads.values():
            for container in workload.containers():
                image = container.data.get("image")
                if not (isinstance(image, str) and "ingress-nginx/controller" in image):
                    continue
                for arg in (dig(container.data, "args") or []):
                    if isinstance(arg, str) and arg.startswith("--configmap="):
                        namespace, _, name = arg.split("=", 1)[1].rpartition("/")
                        named.add((namespace or None, name))
        found = []
        for obj in self.by_kind.get("ConfigMap", ()):
            if named:
                if any(obj.name == name and namespaces_match(namespace, obj.namespace)
                       for namespace, name in named):
                    found.append(obj)
            elif obj.name in INGRESS_NGINX_CONFIGMAPS:
                found.append(obj)
        return found

    # --- policies attached to Services ------------------------------------------------------

    def backend_configs_for(self, service: KObject) -> list[KObject]:
        """The GKE BackendConfigs a Service names in `cloud.google.com/backend-config`
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
        return [config for name in sorted(names)
                for config in self._twins.get(("BackendConfig", name), ())
                if namespaces_match(config.namespace, service.namespace)
                and self.related(config, service)]

    def destination_rules_for(self, service: KObject) -> list[KObject]:
        """The Istio DestinationRules whose `host` names the Service."""
        if self._rules_by_host is None:  # index the rules by the Service name their host names
            self._rules_by_host = defaultdict(list)
            for rule in self.by_kind.get("DestinationRule", ()):
                host = rule.get("spec", "host")
                found = service_host(host, rule.namespace) if isinstance(host, str) else None
                if found:
                    self._rules_by_host[found[0]].append((rule, found[1]))
        return [rule for rule, namespace in self._rules_by_host.get(service.name, ())
                if namespaces_match(namespace, service.namespace) and self.related(rule, service)]

    def upstream_policies_for(self, service: KObject) -> list[KObject]:
        """The Kong KongUpstreamPolicy a Service names in `konghq.com/upstream-policy`."""
        name = service.annotations.get("konghq.com/upstream-policy")
        return [policy for policy in self._twins.get(("KongUpstreamPolicy", name), ())
                if name and namespaces_match(policy.namespace, service.namespace)
                and self.related(policy, service)]

    # --- disruption budgets -----------------------------------------------------------------

    def _link_budgets(self) -> None:
        self._budgets: dict[int, list[KObject]] = defaultdict(list)
        budgets = self.by_kind.get("PodDisruptionBudget", ())
        if not budgets:
            return
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for workload in self.workloads.values():
            for item in workload.pod_labels.items():
                counts[item] += 1
        index = _SelectorIndex(budgets, counts)
        for workload in self.workloads.values():
            for pdb in index.candidates(workload.pod_labels):
                if not self._examine(pdb):
                    return
                if namespaces_match(pdb.namespace, workload.obj.namespace) \
                        and selector_matches(pdb.get("spec", "selector"), workload.pod_labels) \
                        and self.related(pdb, workload.obj):
                    self._budgets[id(workload.obj)].append(pdb)

    def disruption_budgets_for(self, workload: Workload) -> list[KObject]:
        """The PodDisruptionBudgets whose selector picks the workload's pods."""
        return self._budgets.get(id(workload.obj), [])

    def istio_injected(self, workload: Workload) -> bool:
        """Whether Istio injects a sidecar into the workload's pods: the pod template says so
        (`sidecar.istio.io/inject`), the input's Namespace enables injection, or the manifest
        already holds an `istio-proxy` container."""
        if any(c.name == "istio-proxy" for c in workload.containers()):
            return True
        pod_says = workload.pod_labels.get(ISTIO_INJECT, workload.pod_annotations.get(ISTIO_INJECT))
        if pod_says is not None:
            return pod_says == "true"
        labels = self.namespace_labels(workload.obj)
        return labels.get("istio-injection") == "enabled" or "istio.io/rev" in labels

    def namespace_labels(self, obj: KObject) -> dict[str, str]:
        """The labels of the Namespace object the input holds for obj's namespace (the nearest
        copy), or none."""
        candidates = list(self._twins.get(("Namespace", obj.namespace), ())) if obj.namespace else []
        nearest = nearest_objects(candidates, placement(obj))
        return nearest[0].labels if nearest else {}

    # --- autoscalers ------------------------------------------------------------------------

    def _link_autoscalers(self) -> None:
        self._hpas: dict[int, list[KObject]] = defaultdict(list)
        self._hpa_targets: dict[int, list[Workload]] = defaultdict(list)
        by_name: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        for workload in self.workloads.values():
            by_name[(workload.obj.kind, workload.obj.name)].append(workload)
        for hpa in self.by_kind.get("HorizontalPodAutoscaler", ()):
            kind, name = hpa.get("spec", "scaleTargetRef", "kind"), hpa.get("spec", "scaleTargetRef", "name")
            for workload in by_name.get((kind, name), ()) if isinstance(name, str) and \
                    isinstance(kind, str) else ():
                if not self._examine(hpa):
                    return
                if namespaces_match(hpa.namespace, workload.obj.namespace) and \
                        self.related(hpa, workload.obj):
                    self._hpas[id(workload.obj)].append(hpa)
                    self._hpa_targets[id(hpa)].append(workload)

    def autoscalers_for(self, workload: Workload) -> list[KObject]:
        return self._hpas.get(id(workload.obj), [])

    def autoscaler_targets(self, hpa: KObject) -> list[Workload]:
        """The workloads an HPA's `scaleTargetRef` names (the nearest copy of each)."""
        return self._hpa_targets.get(id(hpa), [])

    def max_pods(self, workload: Workload) -> int | None:
        """How many pods the workload may run: the larger of its replicas and any HPA's
        maxReplicas. None means unbounded (a DaemonSet: one per node)."""
        replicas = workload.replicas()
        if replicas is None and workload.kind.default_replicas is None:
            return None
        most = replicas or 1
        for hpa in self.autoscalers_for(workload):
            maximum = hpa.get("spec", "maxReplicas")
            if type(maximum) is int:
                most = max(most, maximum)
        return most

    # --- WebSocket scope --------------------------------------------------------------------

    def websocket_signals(self, obj: KObject) -> list[str]:
        """Why this object counts as carrying WebSocket traffic (empty when nothing says so)."""
        key = id(obj)
        if key not in self._scope:
            self._scope[key] = None  # guards against cycles while computing
            self._scope[key] = self._signals(obj)
        return self._scope[key] or []

    def opted_out(self, obj: KObject) -> bool:
        if obj.annotations.get(WEBSOCKET_ANNOTATION) == "false":
            return True
        workload = self.workload(obj)
        return workload is not None and workload.annotation(WEBSOCKET_ANNOTATION) == "false"

    def in_scope(self, obj: KObject) -> bool:
        """Whether connection rules apply to this object: never to batch workloads or objects
        annotated `wslint.io/websocket: "false"`; with scope `detected`, only to objects with a
        WebSocket signal."""
        workload = self.workload(obj)
        if workload is not None and not workload.long_running:
            return False
        if self.opted_out(obj):
            return False
        if self.settings.websocket_scope == "all":
            return True
        if workload is None and id(obj) not in self._service_ids and self.route(obj) is None:
            return True  # the scope narrows workloads, Services and routes; nothing else
        return bool(self.websocket_signals(obj))

    def _signals(self, obj: KObject) -> list[str]:
        if self.opted_out(obj):
            return []
        workload = self.workload(obj)
        if workload is not None:
            return self._workload_signals(workload)
        if id(obj) in self._service_ids:
            return self._service_signals(obj, include_workloads=True)
        route = self.route(obj)
        if route is not None:
            signals = self._route_signals(route)
            for backend in route.backends:
                for service in self.find_services(backend.service, backend.namespace):
                    signals += [f"Service {service.name}: {s}"
                                for s in self._service_signals(service, include_workloads=True)]
            return signals
        return []

    def _workload_signals(self, workload: Workload) -> list[str]:
        signals = []
        if workload.annotation(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f'annotation {WEBSOCKET_ANNOTATION}: "true"')
        for container in workload.containers():
            for port in container.ports():
                if is_websocket_port_name(port.name):
                    signals.append(f"container port named {port.name}")
        for service in self.services_for(workload):
            if not self.opted_out(service):
                signals += [f"Service {service.name}: {s}"
                            for s in self._service_signals(service, include_workloads=False)]
        return signals

    def _service_signals(self, service: KObject, include_workloads: bool) -> list[str]:
        if self.opted_out(service):
            return []
        signals = []
        if service.annotations.get(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f'annotation {WEBSOCKET_ANNOTATION}: "true"')
        for port in service_ports(service):
            if port.app_protocol in WEBSOCKET_APP_PROTOCOLS:
                signals.append(f"port appProtocol {port.app_protocol}")
            elif is_websocket_port_name(port.name):
                signals.append(f"port named {port.name}")
        for route, backend in self.routes_to(service):
            if not self.opted_out(route.obj):
                signals += self._route_signals(route, backend)
        if include_workloads:
            for workload in self.workloads_for(service):
                if not self.opted_out(workload.obj):
                    signals += [f"{workload.obj.kind} {workload.obj.name}: {s}"
                                for s in self._workload_own_signals(workload)]
        return signals

    def _workload_own_signals(self, workload: Workload) -> list[str]:
        signals = []
        if workload.annotation(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f'annotation {WEBSOCKET_ANNOTATION}: "true"')
        for container in workload.containers():
            signals += [f"container port named {p.name}" for p in container.ports()
                        if is_websocket_port_name(p.name)]
        return signals

    def route_signals(self, route: Route, backend: Backend) -> list[str]:
        """The WebSocket signals a route gives for one of its backends."""
        return [] if self.opted_out(route.obj) else self._route_signals(route, backend)

    def _route_signals(self, route: Route, only: Backend | None = None) -> list[str]:
        """Route-level WebSocket enablement and WebSocket-looking paths, for one backend or all."""
        obj = route.obj
        signals = []
        if obj.annotations.get(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f"{obj.kind} {obj.name}: annotation {WEBSOCKET_ANNOTATION}")
        for backend in route.backends if only is None else [only]:
            if backend.service in split_list(obj.annotations.get("nginx.org/websocket-services")):
                signals.append(f"{obj.kind} {obj.name}: nginx.org/websocket-services")
            if obj.kind == "HTTPProxy" and dig(obj.data, *backend.group, "enableWebsockets") is True:
                signals.append(f"{obj.kind} {obj.name}: enableWebsockets")
            if obj.kind == "Mapping" and "websocket" in [
                    str(u).lower() for u in (obj.get("spec", "allow_upgrade") or [])
                    if isinstance(u, str)]:
                signals.append(f"{obj.kind} {obj.name}: allow_upgrade websocket")
            if backend.http_path and backend.http_path in split_list(
                    obj.annotations.get("projectcontour.io/websocket-routes")):
                signals.append(f"{obj.kind} {obj.name}: projectcontour.io/websocket-routes")
            if is_websocket_path(backend.http_path):
                signals.append(f"{obj.kind} {obj.name}: path {backend.http_path}")
        return signals


__all__ = ["Graph", "GraphSettings", "SCOPES", "ServicePort", "WEBSOCKET_ANNOTATION",
           "as_str_map", "is_core", "is_websocket_path", "is_websocket_port_name", "split_list"]
