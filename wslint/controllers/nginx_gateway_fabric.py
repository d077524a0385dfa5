"""NGINX Gateway Fabric: a Gateway API implementation, known by its GatewayClass
`controllerName`."""

from __future__ import annotations

from wslint.controllers.profile import Profile

PROFILE = Profile(
    id="nginx-gateway-fabric",
    title="NGINX Gateway Fabric",
    class_controllers=("gateway.nginx.org/",),
)
