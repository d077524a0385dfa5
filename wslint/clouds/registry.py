"""Every cloud wslint knows, in one list, and the questions rules ask of them: whose load balancer
a `type: LoadBalancer` Service gets, and what that cloud says about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from wslint.catalog.errors import OptionError
from wslint.clouds import aws, azure, digitalocean, gcp, hetzner, oci
from wslint.clouds.profile import Cloud, PodTargets
from wslint.model import KObject, Problem

if TYPE_CHECKING:
    from wslint.graph import Graph

# The clouds in the order the docs list them.
CLOUDS: tuple[Cloud, ...] = tuple(module.CLOUD for module in (
    aws, azure, digitalocean, oci, hetzner, gcp))
BY_ID: dict[str, Cloud] = {cloud.id: cloud for cloud in CLOUDS}


class UnknownCloudError(OptionError):
    """A cloud id that wslint does not know (the `default-cloud` setting)."""


def check_cloud_id(value: str) -> str:
    """`value` when it names a known cloud, else an error listing the known ones."""
    if value not in BY_ID:
        raise UnknownCloudError(f"unknown cloud {value!r} (known: {', '.join(BY_ID)})")
    return value


@dataclass(frozen=True)
class Detection:
    cloud: Cloud
    reason: str  # how it was decided, for messages


def is_load_balancer(obj: KObject) -> bool:
    return obj.kind == "Service" and obj.get("spec", "type") == "LoadBalancer"


def cloud_of(service: KObject, default_cloud: str | None) -> Detection | None:
    """Whose load balancer a `type: LoadBalancer` Service gets: the cloud its
    `spec.loadBalancerClass` names (another class belongs to another implementation: none),
    else the one cloud whose annotations it carries, else the configured default."""
    if not is_load_balancer(service):
        return None
    load_balancer_class = service.get("spec", "loadBalancerClass")
    if isinstance(load_balancer_class, str) and load_balancer_class:
        for cloud in CLOUDS:
            if load_balancer_class in cloud.load_balancer_classes:
                return Detection(cloud, f"loadBalancerClass {load_balancer_class}")
        return None
    found: dict[str, str] = {}
    for key in service.annotations:
        for cloud in CLOUDS:
            if cloud.id not in found and key.startswith(cloud.annotation_prefixes):
                found[cloud.id] = key
    if len(found) == 1:
        (cloud_id, key), = found.items()
        return Detection(BY_ID[cloud_id], f"annotation {key}")
    if default_cloud in BY_ID and (not found or default_cloud in found):
        return Detection(BY_ID[default_cloud], "the configured default cloud")
    return None


def cloud_problems(code: str, obj: KObject, ctx) -> Iterator[Problem]:
    """What the checks of the cloud whose load balancer a Service gets find for rule `code`."""
    detection = cloud_of(obj, ctx.settings.default_cloud)
    check = detection.cloud.service_checks.get(code) if detection else None
    if check is not None:
        yield from check(obj, ctx)


def load_balancer_stickiness(service: KObject) -> list[str]:
    """Stickiness a LoadBalancer Service's annotations give its cloud load balancer."""
    if not is_load_balancer(service):
        return []
    return [found for cloud in CLOUDS if cloud.service_stickiness is not None
            for found in cloud.service_stickiness(service)]


def pod_targets(obj: KObject, graph: "Graph") -> list[PodTargets]:
    """The load balancers an Ingress or Service configures that target pod IPs."""
    return [targets for cloud in CLOUDS if cloud.pod_targets is not None
            for targets in cloud.pod_targets(obj, graph)]
