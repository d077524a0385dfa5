"""Cilium's Ingress and Gateway API support: its own Envoy, whose stream idle timeout (5 min)
is set for the whole cluster in Cilium's Helm values, never in a manifest."""

from __future__ import annotations

from wslint.controllers.profile import Profile, TimeoutSpec

PROFILE = Profile(
    id="cilium",
    title="Cilium (Ingress and Gateway API)",
    short_title="Cilium",
    class_controllers=("io.cilium/gateway-controller", "cilium.io/ingress-controller"),
    class_names=("cilium",),
    gateway_class_names=("cilium",),
    annotation_prefixes=("ingress.cilium.io/",),
    proxy_images=("cilium/cilium-envoy",),
    websockets="built in",
    timeouts=(TimeoutSpec("envoy.streamIdleTimeoutDurationSeconds", "Cilium Helm values "
                          "(cluster-wide; nothing in a route changes it)", "seconds", "300"),),
    notes="Cilium's Envoy closes a WebSocket idle for 5 minutes. The setting is "
          "cluster-wide, in Cilium's Helm values (`envoy.streamIdleTimeoutDurationSeconds`), "
          "and no manifest wslint reads shows it, so no rule reports it: raise it there, or "
          "have clients ping more often than every 5 minutes.",
)
