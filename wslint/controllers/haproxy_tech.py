"""HAProxy Technologies' controller (haproxytech/kubernetes-ingress), a different project from
HAProxy Ingress although both may use the class `haproxy`."""

from __future__ import annotations

from wslint.controllers.profile import Profile
from wslint.model import KObject

ID = "haproxy-tech"
COOKIE_PERSISTENCE = "haproxy.org/cookie-persistence"


def annotation_stickiness(obj: KObject) -> list[str]:
    if COOKIE_PERSISTENCE in obj.annotations:
        return [f"{obj.ref} HAProxy cookie persistence"]
    return []


PROFILE = Profile(
    id=ID,
    title="HAProxy Kubernetes Ingress (haproxytech)",
    class_controllers=("haproxy.org/",),
    class_names=("haproxy",),
    annotation_prefixes=("haproxy.org/",),
    proxy_images=("haproxytech/kubernetes-ingress",),
    stickiness=f"`{COOKIE_PERSISTENCE}`",
    annotation_stickiness=annotation_stickiness,
)
