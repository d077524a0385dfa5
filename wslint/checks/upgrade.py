"""Does the controller in front pass the WebSocket upgrade at all (WS101)? Each controller's
profile knows how it is switched on and what breaks it."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers.registry import profile_problems
from wslint.model import KObject, Problem

checks = CheckSet()


@checks("WS101")
def websocket_upgrade_not_enabled(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    yield from profile_problems("WS101", obj, ctx)
