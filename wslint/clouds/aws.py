"""Amazon Web Services. A `type: LoadBalancer` Service gets a classic ELB from the AWS cloud
provider (idle timeout 60 s), or an NLB: `aws-load-balancer-type: nlb` (the cloud provider, or
the AWS Load Balancer Controller when its webhook takes the Service), `external` or `nlb-ip`, or
`loadBalancerClass: service.k8s.aws/nlb` (the AWS Load Balancer Controller). An NLB's TCP idle
timeout is 350 s, set per listener; a TLS listener's stays at 350 s. The AWS Load Balancer
Controller's IP targets (ALB Ingresses and NLB Services with target type `ip`) drain for the
target group's deregistration delay, and rollouts need its pod readiness gate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.clouds.profile import (Cloud, IdleTimeout, PodTargets, TimeoutKey, annotation_path,
                                   clamp, rewrite_fix, whole_number)
from wslint.controllers import aws_alb
from wslint.controllers.durations import go_duration
from wslint.k8s.objects import ServicePort, service_ports
from wslint.model import Edit, Fix, KObject, Problem

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "aws"
PREFIX = "service.beta.kubernetes.io/aws-load-balancer-"
LB_TYPE = PREFIX + "type"
NLB_TARGET_TYPE = PREFIX + "nlb-target-type"
CLASSIC_IDLE = PREFIX + "connection-idle-timeout"
LISTENER_ATTRIBUTES = PREFIX + "listener-attributes."  # + `TCP-80`: one listener's attributes
TARGET_GROUP_ATTRIBUTES = PREFIX + "target-group-attributes"
SSL_CERT = PREFIX + "ssl-cert"
SSL_PORTS = PREFIX + "ssl-ports"
NLB_CLASS = "service.k8s.aws/nlb"
# Types only the AWS Load Balancer Controller reconciles (the cloud provider leaves them to it).
CONTROLLER_TYPES = ("external", "nlb-ip")
TCP_IDLE = "tcp.idle_timeout.seconds"
CLASSIC_DEFAULT, CLASSIC_RANGE = 60, (1, 3600)
NLB_DEFAULT, NLB_RANGE = 350, (60, 6000)
DEREGISTRATION = "deregistration_delay.timeout_seconds"
DEREGISTRATION_DEFAULT = 300
READINESS_GATE = ("elbv2.k8s.aws/pod-readiness-gate-inject", "enabled")
STICKY_NLB = {"stickiness.enabled": "true", "stickiness.type": "source_ip"}


# --- which load balancer ---------------------------------------------------------------------

def by_controller(service: KObject) -> bool:
    """Whether the AWS Load Balancer Controller surely makes the Service's NLB."""
    return service.get("spec", "loadBalancerClass") == NLB_CLASS or \
        service.annotations.get(LB_TYPE) in CONTROLLER_TYPES


def is_nlb(service: KObject) -> bool:
    return by_controller(service) or service.annotations.get(LB_TYPE) == "nlb"


def ip_targets(service: KObject) -> bool:
    """An NLB of the AWS Load Balancer Controller that targets pod IPs."""
    return by_controller(service) and (service.annotations.get(LB_TYPE) == "nlb-ip" or
                                       service.annotations.get(NLB_TARGET_TYPE) == "ip")


def _why_nlb(service: KObject) -> str:
    if service.get("spec", "loadBalancerClass") == NLB_CLASS:
        return f"loadBalancerClass {NLB_CLASS}"
    return f"{LB_TYPE}: {service.annotations.get(LB_TYPE)}"


def _websocket_ports(service: KObject) -> list[ServicePort]:
    return [p for p in service_ports(service)
            if p.protocol == "TCP" and p.port is not None and p.may_carry_websockets()]


def _tls(service: KObject, port: ServicePort) -> bool:
    """Whether the NLB's listener for this port is TLS: a certificate is set, and `ssl-ports`
    names the port (unset: every port; `*` is every port for the cloud provider, none for the
    AWS Load Balancer Controller)."""
    if not service.annotations.get(SSL_CERT):
        return False
    listed = service.annotations.get(SSL_PORTS, "").strip()
    if not listed or (listed == "*" and not by_controller(service)):
        return True
    names = {item.strip() for item in listed.split(",")}
    return str(port.port) in names or port.name in names


def _listener_key(port: ServicePort) -> str:
    return f"{LISTENER_ATTRIBUTES}TCP-{port.port}"


def _tcp_idle(value: str) -> tuple[dict[str, str], int | None, str | None]:
    """A listener's attributes, its TCP idle timeout if set, and what AWS would refuse in them."""
    pairs, malformed = aws_alb.attributes(value)
    if malformed:
        return pairs, None, malformed
    if TCP_IDLE not in pairs:
        return pairs, None, None
    seconds = whole_number(pairs[TCP_IDLE])
    if seconds is None:
        return pairs, None, f'{TCP_IDLE} is "{pairs[TCP_IDLE]}", not a whole number of seconds'
    if not NLB_RANGE[0] <= seconds <= NLB_RANGE[1]:
        return pairs, None, (f"{TCP_IDLE} is {seconds}, outside the {NLB_RANGE[0]}-{NLB_RANGE[1]} "
                             f"seconds AWS accepts")
    return pairs, seconds, None


def _listener_fix(key: str, pairs: dict[str, str], seconds: int) -> Fix:
    merged = {**pairs, TCP_IDLE: str(seconds)}
    value = ",".join(f"{k}={v}" for k, v in merged.items())
    return Fix(f"set the NLB listener's TCP idle timeout to {seconds} seconds (read by the AWS "
               f"Load Balancer Controller, v2.9 and later; AWS accepts {NLB_RANGE[0]}-"
               f"{NLB_RANGE[1]})", f"{key}: {value}", edits=(Edit.set(annotation_path(key), value),))


# --- WS106: idle timeouts --------------------------------------------------------------------

def idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    if is_nlb(service):
        return _nlb_idle_timeouts(service, minimum)
    raw = service.annotations.get(CLASSIC_IDLE)
    seconds = CLASSIC_DEFAULT if raw is None else whole_number(raw)
    if seconds is None or not CLASSIC_RANGE[0] <= seconds <= CLASSIC_RANGE[1]:
        return []  # refused: WS103's finding
    value = min(minimum, CLASSIC_RANGE[1])
    fix = rewrite_fix(CLASSIC_IDLE, value, True,
                      f"set the classic ELB's idle timeout to {value} seconds (whole seconds, at "
                      f"most {CLASSIC_RANGE[1]})")
    if raw is not None:
        return [IdleTimeout("the classic ELB's idle timeout", seconds,
                            annotation_path(CLASSIC_IDLE), fix=fix)]
    return [IdleTimeout("the classic ELB's idle timeout", seconds, note=(
        f"the default of {CLASSIC_IDLE}; an NLB's, {NLB_DEFAULT} s, if the AWS Load Balancer "
        f"Controller's webhook takes the Service"), fix=fix)]


def _nlb_idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    found = []
    for port in _websocket_ports(service):
        if _tls(service, port):
            found.append(IdleTimeout(
                f"the NLB's idle timeout on TLS listener TLS-{port.port}", NLB_DEFAULT,
                note="fixed for TLS listeners", fix=Fix(
                    f"AWS keeps a TLS listener's idle timeout at {NLB_DEFAULT} s: terminate TLS "
                    f"behind the NLB (a TCP listener; TLS at the ingress controller or the pod) "
                    f"to raise it, or have clients ping more often than every {NLB_DEFAULT} s")))
            continue
        key = _listener_key(port)
        raw = service.annotations.get(key)
        pairs, seconds, refused = _tcp_idle(raw) if raw is not None else ({}, None, None)
        if refused:
            continue  # WS103's finding
        fix = _listener_fix(key, pairs, clamp(minimum, *NLB_RANGE))
        what = f"the NLB's idle timeout on listener TCP-{port.port}"
        if seconds is None:
            found.append(IdleTimeout(what, NLB_DEFAULT, fix=fix))
        else:
            found.append(IdleTimeout(what, seconds, annotation_path(key), fix=fix))
    return found


# --- WS103 and WS104: values AWS refuses, keys an NLB never reads -----------------------------

def refused_values(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(CLASSIC_IDLE)
    if raw is not None and not is_nlb(obj):
        seconds = whole_number(raw)
        if seconds is None or not CLASSIC_RANGE[0] <= seconds <= CLASSIC_RANGE[1]:
            meant = seconds if seconds is not None else go_duration(raw)
            value = clamp(meant if meant else CLASSIC_DEFAULT, *CLASSIC_RANGE)
            why = (f"outside the {CLASSIC_RANGE[0]}-{CLASSIC_RANGE[1]} seconds AWS accepts"
                   if seconds is not None else "not a whole number of seconds")
            yield Problem(
                annotation_path(CLASSIC_IDLE),
                f'{obj.ref}: {CLASSIC_IDLE} is "{raw}", {why}; the AWS cloud provider cannot '
                f"apply it and fails to create or update the Service's load balancer",
                rewrite_fix(CLASSIC_IDLE, value, meant == value,
                            f"write the idle timeout as whole seconds from {CLASSIC_RANGE[0]} to "
                            f"{CLASSIC_RANGE[1]}: {value}"))
    for key, value in obj.annotations.items():
        if not key.startswith(LISTENER_ATTRIBUTES):
            continue
        pairs, _, refused = _tcp_idle(value)
        if refused is None:
            continue
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} is not valid ({refused}); the AWS Load Balancer Controller "
            f"cannot apply the listener's attributes and fails to reconcile the Service",
            Fix(f"write the attributes as comma-separated key=value pairs, with {TCP_IDLE} in "
                f"whole seconds from {NLB_RANGE[0]} to {NLB_RANGE[1]}", f"{key}: {TCP_IDLE}=3600"))


def classic_idle_on_nlb(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(CLASSIC_IDLE)
    if raw is None or not is_nlb(obj):
        return
    tcp = [p for p in _websocket_ports(obj) if not _tls(obj, p)]
    meant = whole_number(raw)
    if tcp:
        key = _listener_key(tcp[0])
        instead = (f"set the NLB's idle timeout per TCP listener instead (AWS Load Balancer "
                   f"Controller v2.9 and later; {NLB_RANGE[0]}-{NLB_RANGE[1]} s; TLS listeners "
                   f"stay at {NLB_DEFAULT} s)",
                   f"{key}: {TCP_IDLE}={clamp(meant or NLB_DEFAULT, *NLB_RANGE)}")
    else:
        instead = (f"its listeners are TLS, whose idle timeout AWS keeps at {NLB_DEFAULT} s", None)
    yield Problem(
        annotation_path(CLASSIC_IDLE),
        f"{obj.ref}: {CLASSIC_IDLE} sets a classic ELB's idle timeout, but this Service gets an "
        f"NLB ({_why_nlb(obj)}); neither the AWS cloud provider's NLB nor the AWS Load Balancer "
        f"Controller reads it, so it does nothing (the NLB's listeners keep their own idle "
        f"timeouts, {NLB_DEFAULT} s by default)",
        Fix(f"remove {CLASSIC_IDLE}; {instead[0]}", instead[1]))


# --- stickiness ------------------------------------------------------------------------------

def service_stickiness(service: KObject) -> list[str]:
    pairs, _ = aws_alb.attributes(service.annotations.get(TARGET_GROUP_ATTRIBUTES, ""))
    if pairs.get("stickiness.enabled", "").lower() == "true":
        return [f"{service.ref} NLB target-group stickiness"]
    return []


def sticky_fix(service: KObject) -> Fix:
    pairs, _ = aws_alb.attributes(service.annotations.get(TARGET_GROUP_ATTRIBUTES, ""))
    value = ",".join(f"{k}={v}" for k, v in {**pairs, **STICKY_NLB}.items())
    snippet = f"{TARGET_GROUP_ATTRIBUTES}: {value}"
    if by_controller(service):
        kept = "" if ip_targets(service) else \
            " (with instance targets keep sessionAffinity: ClientIP too, so that the node's " \
            "kube-proxy picks the same pod)"
        return Fix(f"pin clients by source IP on the NLB's target group{kept}", snippet,
                   edits=(Edit.set(annotation_path(TARGET_GROUP_ATTRIBUTES), value, service),))
    return Fix("serve it through an NLB of the AWS Load Balancer Controller with source-IP "
               "stickiness (set the type when the Service is created: changing it later leaks "
               "the old load balancer); a classic ELB cannot pin TCP clients, and the AWS cloud "
               "provider refuses sessionAffinity on a LoadBalancer Service",
               f"{LB_TYPE}: external\n{NLB_TARGET_TYPE}: ip\n{snippet}")


def affinity_ignored(service: KObject) -> str | None:
    if ip_targets(service):
        return ("the NLB sends traffic straight to pod IPs (target type ip), past kube-proxy, "
                "which is what applies sessionAffinity: clients land on any pod")
    if by_controller(service):
        return ("the AWS Load Balancer Controller ignores sessionAffinity: the NLB picks a node "
                "for each connection and each node's kube-proxy keeps its own affinity, so a "
                "client's connections land on different pods")
    return ("the AWS cloud provider refuses a LoadBalancer Service with sessionAffinity "
            "(\"unsupported load balancer affinity\") and makes no load balancer for it (the AWS "
            "Load Balancer Controller, if its webhook takes the Service, ignores sessionAffinity)")


# --- pod IP targets: drains and readiness gates (WS207, WS406) --------------------------------

def _drain(holder: KObject, key: str) -> tuple[int, bool] | None:
    """The deregistration delay `holder` sets in its target-group attributes `key`, and whether
    it is written there; None when the list is malformed (WS103 says so where wslint reads
    it)."""
    pairs, malformed = aws_alb.attributes(holder.annotations.get(key, ""))
    if malformed:
        return None
    if DEREGISTRATION not in pairs:
        return DEREGISTRATION_DEFAULT, False
    seconds = whole_number(pairs[DEREGISTRATION])
    return (seconds, True) if seconds is not None else None


def _drain_fix(holder: KObject, key: str):
    def fix(seconds: int) -> Fix:
        pairs, _ = aws_alb.attributes(holder.annotations.get(key, ""))
        value = ",".join(f"{k}={v}" for k, v in {**pairs, DEREGISTRATION: str(seconds)}.items())
        return Fix(f"drain targets no longer than the pods live after SIGTERM ({seconds} s), or "
                   f"raise terminationGracePeriodSeconds to cover the drain",
                   f"{key}: {value}")
    return fix


def _targets(load_balancer: str, holder: KObject, services: list[KObject],
             key: str) -> list[PodTargets]:
    drain = _drain(holder, key)
    if drain is None or not services:
        return []
    return [PodTargets(load_balancer, holder, services, drain[0], f"{key}: {DEREGISTRATION}",
                       annotation_path(key), drain[1], _drain_fix(holder, key), READINESS_GATE,
                       "the AWS Load Balancer Controller",
                       aws_alb.ID if key == aws_alb.TG_ATTRIBUTES else None)]


def _alb_target_type(ingress: KObject, service: KObject) -> str:
    """The Service's annotations win over the Ingress's; the default is instance."""
    return service.annotations.get(aws_alb.TARGET_TYPE,
                                   ingress.annotations.get(aws_alb.TARGET_TYPE, "instance"))


def pod_targets(obj: KObject, graph: "Graph") -> list[PodTargets]:
    """For an ALB Ingress: its IP-target Services whose own annotations leave the target-group
    attributes to it. For a Service: the ALB's targets when it sets them itself, its NLB's when
    the AWS Load Balancer Controller targets its pods."""
    if obj.kind == "Ingress":
        route = graph.route(obj)
        if route is None or route.controller != aws_alb.ID:
            return []
        services = [s for b in route.backends for s in graph.find_services(b.service, b.namespace)
                    if graph.related(obj, s) and aws_alb.TG_ATTRIBUTES not in s.annotations
                    and _alb_target_type(obj, s) == "ip"]
        return _targets("the ALB", obj, list({id(s): s for s in services}.values()),
                        aws_alb.TG_ATTRIBUTES)
    if obj.kind != "Service":
        return []
    found = []
    if aws_alb.TG_ATTRIBUTES in obj.annotations and any(
            route.controller == aws_alb.ID and _alb_target_type(route.obj, obj) == "ip"
            for route, _ in graph.routes_to(obj)):
        found += _targets("the ALB", obj, [obj], aws_alb.TG_ATTRIBUTES)
    if obj.get("spec", "type") == "LoadBalancer" and ip_targets(obj):
        found += _targets("the NLB", obj, [obj], TARGET_GROUP_ATTRIBUTES)
    return found


CLOUD = Cloud(
    id=ID,
    title="Amazon Web Services",
    annotation_prefixes=(PREFIX,),
    load_balancer_classes=(NLB_CLASS,),
    timeouts=(
        TimeoutKey("classic ELB (the AWS cloud provider's default)", CLASSIC_IDLE,
                   "whole seconds", str(CLASSIC_DEFAULT), "1-3600"),
        TimeoutKey("NLB (`aws-load-balancer-type: nlb`, `external`, `nlb-ip`, or "
                   f"`loadBalancerClass: {NLB_CLASS}`)",
                   f"{LISTENER_ATTRIBUTES}TCP-<port>: {TCP_IDLE}=N", "whole seconds",
                   f"{NLB_DEFAULT} (a TLS listener's is fixed at {NLB_DEFAULT})", "60-6000"),
    ),
    idle_timeouts=idle_timeouts,
    stickiness=(f"NLB `{TARGET_GROUP_ATTRIBUTES}: stickiness.enabled=true,stickiness.type="
                f"source_ip`; the AWS cloud provider refuses `sessionAffinity` on a LoadBalancer "
                f"Service, and the AWS Load Balancer Controller ignores it"),
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    affinity_ignored=affinity_ignored,
    pod_targets=pod_targets,
    pod_targets_doc=(
        f"ALB Ingresses with `{aws_alb.TARGET_TYPE}: ip` (on the Ingress or the Service) and NLB "
        f"Services of the AWS Load Balancer Controller with `{NLB_TARGET_TYPE}: ip` (or type "
        f"`nlb-ip`); a target drains for `{DEREGISTRATION}` ({DEREGISTRATION_DEFAULT} s by "
        f"default) in `{aws_alb.TG_ATTRIBUTES}` or `{TARGET_GROUP_ATTRIBUTES}`; readiness gates "
        f"are injected into new pods of Namespaces labelled "
        f"`{READINESS_GATE[0]}: {READINESS_GATE[1]}`"),
    service_checks={"WS103": refused_values, "WS104": classic_idle_on_nlb},
    uncertain=(
        f"Whose load balancer a Service without `{LB_TYPE}` or a class gets depends on the "
        f"cluster: the AWS cloud provider makes a classic ELB, but where the AWS Load Balancer "
        f"Controller runs (v2.5 and later, its webhook on by default) it gives such Services its "
        f"class and makes an NLB; the message names both. For the same reason `{LB_TYPE}: nlb` "
        f"with `{NLB_TARGET_TYPE}: ip` is not taken for the controller's IP targets."),
)
