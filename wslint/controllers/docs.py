"""docs/controllers.md, generated from the controller profiles (`wslint generate-docs`), so the
page says what the code knows and a test fails when it is stale."""

from __future__ import annotations

from wslint.controllers.profile import Profile
from wslint.controllers.registry import PROFILES, ROUTE_KINDS

GENERATED_NOTE = ("<!-- Generated from wslint/controllers/ by `wslint generate-docs`; "
                  "do not edit by hand. -->")

INTRO = """\
# Controllers: which one serves a route, and what wslint knows about it

What breaks WebSockets depends on what fronts the pods, so several rules (WS101, WS102, WS103,
WS104, WS105, WS107, WS108, WS301, WS302, WS304) first decide which controller serves each
route. The decision
is on every finding that depends on it: the `controller` field of `--format json` (for example
`"controller": "ingress-nginx"`), and the message says why when it matters ("served by Traefik,
per its class traefik").

Everything on this page comes from one module per controller in `wslint/controllers/`; adding a
controller means adding its module there (and its fixture cases).
"""

DETECTION = """\
## How the controller of an Ingress is detected

In this order, the first that decides wins:

1. **An IngressClass object in the input** that the Ingress names (`spec.ingressClassName`, else
   the `kubernetes.io/ingress.class` annotation): its `spec.controller`. When the input holds
   several IngressClasses of that name (several clusters in one repository), the one nearest the
   Ingress in the directory tree counts.
2. **A well-known class name** (table below). The names `nginx` and `haproxy` are installed by two
   controllers each (ingress-nginx and NGINX Inc; HAProxy Ingress and HAProxy Technologies'
   controller), so for them the annotation prefixes of a single controller decide first.
3. **Annotation prefixes**, when they belong to a single controller.
4. **The default IngressClass** of the input (`ingressclass.kubernetes.io/is-default-class:
   "true"`).
5. **The configured default controller**: `--default-controller ID`, or `default-controller: ID`
   in the configuration file. Use it when the class lives in the cluster, not in the manifests.
6. **The platform**: an Ingress that names no class, in a directory of the input (or below one)
   that holds objects of OpenShift's API groups (`route.openshift.io`, `apps.openshift.io`,
   ...), is served by the OpenShift router, which converts such Ingresses to Routes.

Otherwise the controller is unknown, and the rules that depend on it say nothing about the route.
WS104 judges "another controller's annotations" only when the class or the configured default
decided (steps 1, 2 except for the shared names, 4 and 5): annotations cannot contradict
themselves.

An HTTPRoute's controller comes from the Gateways its `parentRefs` name (in the input), through
their `gatewayClassName` and that GatewayClass's `spec.controllerName`; when the input holds no
GatewayClass of that name (a cloud's classes live in the cluster only), from the class name
itself where an implementation installs it by convention (column "GatewayClass names" below:
`gke-l7-*` is GKE's); else the configured default. A route of a kind that belongs to one
controller (an HTTPProxy is Contour's, an OpenShift Route the OpenShift router's, a Knative
Service Knative's) is served by that controller.

Policies that attach by `targetRef(s)` (Gateway API policy attachment) are read in the
target's namespace: a policy naming an HTTPRoute applies to that route (a `sectionName`
narrows it to the named rule), one naming a Gateway to every route attached to it (a
`sectionName` to one listener), one naming a Service to that Service's traffic.
"""

OTHER = """\
A `spec.controller` that matches none of these is kept as `other:<value>` (shown in messages and
in the `controller` field), and no controller-specific rule applies to its routes.
"""


def _code(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _routes_table() -> list[str]:
    lines = ["## Routes and the objects attached to them", "",
             "| kind (API group) | what wslint reads | controller |", "|---|---|---|"]
    groups: dict[tuple[str, str | None], list[str]] = {}
    reads: dict[tuple[str, str | None], str] = {}
    for (group, kind), (route_kind, profile) in ROUTE_KINDS.items():
        key = (kind, profile.id if profile else None)
        groups.setdefault(key, []).append(group or "core")
        reads[key] = route_kind.reads
    for (kind, served_by), names in groups.items():
        controller = served_by or ("its Gateways' GatewayClass `controllerName`" if kind == "HTTPRoute"
                                   else "detected (below)")
        lines.append(f"| {kind} ({_code(names)}) | {reads[(kind, served_by)]} | {controller} |")
    for profile in PROFILES:
        for attached in profile.attached_kinds:
            lines.append(f"| {attached.kind} (`{attached.group}`) | {attached.reads} | "
                         f"{profile.id} |")
    lines += ["", "A host in a VirtualService or DestinationRule names a Service when it is "
              "`name`, `name.namespace` or `name.namespace.svc[.cluster.local]`; other hosts "
              "are outside the cluster.", ""]
    return lines


def _controllers_table() -> list[str]:
    lines = ["## Controllers", "",
             "| id | controller | IngressClass `spec.controller` / GatewayClass `controllerName` "
             "| class names | GatewayClass names | annotation prefixes |",
             "|---|---|---|---|---|---|"]
    for profile in PROFILES:
        controllers = [c + "..." if c.endswith("/") else c for c in profile.class_controllers]
        lines.append(f"| `{profile.id}` | {profile.title} | {_code(controllers)} | "
                     f"{_code(profile.class_names)} | {_code(profile.gateway_class_names)} | "
                     f"{_code(profile.annotation_prefixes)} |")
    return lines + ["", OTHER]


def _rules(profile: Profile) -> str:
    codes = set(profile.route_checks) | set(profile.object_checks)
    codes |= {"WS107"} if profile.ignored_route_fields else set()
    codes |= {"WS206"} if profile.sidecar_drain else set()
    codes = sorted(codes)
    return ", ".join(codes) if codes else "none of its own"


def _section(profile: Profile) -> list[str]:
    lines = [f"### {profile.title} (`{profile.id}`)", ""]
    lines.append(f"- **WebSockets**: {profile.websockets}")
    if profile.timeouts:
        lines.append("- **Timeouts**:")
        for timeout in profile.timeouts:
            lines.append(f"  - `{timeout.key}` on the {timeout.where}: {timeout.unit}, "
                         f"default {timeout.default}")
    for ignored in profile.ignored_route_fields:
        lines.append(f"- **Ignores HTTPRoute `rules[].{ignored.field}`** (WS107): "
                     f"{ignored.what_instead}")
    if profile.stickiness:
        lines.append(f"- **Stickiness**: {profile.stickiness}")
    if profile.routes_to_pods:
        lines.append(f"- **Sends traffic to pod IPs, past the Service**: {profile.routes_to_pods}")
    if profile.service_only_annotations:
        lines.append(f"- **Read only from the Service**: {_code(profile.service_only_annotations)}")
    if profile.configmap_only_annotations:
        lines.append(f"- **Read only from its ConfigMap**: "
                     f"{_code(profile.configmap_only_annotations)}")
    for kind in profile.workload_kinds:
        lines.append(f"- **Workloads**: {kind.kind} (`{kind.api_group}`), pod template at "
                     f"`{'.'.join(kind.template_path)}`")
    if profile.readiness_probe:
        lines.append("- **Readiness probe of its own proxy** (WS201's fix):")
        lines += ["", "  ```yaml", *(f"  {line}" for line in profile.readiness_probe.split("\n")),
                  "  ```", ""]
    if profile.notes:
        lines.append(f"- **Note**: {profile.notes}")
    if profile.backend_protocols:
        marks = "; ".join(f"`{key}`: {', '.join(values)}"
                          for key, values in profile.backend_protocols.items())
        lines.append(f"- **Backends that carry no WebSocket**: {marks}")
    lines.append(f"- **Rules with checks of its own**: {_rules(profile)}")
    return lines + [""]


def render_controllers_page() -> str:
    lines = [GENERATED_NOTE, "", INTRO]
    lines += _routes_table()
    lines += [DETECTION]
    lines += _controllers_table()
    lines += ["## What wslint knows about each controller", ""]
    for profile in PROFILES:
        lines += _section(profile)
    lines.append("Each rule's `wslint explain CODE` gives its sources and what is not verified.")
    return "\n".join(lines) + "\n"
