"""DigitalOcean (digitalocean-cloud-controller-manager): a regional load balancer closes
connections idle for 60 s unless `do-loadbalancer-http-idle-timeout-seconds` says otherwise;
sticky sessions by cookie. The controller's default type is `REGIONAL_NETWORK` (since 2025), a
network load balancer whose idle behaviour is not verified, so only an explicit `REGIONAL` type,
or an idle timeout written on the Service, is judged."""

from __future__ import annotations

from typing import Iterator

from wslint.clouds.profile import Cloud, IdleTimeout, TimeoutKey, annotation_path, whole_number
from wslint.model import Fix, KObject, Problem

ID = "digitalocean"
PREFIX = "service.beta.kubernetes.io/do-loadbalancer-"
IDLE = PREFIX + "http-idle-timeout-seconds"
LB_TYPE = PREFIX + "type"
STICKY = PREFIX + "sticky-sessions-type"
DEFAULT = 60


def idle_timeouts(service: KObject, minimum: int) -> list[IdleTimeout]:
    raw = service.annotations.get(IDLE)
    fix = Fix(f"raise {IDLE} toward {minimum} (whole seconds); DigitalOcean's upper limit for it "
              f"is not verified here: if it refuses the value, set the largest it accepts and "
              f"have clients ping more often than that",
              f'{IDLE}: "{minimum}"')
    if raw is not None:
        seconds = whole_number(raw, signed=False)
        return [] if seconds is None else [  # not a number: WS103's finding
            IdleTimeout("the DigitalOcean load balancer's idle timeout", seconds,
                        annotation_path(IDLE), fix=fix)]
    if service.annotations.get(LB_TYPE) != "REGIONAL":
        return []  # the default type is a network load balancer: not verified
    return [IdleTimeout("the DigitalOcean load balancer's idle timeout", DEFAULT, fix=fix)]


def refused_values(obj: KObject, ctx) -> Iterator[Problem]:
    raw = obj.annotations.get(IDLE)
    if raw is None or whole_number(raw, signed=False) is not None:
        return
    yield Problem(
        annotation_path(IDLE),
        f'{obj.ref}: {IDLE} is "{raw}", not a whole number of seconds; the DigitalOcean cloud '
        f"controller manager cannot parse it and fails to reconcile the Service's load balancer",
        Fix("write the idle timeout as whole seconds without a unit", f'{IDLE}: "3600"'))


def service_stickiness(service: KObject) -> list[str]:
    if service.annotations.get(STICKY) == "cookies":
        return [f"{service.ref} DigitalOcean sticky sessions"]
    return []


def sticky_fix(service: KObject) -> Fix:
    return Fix("pin clients with the DigitalOcean load balancer's sticky cookie (it pins to a "
               "node, not a pod: DigitalOcean asks for externalTrafficPolicy: Local and one "
               "serving pod per node)",
               f'{STICKY}: "cookies"\n{PREFIX}sticky-sessions-cookie-name: "lb"\n'
               f'{PREFIX}sticky-sessions-cookie-ttl: "3600"')


CLOUD = Cloud(
    id=ID,
    title="DigitalOcean",
    annotation_prefixes=(PREFIX,),
    timeouts=(TimeoutKey("regional load balancer (`do-loadbalancer-type: REGIONAL`)", IDLE,
                         "whole seconds", str(DEFAULT), "not verified"),),
    idle_timeouts=idle_timeouts,
    stickiness=f"`{STICKY}: cookies` (with a cookie name and TTL; pins a node, not a pod)",
    service_stickiness=service_stickiness,
    sticky_fix=sticky_fix,
    service_checks={"WS103": refused_values},
    uncertain=("The upper limit of the idle timeout, and whether the network load balancer "
               "(`REGIONAL_NETWORK`, the controller's default since 2025) closes idle "
               "connections, are not verified: a Service without `do-loadbalancer-type: "
               "REGIONAL` is judged only by the idle timeout it writes."),
)
