"""Stickiness that does not do what it says: Service ClientIP affinity behind a controller that
balances to pod IPs itself (WS302), ALB stickiness on instance targets (WS304)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.clouds.registry import cloud_of, load_balancer_stickiness
from wslint.controllers import aws_alb
from wslint.controllers.profile import annotation_path
from wslint.controllers.registry import (controller_title, profile_of, route_stickiness,
                                         service_stickiness)
from wslint.k8s.routes import Backend, Route
from wslint.model import Fix, KObject, Problem, Related

checks = CheckSet()


def _bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    """Whether the controller sends this backend's traffic to pod IPs, past the Service."""
    profile = profile_of(route.controller)
    return profile is not None and profile.bypasses_service is not None and \
        profile.bypasses_service(route, backend, service)


@checks("WS302")
def service_affinity_bypassed(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    if obj.get("spec", "sessionAffinity") != "ClientIP":
        return
    workloads = graph.workloads_for(obj)
    if workloads and all((graph.max_pods(w) or 2) <= 1 for w in workloads):
        return  # one pod: nothing to stick to
    if len(service_stickiness(obj, graph)) + len(load_balancer_stickiness(obj)) > 1:
        return  # another layer is sticky too
    bypassing = [(route, backend) for route, backend in graph.routes_to(obj)
                 if _bypasses_service(route, backend, obj)
                 and not route_stickiness(route, backend, graph)]
    if not bypassing:
        yield from _load_balancer_ignores_affinity(obj, ctx)
        return
    route = bypassing[0][0]
    fix = profile_of(route.controller).bypass_fix(route)
    names = ", ".join(dict.fromkeys(str(r.obj.ref) for r, _ in bypassing))
    yield Problem(
        ("spec", "sessionAffinity"),
        f"{obj.ref}: sessionAffinity ClientIP is the only stickiness, but "
        f"{controller_title(route.controller)} sends {names}'s traffic straight to pod IPs, "
        f"past the Service, so the affinity never applies and clients land on any pod",
        fix, related=tuple(Related(r.obj, b.path, "sends traffic to pod IPs")
                           for r, b in bypassing), controller=route.controller)


def _load_balancer_ignores_affinity(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    """A LoadBalancer Service whose cloud load balancer does not keep a client on one node (or
    skips the nodes), so kube-proxy's affinity cannot pin it to a pod."""
    detection = cloud_of(obj, ctx.settings.default_cloud)
    ignored = detection.cloud.affinity_ignored if detection is not None else None
    reason = ignored(obj) if ignored is not None else None
    if reason is None:
        return
    fix = detection.cloud.sticky_fix(obj) if detection.cloud.sticky_fix is not None else None
    yield Problem(
        ("spec", "sessionAffinity"),
        f"{obj.ref}: sessionAffinity ClientIP is the only stickiness, but {reason}",
        Fix(fix.description, fix.snippet) if fix is not None else None)  # this rule only shows


@checks("WS304")
def alb_stickiness_needs_ip_target(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    """Service annotations win over the Ingress's (AWS Load Balancer Controller docs); the
    target type defaults to instance."""
    graph = ctx.graph
    if not aws_alb.sticky(obj):
        return
    if obj.kind == "Ingress":
        route = graph.route(obj)
        if route is None or route.controller != aws_alb.ID:
            return
        services = [s for b in route.backends for s in graph.find_services(b.service, b.namespace)
                    if graph.related(obj, s) and aws_alb.TG_ATTRIBUTES not in s.annotations]
        types = {s.annotations.get(aws_alb.TARGET_TYPE, obj.annotations.get(aws_alb.TARGET_TYPE, "instance"))
                 for s in services} or {obj.annotations.get(aws_alb.TARGET_TYPE, "instance")}
        controller = route.controller
    else:
        routes = [r for r, _ in graph.routes_to(obj) if r.controller == aws_alb.ID]
        own = obj.annotations.get(aws_alb.TARGET_TYPE)
        types = {own or r.obj.annotations.get(aws_alb.TARGET_TYPE, "instance") for r in routes} \
            or {own or "instance"}
        controller = aws_alb.ID
    wrong = sorted(t for t in types if t != "ip")
    if not wrong:
        return
    yield Problem(
        annotation_path(aws_alb.TG_ATTRIBUTES),
        f"{obj.ref}: ALB target-group stickiness is enabled, but the target type is "
        f"{' / '.join(wrong)}: stickiness works only with target-type ip, so requests still "
        f"spread across pods",
        Fix("route the ALB to pod IPs", f"{aws_alb.TARGET_TYPE}: ip"), controller=controller)
