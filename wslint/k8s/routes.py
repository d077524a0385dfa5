"""Routes: objects that send client traffic to Services, and the backends each lists. Which kinds
are routes, and how their backends are read, is the controllers' knowledge (wslint.controllers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wslint.model import KObject


@dataclass
class Backend:
    """One Service a route sends traffic to."""

    service: str
    namespace: str | None
    port: int | str | None
    path: tuple  # where the backend is written in the route object
    http_path: str | None = None  # the URL path routed to it
    group: tuple = ()  # path of the route rule holding it (an HTTPProxy route, an Ingress path)


@dataclass
class Route:
    obj: KObject
    backends: list[Backend] = field(default_factory=list)
    controller: str | None = None
    controller_reason: str = ""
    # True when the route's class (IngressClass, class name, GatewayClass) or the configured
    # default names the controller, not merely the annotations it carries.
    controller_explicit: bool = False


def service_host(host: str, namespace: str | None) -> tuple[str, str | None] | None:
    """A Kubernetes Service named by a host: `name`, `name.ns`, `name.ns.svc[.cluster.local]`.
    None for hosts outside the cluster (`api.example.com`) and wildcards."""
    if not host or "*" in host:
        return None
    parts = host.split(".")
    if len(parts) == 1:
        return parts[0], namespace
    if len(parts) == 2 or parts[2] == "svc":
        return parts[0], parts[1]
    return None
