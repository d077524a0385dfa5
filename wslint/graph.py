"""The resource graph: route -> Service -> workload, built once per run.

Checks ask it questions (which Services select this workload, which routes reach this Service,
which controller serves this route, does this workload serve WebSockets) instead of walking the
input themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from wslint.controllers.detect import (controller_for_class_controller, detect_gateway_controller,
                                       detect_ingress_controller)
from wslint.controllers.registry import (PROFILES, WORKLOAD_KINDS, platform_controller,
                                         proxy_controllers, route_kind_of)
from wslint.k8s.objects import (Container, ServicePort, Workload, WorkloadKind, is_web_port,
                                namespaces_match, selector_matches, service_ports,
                                service_selector, workload_kind_of)
from wslint.k8s.routes import Backend, Route
from wslint.k8s.signals import (WEBSOCKET_ANNOTATION, WEBSOCKET_APP_PROTOCOLS, WEBSOCKET_IMAGES,
                                WEBSOCKET_SINCE, older_than,
                                POLLING_HEARTBEAT, SERVER_HEARTBEATS, WEBSOCKET_WORKLOAD_NAMES,
                                image_matches, image_repository, is_websocket_env_name,
                                is_polling_name, is_polling_path, is_websocket_name,
                                is_websocket_path, is_websocket_port_name,
                                websocket_host)
from wslint.model import KObject, as_str_map, dig, dig_list

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


def _env_websocket_host(workload: Workload) -> str | None:
    """The hosted service the workload's environment hands its WebSockets to, if any."""
    for container in workload.containers():
        for item in dig_list(container.data, "env"):
            host = websocket_host(item.get("name")) if isinstance(item, dict) else None
            if host is not None:
                return host
    return None


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
        default_factory=lambda: dict(WORKLOAD_KINDS))
    websocket_scope: str = "detected"
    default_controller: str | None = None
    max_relations: int = DEFAULT_MAX_RELATIONS
    websocket_images: tuple[str, ...] = WEBSOCKET_IMAGES


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
        self._platforms()
        for obj in objects:
            found = route_kind_of(obj)
            if found is not None:
                self.routes[id(obj)] = self._route(obj, found[0].extract(obj), found[1])
        self._link_routes()
        self._link_autoscalers()
        self._link_budgets()
        self._scope: dict[int, list[str] | None] = {}
        self._serving: dict[int, list[Container]] = {}
        self._memo: dict[tuple, object] = {}
        self._opted_out: dict[int, bool] = {}
        self._has_signal: dict[int, bool] = {}
        self._ports: dict[int, tuple[ServicePort, ...]] = {}

    # --- what controller profiles ask -------------------------------------------------------

    def memo(self, key: tuple, compute):
        """`compute()`, once per graph: for what a controller looks up across the input (its
        ConfigMaps, policies indexed by host)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def named(self, kind: str, name: str | None) -> list[KObject]:
        """Every object of this kind and name in the input (all copies)."""
        return list(self._twins.get((kind, name), ())) if name else []

    def nearest(self, candidates: list[KObject], obj: KObject) -> list[KObject]:
        """The candidates nearest `obj` in the input's directory tree."""
        return nearest_objects(candidates, placement(obj))

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
        """Whether any container of the workload serves client traffic that may be WebSockets
        (a database, a gRPC server or a metrics exporter does not): the connection rules apply
        only then."""
        return bool(self.serving_containers(workload))

    def find_services(self, name: str, namespace: str | None) -> list[KObject]:
        return [s for s in self._services_by_name.get(name, ())
                if namespaces_match(namespace, s.namespace)]

    def service_ports(self, service: KObject) -> tuple[ServicePort, ...]:
        """`service_ports(service)`, read once: rules and signals ask for a Service's ports
        many times over."""
        ports = self._ports.get(id(service))
        if ports is None:
            ports = self._ports[id(service)] = tuple(service_ports(service))
        return ports

    def serving_containers(self, workload: Workload) -> list[Container]:
        """The containers that serve client traffic, which the container rules look at."""
        key = id(workload.obj)
        if key not in self._serving:
            self._serving[key] = self._find_serving_containers(workload)
        return self._serving[key]

    def _find_serving_containers(self, workload: Workload) -> list[Container]:
        """The containers a Service port that may carry HTTP resolves to (by `targetPort` name
        or number; a single container serves whatever port it listens on). With no Service
        selecting the workload in the input (one file given alone, say), or none whose port
        resolves: the containers that declare a client port, or every container when none
        declares a port. Sidecars and
        metrics exporters are not serving; neither is a workload whose Services all speak
        another protocol."""
        containers = workload.containers()
        services = [s for s in self.services_for(workload) if not self.opted_out(s)]
        if services:
            ports = [p for s in services for p in self.service_ports(s) if p.may_carry_websockets()]
            if not ports:
                return []
            serving = [container for container in containers
                       if any(port.reaches(declared) for port in ports
                              for declared in container.ports())]
            if serving or len(containers) == 1:
                return serving or containers
        if not any(c.ports() for c in containers):
            # Nothing tells which container listens: the known WebSocket servers among them,
            # else each may.
            known = [c for c in containers
                     if image_matches(c.data.get("image"), self.settings.websocket_images)]
            return known or containers
        return [c for c in containers if any(p.may_carry_client_traffic() for p in c.ports())]

    def target_containers(self, workload: Workload) -> list[Container]:
        """The containers the connection checks look at: the serving ones."""
        return self.serving_containers(workload)

    # --- routes and controllers -------------------------------------------------------------

    def _ingress_classes(self) -> None:
        self._classes: dict[str, list[tuple[KObject, str]]] = defaultdict(list)
        for obj in self.by_kind.get("IngressClass", ()):
            controller = obj.get("spec", "controller")
            if isinstance(controller, str):
                self._classes[obj.name].append(
                    (obj, controller_for_class_controller(controller) or f"other:{controller}"))

    def _platforms(self) -> None:
        """The directories holding objects of a controller's platform (OpenShift's API groups),
        with that controller: it serves the Ingresses in them, or below them, that name no
        class."""
        self._platform_dirs: dict[str, str] = {}
        by_group: dict[str, str | None] = {}
        for obj in self.objects:
            group = obj.api_group
            if group not in by_group:
                by_group[group] = platform_controller({group}) if "." in group else None
            if by_group[group]:
                self._platform_dirs.setdefault(placement(obj).rpartition("/")[0], by_group[group])

    def platform_for(self, obj: KObject) -> str | None:
        """The controller of the platform the input is for, where `obj` sits."""
        directory = placement(obj).rpartition("/")[0]
        while True:
            if directory in self._platform_dirs:
                return self._platform_dirs[directory]
            if not directory:
                return None
            directory = directory.rpartition("/")[0]

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

    def _route(self, obj: KObject, backends: list[Backend], served_by) -> Route:
        route = Route(obj, backends)
        if served_by is not None:  # the kind names its controller (an HTTPProxy is Contour's)
            route.controller, route.controller_reason = served_by.id, f"kind {obj.kind}"
            return route
        if obj.kind == "Ingress":
            class_name = obj.get("spec", "ingressClassName")
            if not isinstance(class_name, str):
                class_name = obj.annotations.get("kubernetes.io/ingress.class")
            classes, default_class = self.ingress_classes_for(obj)
            detection = detect_ingress_controller(
                obj.annotations, class_name, classes, default_class,
                self.settings.default_controller,
                self.platform_for(obj) if self._platform_dirs else None)
        else:
            detection = detect_gateway_controller(obj, self, self.settings.default_controller)
        route.controller, route.controller_reason = detection.controller, detection.reason
        route.controller_explicit = detection.explicit
        return route

    def controllers_for(self, service: KObject) -> list[str]:
        """The controllers of the routes that reach a Service, in the order first seen."""
        return list(dict.fromkeys(route.controller for route, _ in self.routes_to(service)
                                  if route.controller))

    def _link_routes(self) -> None:
        self._services_by_name: dict[str, list[KObject]] = defaultdict(list)
        for service in self.services:
            self._services_by_name[service.name].append(service)
        self._routes_to: dict[int, list[tuple[Route, Backend]]] = defaultdict(list)
        self._reached: dict[int, list[KObject]] = defaultdict(list)  # route -> its Services
        for route in self.routes.values():
            for backend in route.backends:
                for service in self.find_services(backend.service, backend.namespace):
                    if not self._examine(route.obj):
                        return
                    if self.related(route.obj, service):
                        self._routes_to[id(service)].append((route, backend))
                        self._reached[id(route.obj)].append(service)

    def route(self, obj: KObject) -> Route | None:
        return self.routes.get(id(obj))

    def routes_to(self, service: KObject) -> list[tuple[Route, Backend]]:
        """The routes, and their backends, that send traffic to this Service."""
        return self._routes_to.get(id(service), [])

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

    def runs_no_pods(self, workload: Workload) -> bool:
        """`replicas: 0` with nothing in the input to scale it up (an HPA, a KEDA ScaledObject):
        a workload kept switched off holds no connection."""
        if workload.replicas() != 0 or self.autoscalers_for(workload):
            return False
        return not any(dig(scaler.data, "spec", "scaleTargetRef", "name") == workload.obj.name
                       and namespaces_match(scaler.namespace, workload.obj.namespace)
                       for scaler in self.by_kind.get("ScaledObject", ()))

    def alone_when_replaced(self, workload: Workload) -> bool:
        """One pod, replaced only after it is gone (a Deployment's Recreate; a StatefulSet always
        deletes a pod before creating its replacement): while it stops, or while its successor
        starts, no other pod exists to take its clients."""
        replaced_after = workload.obj.kind == "StatefulSet" or \
            workload.obj.get("spec", "strategy", "type") == "Recreate"
        return replaced_after and self.max_pods(workload) == 1

    # --- WebSocket scope --------------------------------------------------------------------

    def websocket_signals(self, obj: KObject) -> list[str]:
        """Why this object counts as carrying WebSocket traffic (empty when nothing says so)."""
        key = id(obj)
        if key not in self._scope:
            self._scope[key] = None  # guards against cycles while computing
            self._scope[key] = list(self._signals(obj))
        return self._scope[key] or []

    def has_websocket_signal(self, obj: KObject) -> bool:
        """Whether `websocket_signals` has any: found without working out the rest."""
        key = id(obj)
        if key in self._scope:
            return bool(self._scope[key])
        known = self._has_signal.get(key)
        if known is None:
            self._has_signal[key] = False  # guards against cycles while computing
            known = self._has_signal[key] = next(self._signals(obj), None) is not None
        return known

    def opted_out(self, obj: KObject) -> bool:
        """Annotated `wslint.io/websocket: "false"`; or a workload that hands its WebSockets to
        a hosted service, and a Service selecting only such workloads (unless annotated
        `"true"`)."""
        known = self._opted_out.get(id(obj))
        if known is None:
            known = self._opted_out[id(obj)] = self._opts_out(obj)
        return known

    def _opts_out(self, obj: KObject) -> bool:
        if obj.annotations.get(WEBSOCKET_ANNOTATION) == "false":
            return True
        workload = self.workload(obj)
        if workload is not None:
            return workload.annotation(WEBSOCKET_ANNOTATION) == "false" or \
                self.websocket_host(workload) is not None
        if id(obj) in self._service_ids and obj.annotations.get(WEBSOCKET_ANNOTATION) != "true":
            selected = self.workloads_for(obj)
            return bool(selected) and all(self.websocket_host(w) is not None for w in selected)
        return False

    def websocket_host(self, workload: Workload) -> str | None:
        """The hosted service a workload hands its WebSockets to (Azure SignalR Service: its
        clients connect there, not to the pods), unless annotated `wslint.io/websocket: "true"`."""
        if workload.annotation(WEBSOCKET_ANNOTATION) == "true":
            return None
        return self.memo(("websocket-host", id(workload.obj)),
                         lambda: _env_websocket_host(workload))

    def in_scope(self, obj: KObject) -> bool:
        """Whether connection rules apply to this object: never to batch workloads or objects
        annotated `wslint.io/websocket: "false"`; with scope `detected`, only to objects with a
        WebSocket signal."""
        workload = self.workload(obj)
        if workload is not None and (not workload.long_running or self.runs_no_pods(workload)):
            return False
        if self.opted_out(obj):
            return False
        if self.settings.websocket_scope == "all":
            return True
        if workload is None and id(obj) not in self._service_ids and self.route(obj) is None:
            return True  # the scope narrows workloads, Services and routes; nothing else
        return self.has_websocket_signal(obj)

    def _signals(self, obj: KObject) -> Iterator[str]:
        """The object's signals, one at a time: those that cost least to find first."""
        if self.opted_out(obj):
            return
        workload = self.workload(obj)
        if workload is not None:
            yield from self._workload_own_signals(workload)
            yield from self._proxied_signals(workload)
            for service in self.services_for(workload):
                if not self.opted_out(service):
                    for signal in self._service_signals(service, include_workloads=False):
                        yield f"Service {service.name}: {signal}"
        elif id(obj) in self._service_ids:
            yield from self._service_signals_uncached(obj, include_workloads=True)
        elif (route := self.route(obj)) is not None:
            yield from self._route_signals(route)
            for backend in route.backends:
                for service in self.find_services(backend.service, backend.namespace):
                    for signal in self._service_signals(service, include_workloads=True):
                        yield f"Service {service.name}: {signal}"

    def proxy_controllers(self, workload: Workload) -> list[str]:
        """The controllers whose proxy the workload runs (its image is theirs)."""
        return self.memo(("proxy-of", id(workload.obj)), lambda: proxy_controllers(workload))

    def _proxied_signals(self, workload: Workload) -> list[str]:
        """A controller's proxy carries the WebSockets of the routes it serves: the first route of
        the input served by its controller that carries some (a generic controller with no such
        route in the input gets none)."""
        controllers = self.proxy_controllers(workload)
        if not controllers:
            return []
        for route in self.routes.values():
            if route.controller in controllers and not self.opted_out(route.obj):
                carried = self.websocket_signals(route.obj)
                if carried:
                    return [f"proxies {route.obj.kind} {route.obj.name} ({carried[0]})"]
        return []

    def _service_signals(self, service: KObject, include_workloads: bool) -> list[str]:
        # Each is asked for by every workload, Service and route near it: computed once, and
        # handed out as a copy (callers extend what they get).
        return list(self.memo(("service-signals", id(service), include_workloads),
                              lambda: list(self._service_signals_uncached(service,
                                                                          include_workloads))))

    def _service_signals_uncached(self, service: KObject, include_workloads: bool
                                  ) -> Iterator[str]:
        if self.opted_out(service):
            return
        if service.annotations.get(WEBSOCKET_ANNOTATION) == "true":
            yield f'annotation {WEBSOCKET_ANNOTATION}: "true"'
        if is_websocket_name(service.name):
            yield f"named {service.name}"
        for port in self.service_ports(service):
            if port.app_protocol in WEBSOCKET_APP_PROTOCOLS:
                yield f"port appProtocol {port.app_protocol}"
            elif is_websocket_port_name(port.name):
                yield f"port named {port.name}"
        for route, backend in self.routes_to(service):
            if not self.opted_out(route.obj):
                yield from self._route_signals(route, backend)
        if include_workloads:
            for workload in self.workloads_for(service):
                if not self.opted_out(workload.obj) and self._reaches_web_port(service, workload):
                    for signal in self._workload_own_signals(workload):
                        yield f"{workload.obj.kind} {workload.obj.name}: {signal}"

    def _reaches_web_port(self, service: KObject, workload: Workload) -> bool:
        """Whether the Service reaches the port a workload's own signals (its image, name,
        environment) speak of: a port that may carry WebSockets, and of a workload listening on
        several client ports, one that looks like its web port or that the Service names
        without the workload declaring it."""
        ports = [p for p in self.service_ports(service) if p.may_carry_websockets()]
        declared = [p for c in workload.containers() for p in c.ports()
                    if p.may_carry_client_traffic()]
        if not ports or len(declared) <= 1:
            return bool(ports)
        for port in ports:
            matched = [p for p in declared if port.reaches(p)]
            if not matched or any(is_web_port(p) for p in matched) or \
                    is_websocket_port_name(port.name):
                return True
        return False

    def _workload_own_signals(self, workload: Workload) -> list[str]:
        return list(self.memo(("own-signals", id(workload.obj)),
                              lambda: self._workload_own_signals_uncached(workload)))

    def _workload_own_signals_uncached(self, workload: Workload) -> list[str]:
        """What the workload itself says: the annotation, its name, WebSocket port names, the
        image of a known WebSocket server, environment variables configuring one."""
        signals = []
        if workload.annotation(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f'annotation {WEBSOCKET_ANNOTATION}: "true"')
        if workload.obj.name in WEBSOCKET_WORKLOAD_NAMES:
            signals.append(f"known server {workload.obj.name}")
        elif is_websocket_name(workload.obj.name):
            signals.append(f"named {workload.obj.name}")
        for container in workload.containers():
            signals += [f"container port named {p.name}" for p in container.ports()
                        if is_websocket_port_name(p.name)]
            image = container.data.get("image")
            known = image_matches(image, self.settings.websocket_images)
            if known and known in WEBSOCKET_SINCE and older_than(image, WEBSOCKET_SINCE[known]):
                known = None  # a version from before it held any
            if known:
                signals.append(f"image {known}")
            elif isinstance(image, str) and is_websocket_name(image_repository(image).rsplit("/")[-1]):
                signals.append(f"image {image_repository(image)}")
            signals += [f"env {item['name']}" for item in dig_list(container.data, "env")
                        if isinstance(item, dict) and is_websocket_env_name(item.get("name"))]
        return signals

    def route_signals(self, route: Route, backend: Backend) -> list[str]:
        """The WebSocket signals a route gives for one of its backends."""
        return [] if self.opted_out(route.obj) else self._route_signals(route, backend)

    def _route_signals(self, route: Route, only: Backend | None = None) -> list[str]:
        return list(self.memo(("route-signals", id(route.obj), id(only)),
                              lambda: self._route_signals_uncached(route, only)))

    def _route_signals_uncached(self, route: Route, only: Backend | None = None) -> list[str]:
        """Route-level WebSocket enablement and WebSocket-looking paths, for one backend or all."""
        obj = route.obj
        signals = []
        if obj.annotations.get(WEBSOCKET_ANNOTATION) == "true":
            signals.append(f"{obj.kind} {obj.name}: annotation {WEBSOCKET_ANNOTATION}")
        if is_websocket_name(obj.name):
            signals.append(f"{obj.kind} {obj.name}: named {obj.name}")
        for backend in route.backends if only is None else [only]:
            for profile in PROFILES:
                if profile.websocket_signals is not None:
                    signals += profile.websocket_signals(route, backend)
            if is_websocket_path(backend.http_path):
                signals.append(f"{obj.kind} {obj.name}: path {backend.http_path}")
        return signals

    def polling_clients(self, workload: Workload) -> list[str]:
        """Why clients of the workload may fall back to HTTP long-polling (Socket.IO, SockJS,
        SignalR), whose requests must reach the pod holding the session: their paths on routes
        to it, or names of its ports, environment, Services or itself."""
        return self.memo(("polling", id(workload.obj)), lambda: self._polling_clients(workload))

    def _polling_clients(self, workload: Workload) -> list[str]:
        found = []
        if is_polling_name(workload.obj.name):
            found.append(f"named {workload.obj.name}")
        for container in workload.containers():
            found += [f"container port named {p.name}" for p in container.ports()
                      if is_polling_name(p.name)]
            found += [f"env {item['name']}" for item in dig_list(container.data, "env")
                      if isinstance(item, dict) and is_polling_name(item.get("name"))]
        for service in self.services_for(workload):
            found += [f"Service {service.name}: port named {p.name}"
                      for p in self.service_ports(service) if is_polling_name(p.name)]
            found += [f"{route.obj.kind} {route.obj.name}: path {backend.http_path}"
                      for route, backend in self.routes_to(service)
                      if is_polling_path(backend.http_path)]
        return found

    def heartbeat(self, workload: Workload) -> int | None:
        """The longest a WebSocket to the workload stays silent, when its server is known to send
        its own pings (Socket.IO, SockJS, SignalR; Home Assistant, Hasura, Grafana): seconds."""
        return self.memo(("heartbeat", id(workload.obj)), lambda: self._heartbeat(workload))

    def _heartbeat(self, workload: Workload) -> int | None:
        known = [SERVER_HEARTBEATS[image] for c in workload.containers()
                 if (image := image_matches(c.data.get("image"), tuple(SERVER_HEARTBEATS)))]
        if self.polling_clients(workload):  # Socket.IO, SockJS or SignalR (a `/hubs` path)
            known.append(POLLING_HEARTBEAT)
        return min(known) if known else None

    def route_heartbeat(self, route: Route) -> int | None:
        """The heartbeat every backend of the route that carries WebSockets has (None when one
        has none known)."""
        needed = {id(s) for b in self.backends_needing_websockets(route)
                  for s in self.find_services(b.service, b.namespace)}
        beats = [self.heartbeat(w) for s in self._reached.get(id(route.obj), ())
                 if id(s) in needed for w in self.workloads_for(s)]
        return max(beats) if beats and None not in beats else None

    def service_heartbeat(self, service: KObject) -> int | None:
        """The heartbeat every workload behind the Service has (None when one has none known)."""
        beats = [self.heartbeat(w) for w in self.workloads_for(service)]
        return max(beats) if beats and None not in beats else None

    def backends_needing_websockets(self, route: Route) -> list[Backend]:
        """The backends of a route that must carry WebSockets: all of them with scope `all`;
        with scope `detected`, those whose path or Service shows a WebSocket signal."""
        return list(self.memo(("backends-needing-websockets", id(route.obj)),
                              lambda: self._backends_needing_websockets(route)))

    def _backends_needing_websockets(self, route: Route) -> list[Backend]:
        needed = []
        for backend in route.backends:
            services = self.find_services(backend.service, backend.namespace)
            if any(self.opted_out(s) for s in services):
                continue
            if self.settings.websocket_scope == "all" or is_websocket_path(backend.http_path) or \
                    any(self.has_websocket_signal(s) for s in services):
                needed.append(backend)
        if not needed and self.settings.websocket_scope != "all" and \
                self.has_websocket_signal(route.obj):
            needed = list(route.backends)
        return needed
