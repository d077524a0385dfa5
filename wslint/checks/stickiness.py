"""Stickiness that does not do what it says: Service ClientIP affinity behind a controller that
balances to pod IPs itself (WS302), ALB stickiness on instance targets (WS304)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.checks.affinity import route_stickiness, service_stickiness
from wslint.checks.upgrade import annotation_path
from wslint.checks.timeouts import ALB_TG_ATTRIBUTES, alb_attributes
from wslint.controllers.detect import controller_title
from wslint.model import Fix, KObject, Problem, Related, dig
from wslint.k8s.routes import Backend, Route

checks = CheckSet()

SERVICE_UPSTREAM = "nginx.ingress.kubernetes.io/service-upstream"
TRAEFIK_NATIVE_LB = "traefik.ingress.kubernetes.io/service.nativelb"
ALB_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"


def _bypasses_service(route: Route, backend: Backend, service: KObject) -> bool:
    """Whether the controller sends this backend's traffic to pod IPs, past the Service."""
    if route.controller == "ingress-nginx" and route.obj.kind == "Ingress":
        return route.obj.annotations.get(SERVICE_UPSTREAM) != "true"
    if route.controller == "traefik":
        if route.obj.kind == "IngressRoute":
            return dig(route.obj.data, *backend.group, "nativeLB") is not True
        return service.annotations.get(TRAEFIK_NATIVE_LB) != "true"
    return False


@checks("WS302")
def service_affinity_bypassed(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    if obj.get("spec", "sessionAffinity") != "ClientIP":
        return
    workloads = graph.workloads_for(obj)
    if workloads and all((graph.max_pods(w) or 2) <= 1 for w in workloads):
        return  # one pod: nothing to stick to
    if len(service_stickiness(obj, graph)) > 1:
        return  # another layer is sticky too
    bypassing = [(route, backend) for route, backend in graph.routes_to(obj)
                 if _bypasses_service(route, backend, obj)
                 and not route_stickiness(route, backend)]
    if not bypassing:
        return
    route = bypassing[0][0]
    if route.controller == "ingress-nginx":
        fix = Fix(f"pin clients with a cookie on {route.obj.ref} (ingress-nginx balances to pod "
                  f"IPs itself)", 'nginx.ingress.kubernetes.io/affinity: "cookie"\n'
                  'nginx.ingress.kubernetes.io/affinity-mode: "persistent"')
    elif route.obj.kind == "IngressRoute":
        fix = Fix(f"add a sticky cookie to the service entry of {route.obj.ref}",
                  "sticky:\n  cookie:\n    name: session\n    httpOnly: true")
    else:
        fix = Fix("enable Traefik's sticky cookie on this Service (Traefik balances to pod IPs "
                  "itself)", 'traefik.ingress.kubernetes.io/service.sticky.cookie: "true"')
    names = ", ".join(dict.fromkeys(str(r.obj.ref) for r, _ in bypassing))
    yield Problem(
        ("spec", "sessionAffinity"),
        f"{obj.ref}: sessionAffinity ClientIP is the only stickiness, but "
        f"{controller_title(route.controller)} sends {names}'s traffic straight to pod IPs, "
        f"past the Service, so the affinity never applies and clients land on any pod",
        fix, related=tuple(Related(r.obj, b.path, "sends traffic to pod IPs")
                           for r, b in bypassing), controller=route.controller)


def _sticky(obj: KObject) -> bool:
    value = obj.annotations.get(ALB_TG_ATTRIBUTES)
    if value is None:
        return False
    pairs, _ = alb_attributes(value)
    return pairs.get("stickiness.enabled", "").lower() == "true"


@checks("WS304")
def alb_stickiness_needs_ip_target(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    """Service annotations win over the Ingress's (AWS Load Balancer Controller docs); the
    target type defaults to instance."""
    graph = ctx.graph
    if not _sticky(obj):
        return
    if obj.kind == "Ingress":
        route = graph.route(obj)
        if route is None or route.controller != "aws-alb":
            return
        services = [s for b in route.backends for s in graph.find_services(b.service, b.namespace)
                    if graph.related(obj, s) and ALB_TG_ATTRIBUTES not in s.annotations]
        types = {s.annotations.get(ALB_TARGET_TYPE, obj.annotations.get(ALB_TARGET_TYPE, "instance"))
                 for s in services} or {obj.annotations.get(ALB_TARGET_TYPE, "instance")}
        controller = route.controller
    else:
        routes = [r for r, _ in graph.routes_to(obj) if r.controller == "aws-alb"]
        own = obj.annotations.get(ALB_TARGET_TYPE)
        types = {own or r.obj.annotations.get(ALB_TARGET_TYPE, "instance") for r in routes} \
            or {own or "instance"}
        controller = "aws-alb"
    wrong = sorted(t for t in types if t != "ip")
    if not wrong:
        return
    yield Problem(
        annotation_path(ALB_TG_ATTRIBUTES),
        f"{obj.ref}: ALB target-group stickiness is enabled, but the target type is "
        f"{' / '.join(wrong)}: stickiness works only with target-type ip, so requests still "
        f"spread across pods",
        Fix("route the ALB to pod IPs", f"{ALB_TARGET_TYPE}: ip"), controller=controller)
