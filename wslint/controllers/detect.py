"""Which controller serves an Ingress or an HTTPRoute: from IngressClass and GatewayClass objects,
class names, and the annotation prefixes each controller reads (all from the profiles). The
detected controller decides which rules and fixes apply."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from wslint.controllers.gateway_api import gateway_classes
from wslint.controllers.registry import PROFILES


# Class names that more than one controller answers to by default: `nginx` (ingress-nginx and
# NGINX Inc), `haproxy` (HAProxy Ingress's documented class, and HAProxy Technologies'). Only an
# IngressClass object or the annotations tell them apart.
AMBIGUOUS_CLASS_NAMES = frozenset({"nginx", "haproxy"})


def controller_for_class_controller(value: str) -> str | None:
    """The controller id for an IngressClass `spec.controller` value."""
    for controller in PROFILES:
        for known in controller.class_controllers:
            if value == known or (known.endswith("/") and value.startswith(known)):
                return controller.id
    return None


def controller_for_class_name(name: str) -> str | None:
    """The controller a well-known class name stands for (`nginx`: ingress-nginx, though NGINX
    Inc's controller installs that name too: see AMBIGUOUS_CLASS_NAMES)."""
    for controller in PROFILES:
        if name in controller.class_names:
            return controller.id
    return None


def controller_for_gateway_class_name(name: str) -> str | None:
    """The implementation a GatewayClass name stands for by convention (`gke-l7-*`: GKE), for
    Gateways whose GatewayClass object the input does not hold."""
    for controller in PROFILES:
        for known in controller.gateway_class_names:
            if name == known or (known.endswith("*") and name.startswith(known[:-1])):
                return controller.id
    return None


def controllers_by_annotations(annotations: dict[str, str]) -> list[str]:
    """Controllers whose annotation prefixes appear, in table order."""
    found = {controller for key in annotations for controller in _controllers_by_key(key)}
    return [controller.id for controller in PROFILES if controller.id in found]


@lru_cache(maxsize=4096)  # asked for every annotation of every route and Service
def _controllers_by_key(key: str) -> tuple[str, ...]:
    return tuple(controller.id for controller in PROFILES
                 if any(key.startswith(prefix) for prefix in controller.annotation_prefixes))


@dataclass(frozen=True)
class Detection:
    controller: str | None
    reason: str
    explicit: bool = False  # decided by the class or the configured default, not by annotations


def detect_ingress_controller(annotations: dict[str, str], class_name: str | None,
                              ingress_classes: dict[str, str], default_class: str | None,
                              default_controller: str | None = None,
                              platform: str | None = None) -> Detection:
    """Decide which controller serves an Ingress.

    `ingress_classes` maps IngressClass names found in the input to controller ids; `default_class`
    is the input's IngressClass marked `is-default-class`. In order: the IngressClass object the
    Ingress names; a well-known class name (for the name `nginx`, which both NGINX controllers
    install, the annotation prefixes of a single controller decide first); the annotation
    prefixes of a single controller; the default IngressClass; the configured default
    controller; the controller of the platform the input is for (`platform`: OpenShift's router
    serves the Ingresses that name no class). `explicit` is set when the class or the
    configured default decided.
    """
    by_annotation = controllers_by_annotations(annotations)
    if class_name and class_name in ingress_classes:
        return Detection(ingress_classes[class_name], f"IngressClass {class_name}", True)
    if class_name:
        by_name = controller_for_class_name(class_name)
        telling = class_name not in AMBIGUOUS_CLASS_NAMES
        if by_name and (telling or by_name in by_annotation):
            return Detection(by_name, f"class {class_name}", telling)
        if len(by_annotation) == 1:
            return Detection(by_annotation[0], "annotations")
        if by_name:
            return Detection(by_name, f"class {class_name}")
        return Detection(None, f"unknown class {class_name}")
    if len(by_annotation) == 1:
        return Detection(by_annotation[0], "annotations")
    if default_class and default_class in ingress_classes:
        return Detection(ingress_classes[default_class], f"default IngressClass {default_class}",
                         True)
    if default_controller:
        return Detection(default_controller, "configured default", True)
    if platform:
        return Detection(platform, "no class, on its platform")
    return Detection(None, "unknown")


def detect_gateway_controller(route, graph, default_controller: str | None) -> Detection:
    """The controller of the Gateways an HTTPRoute attaches to, through their GatewayClass's
    `controllerName` (or, when the input holds no such GatewayClass, a class name known by
    convention); else the configured default controller."""
    found = set()
    for controller, class_name in gateway_classes(route, graph):
        if controller is not None:
            found.add((controller_for_class_controller(controller) or f"other:{controller}",
                       f"GatewayClass {class_name}"))
        elif controller_for_gateway_class_name(class_name):
            found.add((controller_for_gateway_class_name(class_name), f"GatewayClass {class_name}"))
    if len({controller for controller, _ in found}) == 1:
        controller, reason = found.pop()
        return Detection(controller, reason, True)
    if default_controller:
        return Detection(default_controller, "configured default", True)
    return Detection(None, "unknown")
