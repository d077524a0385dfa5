"""Azure Application Gateway Ingress Controller (AGIC)."""

from __future__ import annotations

from wslint.controllers.profile import Profile

PROFILE = Profile(
    id="azure-agic",
    title="Azure Application Gateway Ingress Controller",
    class_controllers=("azure/application-gateway",),
    class_names=("azure/application-gateway",),
    annotation_prefixes=("appgw.ingress.kubernetes.io/",),
)
