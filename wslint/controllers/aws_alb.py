"""AWS Load Balancer Controller, ALB Ingresses: load balancer and target group attributes as
`key=value` lists (idle timeout 60 s), IngressGroups sharing one ALB, stickiness that needs
`target-type: ip`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from wslint.controllers.durations import integer
from wslint.controllers.profile import (IDLE_CUT, Profile, TimeoutSpec, Timeout, annotation_path,
                                        split_list, too_short_problem)
from wslint.k8s.routes import Route
from wslint.model import Edit, Fix, KObject, Problem

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "aws-alb"
PREFIX = "alb.ingress.kubernetes.io/"
LB_ATTRIBUTES = PREFIX + "load-balancer-attributes"
TG_ATTRIBUTES = PREFIX + "target-group-attributes"
GROUP = PREFIX + "group.name"
TARGET_TYPE = PREFIX + "target-type"
BACKEND_PROTOCOL_VERSION = PREFIX + "backend-protocol-version"
IDLE = "idle_timeout.timeout_seconds"
DEFAULT_IDLE = 60
# Attributes whose values AWS reads as whole seconds.
INTEGER_ATTRIBUTES = (IDLE, "deregistration_delay.timeout_seconds",
                      "stickiness.lb_cookie.duration_seconds",
                      "stickiness.app_cookie.duration_seconds", "slow_start.duration_seconds")


def attributes(value: str) -> tuple[dict[str, str], str | None]:
    """Parse an attribute list the way the controller does (split on commas, each item split at
    its first `=`): the well-formed pairs, and what is malformed, if anything (the controller
    then applies none of the list)."""
    pairs: dict[str, str] = {}
    malformed = None
    for item in split_list(value):
        key, equals, val = item.partition("=")
        if not equals or not key.strip():
            malformed = malformed or f'item "{item}" is not key=value'
            continue
        pairs[key.strip()] = val.strip()
    if malformed:
        return pairs, malformed
    for key in INTEGER_ATTRIBUTES:
        if key in pairs and integer(pairs[key]) is None:
            return pairs, f'{key} is "{pairs[key]}", not a whole number of seconds'
    for key, flag in pairs.items():
        if key.endswith(".enabled") and flag.lower() not in ("true", "false"):
            return pairs, f'{key} is "{flag}", not true or false'
    return pairs, None


def sticky(obj: KObject) -> bool:
    """Whether the object's target-group attributes enable stickiness."""
    pairs, _ = attributes(obj.annotations.get(TG_ATTRIBUTES, ""))
    return pairs.get("stickiness.enabled", "").lower() == "true"


def annotation_stickiness(obj: KObject) -> list[str]:
    """Target-group attributes are read on the Ingress and on the Service alike."""
    return [f"{obj.ref} ALB target-group stickiness"] if sticky(obj) else []


def _group(route: Route, graph: "Graph") -> list[KObject]:
    """The Ingresses of the route's IngressGroup (the route itself when it has none): load
    balancer attributes set on any of them apply to the shared ALB."""
    group = route.obj.annotations.get(GROUP)
    if not group:
        return [route.obj]
    return [r.obj for r in graph.routes.values() if r.controller == ID
            and r.obj.annotations.get(GROUP) == group and graph.related(r.obj, route.obj)]


def idle_timeout_too_short(route: Route, ctx) -> Iterator[Problem]:
    obj, minimum = route.obj, ctx.options["min-seconds"]
    setting = None
    for member in _group(route, ctx.graph):
        raw = member.annotations.get(LB_ATTRIBUTES)
        if raw is None:
            continue
        pairs, malformed = attributes(raw)
        if malformed:
            return  # WS103's finding
        if IDLE in pairs:
            setting = Timeout(IDLE, int(pairs[IDLE]), member, annotation_path(LB_ATTRIBUTES))
            break
    timeout = setting or Timeout(IDLE, DEFAULT_IDLE)
    if timeout.seconds >= minimum or (setting and setting.obj is not obj):
        return  # long enough, or set on another Ingress of the group (reported there)
    current, _ = attributes(obj.annotations.get(LB_ATTRIBUTES, ""))
    current[IDLE] = str(minimum)
    value = ",".join(f"{k}={v}" for k, v in current.items())
    problem = too_short_problem(
        obj, [timeout], "the ALB idle timeout", Fix(
            f"set the load balancer's idle timeout to {minimum} seconds", f"{LB_ATTRIBUTES}: {value}",
            edits=(Edit.set(annotation_path(LB_ATTRIBUTES), value),)),
        route.controller, minimum, IDLE_CUT)
    if setting:
        problem.path = setting.path
    yield problem


def invalid_attributes(obj: KObject, ctx) -> Iterator[Problem]:
    """Malformed attribute lists, on any Ingress or Service carrying them."""
    keys = (LB_ATTRIBUTES, TG_ATTRIBUTES) if obj.kind == "Ingress" else (TG_ATTRIBUTES,)
    for key in keys:
        value = obj.annotations.get(key)
        if value is None:
            continue
        _, malformed = attributes(value)
        if malformed is None:
            continue
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} is malformed ({malformed}); the AWS Load Balancer Controller "
            f"cannot apply the list, so none of its attributes (the idle timeout included) "
            f"take effect",
            Fix("write the attributes as comma-separated key=value pairs with whole numbers of "
                "seconds", f"{key}: {IDLE}=3600" if key == LB_ATTRIBUTES else
                f"{key}: stickiness.enabled=true,stickiness.lb_cookie.duration_seconds=86400"),
            controller=ID)


def invalid_route_attributes(obj: KObject, ctx) -> Iterator[Problem]:
    if ctx.graph.route(obj) is not None:
        yield from invalid_attributes(obj, ctx)


PROFILE = Profile(
    id=ID,
    title="AWS Load Balancer Controller (ALB)",
    class_controllers=("ingress.k8s.aws/",),
    class_names=("alb",),
    annotation_prefixes=(PREFIX,),
    backend_protocols={BACKEND_PROTOCOL_VERSION: ("GRPC", "HTTP2")},
    timeouts=(TimeoutSpec(f"{LB_ATTRIBUTES}: {IDLE}", "Ingress (any of its IngressGroup)",
                          "whole seconds", "60"),),
    stickiness=f"`{TG_ATTRIBUTES}: stickiness.enabled=true` (needs `target-type: ip`)",
    annotation_stickiness=annotation_stickiness,
    route_checks={"WS102": {"Ingress": idle_timeout_too_short}},
    object_checks={"WS103": {"Ingress": invalid_route_attributes, "Service": invalid_attributes}},
)
