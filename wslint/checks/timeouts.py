"""Timeouts between the client and a WebSocket backend: too short to keep an idle connection
(WS102), or written in a form the controller ignores (WS103). Each controller's timeouts are read
the way that controller reads them: its keys, its units, its default when nothing is set."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.clouds.registry import cloud_problems
from wslint.controllers.registry import carries_websockets, profile_of, profile_problems
from wslint.graph import Graph
from wslint.k8s.routes import Route
from wslint.model import KObject, Problem

checks = CheckSet()

# Seconds a timeout must exceed a server's ping interval by (a ping due at the very moment the
# timeout runs out races it).
HEARTBEAT_MARGIN = 5


def _may_carry_websockets(route: Route, graph: Graph) -> bool:
    """False for a route to a gRPC (or other non-HTTP/1.1) backend, or whose every Service in the
    input has only ports that speak something else."""
    if not carries_websockets(route):
        return False
    services = [s for b in route.backends for s in graph.find_services(b.service, b.namespace)]
    return not services or any(p.may_carry_websockets()
                               for s in services for p in graph.service_ports(s))


@checks("WS102")
def proxy_timeout_too_short(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    route = ctx.graph.route(obj)
    if route is not None and not _may_carry_websockets(route, ctx.graph):
        return
    served_by = profile_of(route.controller) if route is not None else None
    # Kong reads its timeouts from the Service: the servers behind it count the same way.
    beat = ctx.graph.route_heartbeat(route) if route is not None else \
        ctx.graph.service_heartbeat(obj) if obj.kind == "Service" else None
    if beat is not None and beat + HEARTBEAT_MARGIN < ctx.options["min-seconds"] and \
            not (served_by is not None and served_by.caps_lifetime):
        # The servers behind it send their own pings: an idle timeout longer than their interval
        # never runs out. A cap on the whole connection (AGIC's, Knative's) is another matter.
        ctx = replace(ctx, options={**ctx.options, "min-seconds": beat + HEARTBEAT_MARGIN})
    yield from profile_problems("WS102", obj, ctx)


@checks("WS103")
def invalid_timeout_value(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    yield from profile_problems("WS103", obj, ctx)
    yield from cloud_problems("WS103", obj, ctx)
