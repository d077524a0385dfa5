"""Annotations that do nothing where they are written: on the wrong object, for another
controller or for another load balancer (WS104), or ingress-nginx snippets that repeat what is built in (WS105)."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.clouds.registry import cloud_problems
from wslint.controllers.detect import controllers_by_annotations
from wslint.controllers.profile import annotation_path
from wslint.controllers.registry import BY_ID, PROFILES, controller_title, profile_problems
from wslint.k8s.routes import Route
from wslint.model import Fix, KObject, Problem

checks = CheckSet()


@lru_cache(maxsize=4096)  # asked for every annotation of every route
def _read_elsewhere(key: str) -> tuple[str, str] | None:
    """Who reads this annotation only from another object than a route, and from which: the
    Service a route points to, or the controller's ConfigMap."""
    for profile in PROFILES:
        for keys, where in ((profile.service_only_annotations, "the Service"),
                            (profile.configmap_only_annotations, "its controller ConfigMap")):
            if any(key == prefix or key.startswith(prefix + ".") for prefix in keys):
                return profile.name, where
    return None


def _service_only(key: str) -> str | None:
    found = _read_elsewhere(key)
    return found[0] if found else None


def _wrong_object(route: Route) -> Iterator[Problem]:
    obj = route.obj
    services = ", ".join(dict.fromkeys(b.service for b in route.backends)) or "the backend Service"
    for key, value in obj.annotations.items():
        found = _read_elsewhere(key)
        if found is None:
            continue
        reader, where = found
        move = (f"move it to the Service's annotations ({services})" if where == "the Service"
                else f"set it in {reader}'s ConfigMap (data key `{key.rpartition('/')[2]}`), "
                     f"which applies to every route of the controller")
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} is read by {reader} only from {where}, never from an "
            f"Ingress; here it does nothing",
            Fix(move, f"{key}: {_yaml_str(value)}" if where == "the Service"
                else f"{key.rpartition('/')[2]}: {_yaml_str(value)}"),
            controller=route.controller)


def _yaml_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _foreign(route: Route) -> Iterator[Problem]:
    """Annotations of another controller than the one the Ingress's class names."""
    obj = route.obj
    if not route.controller_explicit or route.controller not in BY_ID:
        return
    by_controller: dict[str, list[str]] = {}
    for key in obj.annotations:
        if _service_only(key):
            continue
        owners = controllers_by_annotations({key: ""})
        if owners and route.controller not in owners:
            by_controller.setdefault(owners[0], []).append(key)
    for owner, keys in by_controller.items():
        listed = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
        yield Problem(
            annotation_path(keys[0]),
            f"{obj.ref} is served by {controller_title(route.controller)}, per its "
            f"{route.controller_reason}; that controller ignores {controller_title(owner)}'s "
            f"annotations: {listed}",
            Fix(f"replace them by {controller_title(route.controller)}'s equivalents, or remove "
                f"them (if {controller_title(owner)} should serve this Ingress, change its class)"),
            controller=route.controller)


@checks("WS104")
def annotation_on_wrong_object(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    yield from cloud_problems("WS104", obj, ctx)
    route = ctx.graph.route(obj)
    if route is None:
        return
    yield from _wrong_object(route)
    yield from _foreign(route)


@checks("WS105")
def redundant_upgrade_snippet(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    yield from profile_problems("WS105", obj, ctx)
