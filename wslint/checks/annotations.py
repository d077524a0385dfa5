"""Annotations that do nothing where they are written: on the wrong object or for another
controller (WS104), or ingress-nginx snippets that repeat what is built in (WS105)."""

from __future__ import annotations

import re
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.checks.upgrade import annotation_path
from wslint.checks.timeouts import NGINX, nginx_configmap_for
from wslint.controllers.detect import CONTROLLERS, controller_title, controllers_by_annotations
from wslint.model import Fix, KObject, Problem, dig
from wslint.k8s.routes import Route

checks = CheckSet()

# Annotations read only from the Service a route points to: (prefix or key, who reads it).
SERVICE_ONLY = (
    ("traefik.ingress.kubernetes.io/service.sticky.cookie", "Traefik"),
    ("konghq.com/read-timeout", "Kong"),
    ("konghq.com/write-timeout", "Kong"),
    ("konghq.com/connect-timeout", "Kong"),
    ("konghq.com/upstream-policy", "Kong"),
    ("cloud.google.com/backend-config", "GKE Ingress"),
    ("beta.cloud.google.com/backend-config", "GKE Ingress"),
)


def _service_only(key: str) -> str | None:
    for prefix, reader in SERVICE_ONLY:
        if key == prefix or key.startswith(prefix + "."):
            return reader
    return None


def _wrong_object(route: Route) -> Iterator[Problem]:
    obj = route.obj
    services = ", ".join(dict.fromkeys(b.service for b in route.backends)) or "the backend Service"
    for key, value in obj.annotations.items():
        reader = _service_only(key)
        if reader is None:
            continue
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} is read by {reader} only from the Service, never from an "
            f"Ingress; here it does nothing",
            Fix(f"move it to the Service's annotations ({services})", f"{key}: {_yaml_str(value)}"),
            controller=route.controller)


def _yaml_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _foreign(route: Route) -> Iterator[Problem]:
    """Annotations of another controller than the one the Ingress's class names."""
    obj = route.obj
    if not route.controller_explicit or route.controller not in CONTROLLERS:
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
    route = ctx.graph.route(obj)
    if route is None:
        return
    yield from _wrong_object(route)
    yield from _foreign(route)


# What ingress-nginx's template already writes into every location.
_UPGRADE_LINE = re.compile(
    r"^\s*(?:proxy_set_header\s+(?:Upgrade|Connection)\b|proxy_http_version\b)[^;]*;?\s*$",
    re.IGNORECASE)
SNIPPET_KEYS = ("configuration-snippet", "server-snippet")
CONFIGMAP_SNIPPET_KEYS = ("location-snippet", "server-snippet")


def _upgrade_lines(snippet: str) -> tuple[list[str], list[str]]:
    """The snippet's lines that set the upgrade headers or HTTP version, and the others."""
    upgrade, rest = [], []
    for line in snippet.splitlines():
        (upgrade if _UPGRADE_LINE.match(line) else rest).append(line)
    return upgrade, [line for line in rest if line.strip()]


def _snippet_fix(key: str, rest: list[str]) -> Fix:
    if not rest:
        return Fix(f"remove {key}: everything it sets is built in")
    body = "\n".join("  " + line.strip() for line in rest)
    return Fix(f"remove the upgrade lines from {key}, keep the rest", f"{key}: |\n{body}")


def _snippets_enabled(configmap: KObject | None) -> bool:
    return configmap is not None and str(dig(configmap.data, "data", "allow-snippet-annotations")
                                         ).strip().lower() == "true"


@checks("WS105")
def redundant_upgrade_snippet(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    if obj.kind == "ConfigMap":
        if obj not in ctx.graph.ingress_nginx_configmaps():
            return
        for name in CONFIGMAP_SNIPPET_KEYS:
            snippet = dig(obj.data, "data", name)
            upgrade, rest = _upgrade_lines(snippet) if isinstance(snippet, str) else ([], [])
            if upgrade:
                yield Problem(
                    ("data", name),
                    f"{obj.ref}: {name} sets {'; '.join(l.strip() for l in upgrade)}: "
                    f"ingress-nginx already sends Upgrade and Connection ($connection_upgrade) "
                    f"with HTTP/1.1 in every location, so these lines only repeat (or fight) it",
                    _snippet_fix(name, rest), controller="ingress-nginx")
        return
    route = ctx.graph.route(obj)
    if route is None or route.controller != "ingress-nginx":
        return
    enabled = _snippets_enabled(nginx_configmap_for(obj, ctx.graph))
    for name in SNIPPET_KEYS:
        key = NGINX + name
        snippet = obj.annotations.get(key)
        upgrade, rest = _upgrade_lines(snippet) if snippet else ([], [])
        if not upgrade:
            continue
        state = ("snippets are enabled in the controller's ConfigMap, so the lines only repeat it"
                 if enabled else
                 "and snippet annotations are disabled by default (allow-snippet-annotations "
                 '"false"), so the annotation is dead configuration')
        yield Problem(
            annotation_path(key),
            f"{obj.ref}: {key} sets {'; '.join(l.strip() for l in upgrade)}: ingress-nginx "
            f"already sends Upgrade and Connection with HTTP/1.1 to every backend, {state}",
            _snippet_fix(key, rest), controller=route.controller)
