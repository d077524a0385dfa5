"""Linkerd: a service mesh whose proxy is injected into pods. On shutdown the proxy refuses new
requests, waits for open connections up to `config.linkerd.io/shutdown-grace-period` (120 s by
default), then closes the rest: the Linkerd twin of Istio's `terminationDrainDuration`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wslint.controllers.durations import go_duration
from wslint.controllers.profile import Profile, SidecarDrain, TimeoutSpec
from wslint.k8s.objects import Workload
from wslint.model import Fix

if TYPE_CHECKING:
    from wslint.graph import Graph

ID = "linkerd"
INJECT = "linkerd.io/inject"
GRACE = "config.linkerd.io/shutdown-grace-period"
DEFAULT_GRACE = 120.0
PROXY = "linkerd-proxy"
# With Kubernetes native sidecars the proxy stops after the application: nothing to race.
NATIVE_SIDECAR = ("config.beta.linkerd.io/proxy-enable-native-sidecar",
                  "config.alpha.linkerd.io/proxy-enable-native-sidecar")


def _setting(workload: Workload, graph: "Graph", key: str) -> str | None:
    """A Linkerd annotation as the proxy injector reads it: the pod template's, else the
    Namespace's (the input's copy nearest the workload)."""
    if key in workload.pod_annotations:
        return workload.pod_annotations[key]
    namespaces = graph.nearest(graph.named("Namespace", workload.obj.namespace), workload.obj)
    return next((ns.annotations[key] for ns in namespaces if key in ns.annotations), None)


def meshed(workload: Workload, graph: "Graph") -> bool:
    """Whether Linkerd injects its proxy into the workload's pods: the pod template or the
    input's Namespace says so (`linkerd.io/inject: enabled`), or the manifest already holds a
    `linkerd-proxy` container."""
    if any(c.name == PROXY for c in workload.containers()):
        return True
    return _setting(workload, graph, INJECT) in ("enabled", "ingress")


def _native(workload: Workload, graph: "Graph") -> bool:
    for key in NATIVE_SIDECAR:
        says = _setting(workload, graph, key)
        if says is not None:
            return says == "true"
    return False


def sidecar_drain(workload: Workload, graph: "Graph") -> SidecarDrain | None:
    if not meshed(workload, graph) or _native(workload, graph):
        return None
    written = _setting(workload, graph, GRACE)
    seconds = go_duration(written) if written is not None else DEFAULT_GRACE
    if seconds is None:
        return None  # not a duration: cannot tell what the proxy does
    annotations = workload.template_path + ("metadata", "annotations")
    return SidecarDrain(
        "Linkerd", PROXY, "shutdown-grace-period", seconds,
        f"is {written}" if written is not None else f"is unset (so {DEFAULT_GRACE:g}s)",
        annotations + ((GRACE,) if GRACE in workload.pod_annotations else ()),
        lambda needed: Fix(f"set {GRACE} to at least {needed:g}s in the pod template's "
                           f"annotations (and keep terminationGracePeriodSeconds above it)",
                           f'{GRACE}: "{needed:g}s"'))


PROFILE = Profile(
    id=ID,
    title="Linkerd (service mesh)",
    short_title="Linkerd",
    proxy_images=("linkerd/proxy", "linkerd-io/proxy"),
    websockets="built in (a mesh, not a route controller)",
    timeouts=(TimeoutSpec(GRACE, "pod template", "duration", "120s"),),
    notes="The proxy's shutdown grace period is checked against the application's preStop "
          "plus drain time (WS206) when the pods are meshed: `linkerd.io/inject: enabled` on the "
          "pod template or on a Namespace of the input, or a `linkerd-proxy` container. Pods "
          "whose proxy runs as a Kubernetes native sidecar "
          "(`config.beta.linkerd.io/proxy-enable-native-sidecar: \"true\"`) stop it after the "
          "application and are not checked; where native sidecars are the cluster's default, "
          "which manifests do not show, the finding does not apply.",
    sidecar_drain=sidecar_drain,
)
