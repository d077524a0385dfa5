"""Oracle Cloud Infrastructure (oci-cloud-controller-manager): the load balancer (type `lb`, the
default) closes connections idle for 300 s on TCP listeners and 60 s on HTTP listeners, unless
`oci-load-balancer-connection-idle-timeout` says otherwise. Its network load balancer (type
`nlb`) is not judged."""

from __future__ import annotations

from typing import Iterator

from wslint.clouds.profile import (Cloud, IdleTimeout, TimeoutKey, annotation_path,
                                   whole_number)
from wslint.model import Fix, KObject, Problem

ID = "oci"
PREFIX = "service.beta.kubernetes.io/oci-load-balancer-"
IDLE = PREFIX + "connection-idle-timeout"
PROTOCOL = PREFIX + "backend-protocol"
LB_TYPE = "oci.oraclecloud.com/load-balancer-type"
DEFAULTS = {"TCP": 300, "HTTP": 60}


def _protocol(service: KObject) -> str:
    """The listeners' protocol: the annotation's, else the ports' (TCP)."""
    return (service.annotations.get(PROTOCOL) or "TCP").upper()


def idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    if service.annotations.get(LB_TYPE, "lb").lower() == "nlb":
        return []  # a network load balancer: its idle timeout is not read from the Service
    protocol = _protocol(service)
    fix = Fix(f"set the OCI load balancer's idle timeout to {minimum} seconds (whole seconds; "
              f"OCI's upper limit for it is not verified here)", f'{IDLE}: "{minimum}"')
    raw = service.annotations.get(IDLE)
    if raw is not None:
        seconds = whole_number(raw)
        return [] if seconds is None else [  # not a number: WS103's finding
            IdleTimeout("the OCI load balancer's idle timeout", seconds, annotation_path(IDLE),
                        fix=fix)]
    if protocol not in DEFAULTS:
        return []
    return [IdleTimeout(f"the OCI load balancer's idle timeout on its {protocol} listeners",
                        DEFAULTS[protocol], fix=fix)]


def refused_values(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(IDLE)
    if raw is None or whole_number(raw) is not None:
        return
    yield Problem(
        annotation_path(IDLE),
        f'{obj.ref}: {IDLE} is "{raw}", not a whole number of seconds; the OCI cloud '
        f"controller manager cannot parse it and fails to reconcile the Service's load balancer",
        Fix("write the idle timeout as whole seconds without a unit", f'{IDLE}: "3600"'))


CLOUD = Cloud(
    id=ID,
    title="Oracle Cloud Infrastructure",
    annotation_prefixes=(PREFIX, "oci.oraclecloud.com/", "oci-network-load-balancer.oraclecloud.com/"),
    timeouts=(TimeoutKey("load balancer (`oci.oraclecloud.com/load-balancer-type: lb`, the "
                         "default)", IDLE, "whole seconds",
                         "300 on TCP listeners, 60 on HTTP listeners", "not verified"),),
    idle_timeouts=idle_timeouts,
    service_checks={"WS103": refused_values},
    uncertain=("The idle timeout's upper limit, and the network load balancer's (`nlb`) idle "
               "timeout, are not verified; an `nlb` Service is not judged."),
)
