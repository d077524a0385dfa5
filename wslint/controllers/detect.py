"""Which controller serves a route: from IngressClass objects, class names, and the annotation
prefixes each controller reads. The detected controller decides which rules and fixes apply."""

from __future__ import annotations

from dataclasses import dataclass

from wslint.catalog.rules import OptionError


@dataclass(frozen=True)
class Controller:
    id: str
    title: str
    # IngressClass `spec.controller` values (a trailing "/" matches any value with that prefix).
    class_controllers: tuple[str, ...] = ()
    # Well-known IngressClass names and `kubernetes.io/ingress.class` values.
    class_names: tuple[str, ...] = ()
    annotation_prefixes: tuple[str, ...] = ()


CONTROLLERS: dict[str, Controller] = {c.id: c for c in (
    Controller("ingress-nginx", "ingress-nginx (kubernetes/ingress-nginx)",
               ("k8s.io/ingress-nginx",), ("nginx",), ("nginx.ingress.kubernetes.io/",)),
    Controller("nginx-inc", "NGINX Ingress Controller (nginx/kubernetes-ingress)",
               ("nginx.org/ingress-controller",), ("nginx-inc", "nginx-plus"),
               ("nginx.org/", "nginx.com/")),
    Controller("traefik", "Traefik", ("traefik.io/",), ("traefik",),
               ("traefik.ingress.kubernetes.io/",)),
    Controller("haproxy-ingress", "HAProxy Ingress (jcmoraisjr/haproxy-ingress)",
               ("haproxy-ingress.github.io/",), ("haproxy-ingress",), ("haproxy-ingress.github.io/",)),
    Controller("haproxy-tech", "HAProxy Kubernetes Ingress (haproxytech)",
               ("haproxy.org/",), ("haproxy",), ("haproxy.org/",)),
    Controller("contour", "Contour", ("projectcontour.io/",), ("contour",), ("projectcontour.io/",)),
    Controller("emissary", "Emissary-ingress", ("getambassador.io/",), ("ambassador", "emissary"),
               ("getambassador.io/",)),
    Controller("istio", "Istio", ("istio.io/",), ("istio",), ()),
    Controller("kong", "Kong Ingress Controller",
               ("ingress-controllers.konghq.com/", "konghq.com/kic-gateway-controller"), ("kong",),
               ("konghq.com/",)),
    Controller("aws-alb", "AWS Load Balancer Controller (ALB)", ("ingress.k8s.aws/",), ("alb",),
               ("alb.ingress.kubernetes.io/",)),
    Controller("gce", "GKE Ingress (ingress-gce)", ("k8s.io/ingress-gce",), ("gce", "gce-internal"),
               ("ingress.gcp.kubernetes.io/", "networking.gke.io/")),
    Controller("azure-agic", "Azure Application Gateway Ingress Controller",
               ("azure/application-gateway",), ("azure/application-gateway",),
               ("appgw.ingress.kubernetes.io/",)),
    # Gateway API implementations known only by their GatewayClass `spec.controllerName`.
    Controller("envoy-gateway", "Envoy Gateway", ("gateway.envoyproxy.io/",)),
    Controller("nginx-gateway-fabric", "NGINX Gateway Fabric", ("gateway.nginx.org/",)),
)}

# Class names that more than one controller answers to by default: `nginx` (ingress-nginx and
# NGINX Inc), `haproxy` (HAProxy Ingress's documented class, and HAProxy Technologies'). Only an
# IngressClass object or the annotations tell them apart.
AMBIGUOUS_CLASS_NAMES = frozenset({"nginx", "haproxy"})

# The controller an object kind implies by itself.
KIND_CONTROLLERS = {
    ("projectcontour.io", "HTTPProxy"): "contour",
    ("getambassador.io", "Mapping"): "emissary",
    ("networking.istio.io", "VirtualService"): "istio",
    ("networking.istio.io", "DestinationRule"): "istio",
    ("traefik.io", "IngressRoute"): "traefik",
    ("traefik.containo.us", "IngressRoute"): "traefik",
    ("nginx.org", "VirtualServer"): "nginx-inc",
    ("cloud.google.com", "BackendConfig"): "gce",
    ("configuration.konghq.com", "KongUpstreamPolicy"): "kong",
}


class UnknownControllerError(OptionError):
    """A controller id that wslint does not know (the `default-controller` setting)."""


def check_controller_id(value: str) -> str:
    """`value` when it names a known controller, else an error listing the known ones."""
    if value not in CONTROLLERS:
        raise UnknownControllerError(
            f"unknown controller {value!r} (known: {', '.join(sorted(CONTROLLERS))})")
    return value


def controller_title(controller: str | None) -> str:
    """How messages name a controller id (`other:` ids keep the class's controller string)."""
    if controller in CONTROLLERS:
        return CONTROLLERS[controller].title
    return (controller or "unknown").removeprefix("other:")


def controller_for_class_controller(value: str) -> str | None:
    """The controller id for an IngressClass `spec.controller` value."""
    for controller in CONTROLLERS.values():
        for known in controller.class_controllers:
            if value == known or (known.endswith("/") and value.startswith(known)):
                return controller.id
    return None


def controller_for_class_name(name: str) -> str | None:
    """The controller a well-known class name stands for (`nginx`: ingress-nginx, though NGINX
    Inc's controller installs that name too: see AMBIGUOUS_CLASS_NAMES)."""
    for controller in CONTROLLERS.values():
        if name in controller.class_names:
            return controller.id
    return None


def controllers_by_annotations(annotations: dict[str, str]) -> list[str]:
    """Controllers whose annotation prefixes appear, in table order."""
    found = []
    for controller in CONTROLLERS.values():
        if any(key.startswith(prefix) for key in annotations
               for prefix in controller.annotation_prefixes):
            found.append(controller.id)
    return found


@dataclass(frozen=True)
class Detection:
    controller: str | None
    reason: str
    explicit: bool = False  # decided by the class or the configured default, not by annotations


def detect_ingress_controller(annotations: dict[str, str], class_name: str | None,
                              ingress_classes: dict[str, str], default_class: str | None,
                              default_controller: str | None = None) -> Detection:
    """Decide which controller serves an Ingress.

    `ingress_classes` maps IngressClass names found in the input to controller ids; `default_class`
    is the input's IngressClass marked `is-default-class`. In order: the IngressClass object the
    Ingress names; a well-known class name (for the name `nginx`, which both NGINX controllers
    install, the annotation prefixes of a single controller decide first); the annotation
    prefixes of a single controller; the default IngressClass; the configured default
    controller. `explicit` is set when the class or the configured default decided.
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
    return Detection(None, "unknown")
