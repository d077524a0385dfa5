"""Service ports that carry WebSockets without saying so in `appProtocol` (WS305)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers import istio
from wslint.graph import Graph
from wslint.k8s.objects import ServicePort
from wslint.k8s.signals import WEBSOCKET_ANNOTATION, is_websocket_port_name
from wslint.model import Edit, Fix, KObject, Problem

checks = CheckSet()


def _port_signals(service: KObject, port: ServicePort, single: bool, graph: Graph) -> list[str]:
    """Why this port carries WebSockets: its name, a route to it that enables or uses them, a
    serving container port named for them, or (for a Service's only port) the annotation."""
    signals = []
    if is_websocket_port_name(port.name):
        signals.append(f"port named {port.name}")
    for route, backend in graph.routes_to(service):
        if single or backend.port in (port.port, port.name):
            signals += graph.route_signals(route, backend)
    for workload in graph.workloads_for(service):
        for container in workload.containers():
            for declared in container.ports():
                if is_websocket_port_name(declared.name) and port.target in (
                        declared.name, declared.number):
                    signals.append(f"{workload.obj.kind} {workload.obj.name}: container port "
                                   f"{declared.name}")
    if single and service.annotations.get(WEBSOCKET_ANNOTATION) == "true":
        signals.append(f'annotation {WEBSOCKET_ANNOTATION}: "true"')
    return signals


def _meshed(service: KObject, graph: Graph) -> bool:
    """Istio reads appProtocol before the port name and knows no kubernetes.io/ws: a meshed
    Service keeps its http naming instead."""
    if any(route.controller == istio.ID for route, _ in graph.routes_to(service)):
        return True
    return any(istio.injected(w, graph) for w in graph.workloads_for(service))


@checks("WS305")
def missing_websocket_app_protocol(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    ports = [p for p in graph.service_ports(obj) if p.may_carry_websockets()]
    if not ports or _meshed(obj, graph):
        return
    for port in ports:
        if port.app_protocol is not None:
            continue
        signals = _port_signals(obj, port, len(ports) == 1, graph)
        if not signals:
            continue
        secure = any(word in (port.name or "") for word in ("wss", "https", "tls")) or \
            port.port in (443, 8443)
        protocol = "kubernetes.io/wss" if secure else "kubernetes.io/ws"
        label = port.name or str(port.port)
        path = ("spec", "ports", port.index, "appProtocol")
        yield Problem(
            path,
            f"{obj.ref}: port {label} carries WebSockets ({'; '.join(dict.fromkeys(signals))}) but "
            f"does not declare appProtocol {protocol}, so controllers and tools that read it "
            f"cannot tell",
            Fix(f"declare the application protocol on port {label}", f"appProtocol: {protocol}",
                edits=(Edit.set(path, protocol),)))
