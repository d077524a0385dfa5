"""Knative Serving: a Knative `Service` (`serving.knative.dev/v1`) is both a workload (its
`spec.template` is a pod template) and its own route. Knative ends every request after the
revision's `timeoutSeconds`, a WebSocket included, and adds to its pods a readiness probe, a
preStop drain and a grace period of `timeoutSeconds`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import integer, seconds_text
from wslint.controllers.profile import Profile, RouteKind, TimeoutSpec
from wslint.k8s.objects import WorkloadKind
from wslint.k8s.routes import Backend, Route
from wslint.model import Applicability, Edit, Fix, KObject, Problem, dig

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "knative"
GROUP = "serving.knative.dev"
TIMEOUT = ("spec", "template", "spec", "timeoutSeconds")
DEFAULT_TIMEOUT = 300
# The cluster-wide defaults: `revision-timeout-seconds` (300) and the most a revision may ask
# for, `max-revision-timeout-seconds` (600).
CONFIG_DEFAULTS, CONFIG_NAMESPACE = "config-defaults", "knative-serving"
MAX_TIMEOUT = 600


def _service(obj: KObject) -> list[Backend]:
    return []  # it routes to its own revisions, which the input does not hold


def _defaults(graph: "Graph") -> KObject | None:
    found = [c for c in graph.named("ConfigMap", CONFIG_DEFAULTS)
             if c.namespace in (None, CONFIG_NAMESPACE)]
    return found[0] if found else None


def request_timeout(obj: KObject, graph: "Graph") -> tuple[int | None, str]:
    """The revision's request timeout in seconds, and how to state it."""
    written = dig(obj.data, *TIMEOUT)
    if written is not None:
        return integer(written), f"timeoutSeconds is {written}"
    defaults = _defaults(graph)
    configured = integer(dig(defaults.data, "data", "revision-timeout-seconds")) if defaults else None
    if configured is not None:
        return configured, (f"timeoutSeconds is unset, so {defaults.ref}'s "
                            f"revision-timeout-seconds ({configured}) applies")
    return DEFAULT_TIMEOUT, f"timeoutSeconds is unset (so {DEFAULT_TIMEOUT})"


def timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    seconds, stated = request_timeout(obj, ctx.graph)
    if seconds is None or seconds <= 0 or seconds >= minimum:
        return
    path = TIMEOUT if dig(obj.data, *TIMEOUT) is not None else TIMEOUT[:-1]
    yield Problem(
        path,
        f"{obj.ref}: {stated}, below {seconds_text(minimum)}; Knative ends every request at that "
        f"limit, a WebSocket included, however busy it is: each connection is cut after "
        f"{seconds_text(seconds)}",
        Fix(f"raise timeoutSeconds to {minimum}; above the cluster's max-revision-timeout-seconds "
            f"({MAX_TIMEOUT} by default, in the {CONFIG_DEFAULTS} ConfigMap of "
            f"{CONFIG_NAMESPACE}) Knative refuses the revision, so raise that too",
            f"timeoutSeconds: {minimum}", Applicability.UNSAFE,
            (Edit.set(TIMEOUT, minimum),)), controller=ID)


PROFILE = Profile(
    id=ID,
    title="Knative Serving",
    short_title="Knative",
    route_kinds=(RouteKind(GROUP, "Service", _service, "`spec.template` (its own pods), "
                           "`timeoutSeconds`"),),
    workload_kinds=(WorkloadKind("Service", template_path=("spec", "template"),
                                 replicas_path=None, api_group=GROUP, lifecycle_by="Knative"),),
    websockets="built in",
    caps_lifetime=True,
    timeouts=(TimeoutSpec("spec.template.spec.timeoutSeconds", "Knative Service (default: "
                          "`revision-timeout-seconds` of the `config-defaults` ConfigMap)",
                          "whole seconds; a cap on every request's whole life, WebSockets "
                          "included (at most `max-revision-timeout-seconds`, 600)", "300"),),
    notes="Knative adds a readiness probe, a preStop drain and a grace period of "
          "`timeoutSeconds` to its pods, so the rules asking for those (WS201, WS202, WS203) "
          "leave Knative Services alone; it scales them itself and balances through its "
          "activator, so WS301 does not ask them for stickiness.",
    route_checks={"WS102": {"Service": timeout_too_short}},
)
