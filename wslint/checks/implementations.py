"""What the implementation serving a route does with it: HTTPRoute fields it ignores (WS107),
and a controller that is no longer maintained (WS108)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers.gateway_api import websocket_rules
from wslint.controllers.registry import (carries_websockets, ignored_field, profile_of,
                                         profile_problems)
from wslint.model import KObject, Problem, dig

checks = CheckSet()


@checks("WS107")
def setting_ignored_by_implementation(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    route = graph.route(obj)
    profile = profile_of(route.controller) if route is not None else None
    if profile is None or not profile.ignored_route_fields:
        return
    for rule in websocket_rules(route, graph):
        for field in dict.fromkeys(ignored.field for ignored in profile.ignored_route_fields):
            path = ("spec", "rules", rule, field)
            ignored = ignored_field(route, field, graph)
            if ignored is None or dig(obj.data, *path) is None:
                continue
            yield Problem(
                path,
                f"{obj.ref}: {profile.name} ignores rules[].{field} (it only reports so in the "
                f"route's status): {ignored.what_instead}",
                ignored.fix(route, rule), controller=route.controller)


@checks("WS108")
def controller_retired(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    route = ctx.graph.route(obj)
    if route is not None and carries_websockets(route):
        yield from profile_problems("WS108", obj, ctx)
