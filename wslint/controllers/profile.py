"""What wslint knows about one controller, as one `Profile`: how it is detected, the route kinds
it serves by their kind alone, the objects it reads beside them, how WebSockets pass it, its
timeouts, its stickiness, whether it sends traffic past the Service, and the checks that read its
own keys. Rules ask the profiles (see `wslint.controllers.registry`) instead of switching on
controller ids; `docs/controllers.md` is generated from the same data.

Below the profile, the small toolkit the controller modules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from wslint.controllers.durations import seconds_text
from wslint.k8s.objects import Workload, WorkloadKind
from wslint.k8s.routes import Backend, Route
from wslint.model import Applicability, Edit, Fix, KObject, Problem

if TYPE_CHECKING:  # the graph sits above the controllers and is handed to their functions
    from wslint.graph import Graph

Extractor = Callable[[KObject], "list[Backend]"]
# A check a profile contributes to a rule: for a route it serves, `(route, ctx)`; for any object
# of a kind (a Service, a ConfigMap, an attached policy), `(obj, ctx)`. Both yield Problems.
RouteCheck = Callable[[Route, Any], Iterator[Problem]]
ObjectCheck = Callable[[KObject, Any], Iterator[Problem]]


@dataclass(frozen=True)
class RouteKind:
    """An object kind that sends client traffic to Services, and how its backends are listed."""

    group: str  # API group ("" for the core group)
    kind: str
    extract: Extractor
    reads: str  # what wslint reads of it, for the docs
    # Stickiness the kind itself configures for a backend (e.g. an IngressRoute's sticky cookie),
    # whichever controller serves it, unless that controller ignores the rule field holding it.
    stickiness: Callable[[Route, Backend], list[str]] | None = None
    stickiness_field: str | None = None


@dataclass(frozen=True)
class AttachedKind:
    """An object kind a controller reads beside its routes (a policy attached to a Service)."""

    group: str
    kind: str
    reads: str  # how it attaches and what wslint reads of it, for the docs


@dataclass(frozen=True)
class TimeoutSpec:
    """One timeout a controller applies to WebSockets, for the docs."""

    key: str
    where: str  # the object it is written on
    unit: str
    default: str


@dataclass(frozen=True)
class IgnoredField:
    """A field of an HTTPRoute rule (`spec.rules[]`) that an implementation does not apply
    (WS107), and what to write instead."""

    field: str
    what_instead: str  # what the implementation does instead, for messages and the docs
    fix: Callable[[Route, int], Fix]  # the fix for the rule at this index
    # Whether it is ignored for this route (e.g. only without NGINX Plus); None: always.
    ignored: Callable[[Route, "Graph"], bool] | None = None


@dataclass(frozen=True)
class SidecarDrain:
    """How long a mesh's sidecar proxy keeps a pod's connections once the pod is told to stop
    (WS206), as one workload's manifest sets it."""

    mesh: str  # how messages name the mesh
    proxy_container: str  # the name of the proxy's container (not the application's)
    setting: str  # the setting's name, for messages
    seconds: float  # the effective duration
    stated: str  # how the message states it: "is 20s", "is unset (so 5s)"
    path: tuple  # where the finding points, in the workload
    fix: Callable[[float], Fix]  # the fix for a needed duration, in seconds


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    short_title: str = ""  # how messages name it in passing ("Kong"); the title when unset
    # Detection: IngressClass `spec.controller` / GatewayClass `controllerName` values (a trailing
    # "/" matches any value with that prefix), well-known class names, annotation prefixes.
    class_controllers: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    annotation_prefixes: tuple[str, ...] = ()
    # GatewayClass names it is installed under by convention, for Gateways whose GatewayClass
    # object is not in the input (a cloud's classes live in the cluster only); a trailing "*"
    # matches any name with that prefix.
    gateway_class_names: tuple[str, ...] = ()
    # API groups (a suffix such as "openshift.io") whose objects say the input is for this
    # controller's platform: there it serves the Ingresses that name no class.
    platform_api_groups: tuple[str, ...] = ()
    # Images of the controller's own proxy: such a workload keeps no application session.
    proxy_images: tuple[str, ...] = ()
    # The readinessProbe that proxy answers itself, with what it needs turned on (WS201's fix
    # for a container of it, where a guessed endpoint would go through its own routing).
    readiness_probe: str = ""
    # Route kinds this controller serves by their kind alone, and the kinds it reads beside them.
    route_kinds: tuple[RouteKind, ...] = ()
    attached_kinds: tuple[AttachedKind, ...] = ()
    # Kinds of its own that run pods (a Knative Service): workloads beside Kubernetes' own.
    workload_kinds: tuple[WorkloadKind, ...] = ()
    # Annotations selecting a backend protocol, with the values that cannot carry an upgrade
    # (gRPC, HTTP/2): a route so marked carries no WebSockets.
    backend_protocols: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How WebSockets pass (docs), and what a route of it says about a backend carrying them.
    websockets: str = "built in"
    websocket_signals: Callable[[Route, Backend], list[str]] | None = None
    timeouts: tuple[TimeoutSpec, ...] = ()
    # Whether the timeout its routes are judged by (WS102) caps a connection's whole life (AGIC,
    # Knative) rather than its idle time: a server's own pings then do not keep it open.
    caps_lifetime: bool = False
    # What the docs must say although no rule can check it (a cluster-wide setting).
    notes: str = ""
    # HTTPRoute rule fields it does not apply (WS107; their stickiness does not count either).
    ignored_route_fields: tuple[IgnoredField, ...] = ()
    # Stickiness: what the docs say; what a route it serves sets for a backend; what a Service
    # (or objects attached to it) sets; annotations honoured on any route or Service carrying
    # them; and the fix WS301 offers when the controller is in front.
    stickiness: str = ""
    route_stickiness: Callable[[Route, Backend], list[str]] | None = None
    service_stickiness: Callable[[KObject, "Graph"], list[str]] | None = None
    annotation_stickiness: Callable[[KObject], list[str]] | None = None
    sticky_fix: Callable[[list[tuple[Route, Backend]], list[KObject]], Fix | None] | None = None
    # Whether it sends a backend's traffic to pod IPs, past the Service (docs, test, WS302's fix).
    routes_to_pods: str = ""
    bypasses_service: Callable[[Route, Backend, KObject], bool] | None = None
    bypass_fix: Callable[[Route], Fix] | None = None
    # Annotations it reads only from the Service, or only from its own ConfigMap, never from a
    # route (WS104).
    service_only_annotations: tuple[str, ...] = ()
    configmap_only_annotations: tuple[str, ...] = ()
    # For a service mesh: its sidecar's drain on shutdown, when it injects one into the
    # workload's pods (WS206).
    sidecar_drain: Callable[[Workload, "Graph"], SidecarDrain | None] | None = None
    # The checks it contributes: rule code -> object kind -> check. `route_checks` run on the
    # routes it serves; `object_checks` on every object of the kind (they decide themselves).
    route_checks: Mapping[str, Mapping[str, RouteCheck]] = field(default_factory=dict)
    object_checks: Mapping[str, Mapping[str, ObjectCheck]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.short_title or self.title


# --- the toolkit controller modules share ----------------------------------------------------

def annotation_path(key: str) -> tuple:
    return ("metadata", "annotations", key)


def split_list(value: str | None) -> list[str]:
    """A comma-separated annotation value."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class Timeout:
    """One effective timeout: its value in seconds, and where it comes from (a path in `obj`,
    or None for the controller's default)."""

    key: str
    seconds: float
    obj: KObject | None = None
    path: tuple | None = None


IDLE_CUT = "an idle WebSocket is closed when it runs out, and clients must reconnect"


def too_short_problem(obj: KObject, found: list[Timeout], what: str, fix: Fix,
                      controller: str | None, minimum: int, consequence: str) -> Problem:
    explicit = [t for t in found if t.path is not None and t.obj is obj]
    path = explicit[0].path if explicit else ("metadata", "annotations")
    parts = [f"{t.key} is {seconds_text(t.seconds)}" + ("" if t.path else " (the default)")
             for t in found]
    return Problem(
        path, f"{obj.ref}: {what}: {', '.join(parts)}, below {seconds_text(minimum)}; "
              f"{consequence}", fix, controller=controller)


def raise_edits(short: list[Timeout], value: str) -> tuple[Edit, ...]:
    """Edits setting each too-short annotation timeout (explicit or defaulted) to `value`."""
    return tuple(Edit.set(annotation_path(t.key), value) for t in short)


def rewrite_fix(description: str, key: str, value: str, understood: float | None) -> Fix:
    """The same duration written in the form the controller reads is safe; a value nothing
    could read is replaced by a suggestion, which changes the timeout: unsafe."""
    return Fix(description, f'{key}: "{value}"',
               None if understood else Applicability.UNSAFE, (Edit.set(annotation_path(key), value),))


def unlisted(route: Route, annotation: str, listed: list[str], missing: list[str], message: str,
             fix: str) -> Problem:
    """A route's comma-separated list annotation lacks `missing`: the fix appends them."""
    value = ",".join(listed + missing)
    return Problem(annotation_path(annotation), message,
                   Fix(fix, f'{annotation}: "{value}"',
                       edits=(Edit.set(annotation_path(annotation), value),)),
                   controller=route.controller)


def annotate(objects: list[KObject], annotations: dict[str, str]) -> tuple[Edit, ...]:
    """Edits setting `annotations` on each of `objects` (once per object)."""
    distinct = list({id(obj): obj for obj in objects}.values())
    return tuple(Edit.set(("metadata", "annotations", key), value, obj)
                 for obj in distinct for key, value in annotations.items())


def set_on_backends(routes: list[tuple[Route, Backend]], kind: str, key: str,
                    value: dict) -> tuple[Edit, ...]:
    """`key: value` on each route rule of this kind that holds a backend (once per rule)."""
    rules = {(id(r.obj), b.group): (r.obj, b.group) for r, b in routes if r.obj.kind == kind}
    return tuple(Edit.set(group + (key,), value, obj) for obj, group in rules.values())
