"""Envoy Gateway: a Gateway API implementation, known by its GatewayClass `controllerName`."""

from __future__ import annotations

from wslint.controllers.profile import Profile

PROFILE = Profile(
    id="envoy-gateway",
    title="Envoy Gateway",
    class_controllers=("gateway.envoyproxy.io/",),
    proxy_images=("envoyproxy/envoy",),
)
