"""Microsoft Azure (cloud-provider-azure): the load balancer's TCP idle timeout is written in
minutes, 4 by default, and a value outside 4-100 stops the Service's load balancer from being
reconciled. A Service's `sessionAffinity: ClientIP` becomes the load balancer's source-IP
distribution, so it holds."""

from __future__ import annotations

import math
from typing import Iterator

from wslint.clouds.profile import (Cloud, IdleTimeout, TimeoutKey, annotation_path, clamp,
                                   rewrite_fix, whole_number)
from wslint.controllers.durations import go_duration
from wslint.model import KObject, Problem

ID = "azure"
PREFIX = "service.beta.kubernetes.io/azure-"
IDLE = PREFIX + "load-balancer-tcp-idle-timeout"
DEFAULT_MINUTES, MINUTES = 4, (4, 100)


def _minutes(raw: str) -> int | None:
    """The value as cloud-provider-azure reads it (trimmed, then a whole number), if in range."""
    minutes = whole_number(raw.strip())
    return minutes if minutes is not None and MINUTES[0] <= minutes <= MINUTES[1] else None


def _minutes_for(seconds: float) -> int:
    return clamp(math.ceil(seconds / 60), *MINUTES)


def idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    raw = service.annotations.get(IDLE)
    minutes = DEFAULT_MINUTES if raw is None else _minutes(raw)
    if minutes is None:
        return []  # refused: WS103's finding
    wanted = _minutes_for(minimum)
    fix = rewrite_fix(IDLE, wanted, True, f"set the Azure load balancer's idle timeout to "
                                          f"{wanted} minutes (whole minutes, {MINUTES[0]}-"
                                          f"{MINUTES[1]})")
    return [IdleTimeout("the Azure load balancer's idle timeout", minutes * 60,
                        None if raw is None else annotation_path(IDLE), fix=fix)]


def refused_values(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(IDLE)
    if raw is None or _minutes(raw) is not None:
        return
    number = whole_number(raw.strip())
    if number is not None:
        why = f"outside the {MINUTES[0]}-{MINUTES[1]} minutes Azure accepts"
        # Past the range, most likely seconds; below it, the least Azure takes.
        wanted = _minutes_for(number) if number > MINUTES[1] else MINUTES[0]
        exact = False
    else:
        why = "not a whole number of minutes"
        seconds = go_duration(raw)
        wanted = _minutes_for(seconds) if seconds else _minutes_for(3600)
        exact = seconds == wanted * 60
    yield Problem(
        annotation_path(IDLE),
        f'{obj.ref}: {IDLE} is "{raw}", {why}; cloud-provider-azure refuses it and fails to '
        f"reconcile the Service's load balancer",
        rewrite_fix(IDLE, wanted, exact,
                    f"write the idle timeout in whole minutes from {MINUTES[0]} to "
                    f"{MINUTES[1]}: {wanted}"))


CLOUD = Cloud(
    id=ID,
    title="Microsoft Azure",
    annotation_prefixes=(PREFIX,),
    timeouts=(TimeoutKey("load balancer", IDLE, "whole **minutes**", str(DEFAULT_MINUTES),
                         f"{MINUTES[0]}-{MINUTES[1]}"),),
    idle_timeouts=idle_timeouts,
    stickiness="Service `sessionAffinity: ClientIP`, which becomes the load balancer's "
               "source-IP distribution",
    service_checks={"WS103": refused_values},
)
