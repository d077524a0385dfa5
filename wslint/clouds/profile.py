"""What wslint knows about one cloud's load balancers, as one `Cloud`: how a `type: LoadBalancer`
Service is known to be on it, the idle timeouts its load balancers apply (key, unit, default, what
it accepts), how they are made sticky, and the checks that read its own keys. Rules ask the clouds
(see `wslint.clouds.registry`) instead of switching on cloud ids; `docs/load-balancers.md` is
generated from the same data.

Below the profile, the small toolkit the cloud modules share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from wslint.model import Applicability, Edit, Fix, KObject, Problem

if TYPE_CHECKING:
    from wslint.graph import Graph

# A check a cloud contributes to a rule, for a Service whose load balancer is this cloud's:
# `(service, ctx)` -> Problems.
ObjectCheck = Callable[[KObject, Any], Iterator[Problem]]


@dataclass(frozen=True)
class TimeoutKey:
    """One idle timeout of a cloud's load balancer, for the docs."""

    load_balancer: str  # which of the cloud's load balancers ("classic ELB")
    key: str
    unit: str
    default: str
    accepted: str  # what the cloud accepts; a value outside is WS103's finding


@dataclass
class IdleTimeout:
    """The idle timeout one listener of a Service's load balancer (or the whole load balancer)
    applies to its connections."""

    what: str  # "the classic ELB's idle timeout"
    seconds: float
    path: tuple | None = None  # where the Service writes it; None: the cloud's default
    note: str = ""  # said after the value; "the default" when unset and there is no path
    fix: Fix | None = None


@dataclass
class PodTargets:
    """A load balancer that registers the pod IPs behind some Services as its targets: it drains
    a target for its own delay when the pod goes, and a controller may gate the pods' readiness
    on the target's health."""

    load_balancer: str  # "the ALB", "the NLB"
    holder: KObject  # the object whose annotations configure the targets
    services: list[KObject]
    drain_seconds: int  # how long a target drains
    drain_key: str  # what sets it, as messages name it
    drain_path: tuple  # where `holder` sets it (or would)
    drain_written: bool  # False: the default
    # Write `drain_key` so that targets drain for the given seconds.
    drain_fix: Callable[[int], Fix]
    # The Namespace label that has `manager` inject readiness gates into new pods.
    readiness_label: tuple[str, str] | None = None
    manager: str = ""  # what makes the load balancer ("the AWS Load Balancer Controller")
    controller: str | None = None  # the ingress controller id making it, for findings


@dataclass(frozen=True)
class Cloud:
    id: str
    title: str
    # Detection of a `type: LoadBalancer` Service: its annotation prefixes, its
    # `spec.loadBalancerClass` values.
    annotation_prefixes: tuple[str, ...] = ()
    load_balancer_classes: tuple[str, ...] = ()
    # Idle timeouts: what the docs say, and what a Service's load balancer applies (WS106).
    timeouts: tuple[TimeoutKey, ...] = ()
    idle_timeouts: Callable[[KObject, int], "list[IdleTimeout]"] | None = None
    # Stickiness: what the docs say; what the Service's annotations make sticky (WS301); the fix
    # WS301 offers for the Service (None: Service affinity will do); and why a Service's
    # sessionAffinity does not pin clients through this load balancer, if it does not (WS302).
    stickiness: str = ""
    service_stickiness: Callable[[KObject], list[str]] | None = None
    sticky_fix: Callable[[KObject], Fix | None] | None = None
    affinity_ignored: Callable[[KObject], str | None] | None = None
    # Load balancers that target pod IPs (WS207, WS406): for an Ingress or Service, those it
    # configures; what the docs say about them.
    pod_targets: Callable[[KObject, "Graph"], "list[PodTargets]"] | None = None
    pod_targets_doc: str = ""
    # The checks it contributes for a Service whose load balancer is this cloud's: rule code ->
    # check.
    service_checks: Mapping[str, ObjectCheck] = field(default_factory=dict)
    # What wslint cannot know or has not verified, for the docs.
    uncertain: str = ""


# --- the toolkit cloud modules share -------------------------------------------------------

def annotation_path(key: str) -> tuple:
    return ("metadata", "annotations", key)


def whole_number(text: str, signed: bool = True) -> int | None:
    """A whole number as Go's `strconv.ParseInt` (or, unsigned, `ParseUint`) reads it: no
    spaces, no unit, no fraction."""
    pattern = r"[+-]?\d{1,18}" if signed else r"\d{1,19}"
    return int(text) if re.fullmatch(pattern, text) else None


def joined_fix(fixes: list[Fix]) -> Fix:
    """One fix doing what each of `fixes` does (their edits together; shown only if one of them
    has no edits)."""
    if len(fixes) == 1:
        return fixes[0]
    snippets = [f.snippet for f in fixes if f.snippet]
    complete = all(f.edits for f in fixes)
    return Fix("; ".join(f.description for f in fixes), "\n".join(snippets) or None,
               edits=tuple(edit for f in fixes for edit in f.edits) if complete else ())


def rewrite_fix(key: str, value: int, exact: bool, description: str) -> Fix:
    """Write `key` as `value`: safe when it means what was written, else a suggestion that
    changes the setting (unsafe)."""
    return Fix(description, f'{key}: "{value}"', None if exact else Applicability.UNSAFE,
               (Edit.set(annotation_path(key), str(value)),))


def clamp(value: float, low: int, high: int) -> int:
    return int(min(max(value, low), high))
