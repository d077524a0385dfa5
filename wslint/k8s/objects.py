"""What wslint knows about Kubernetes' own objects: workloads and their pod templates, containers,
ports, label selectors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from wslint.k8s.signals import WEBSOCKET_APP_PROTOCOLS, is_websocket_port_name
from wslint.model import KObject, as_str_map, dig, dig_list, dig_map

# API groups whose kinds are Kubernetes' own (a Knative `Service` is not a core Service).
CORE_GROUPS = frozenset({"", "apps", "extensions", "batch"})


@dataclass(frozen=True)
class WorkloadKind:
    """Where a kind keeps its pod template, and whether its pods serve connections."""

    kind: str
    template_path: tuple = ("spec", "template")  # () when the object is the pod itself
    long_running: bool = True
    replicas_path: tuple | None = ("spec", "replicas")  # None: not set by a replica count
    default_replicas: int | None = 1  # None: one pod per node, so possibly many
    api_group: str | None = None  # None: any of CORE_GROUPS
    # Who adds the pods' readiness probe, preStop drain and grace period beyond what the
    # template says (Knative does): the rules asking for those leave such pods alone.
    lifecycle_by: str | None = None


BUILTIN_WORKLOAD_KINDS: dict[str, WorkloadKind] = {
    kind.kind: kind for kind in (
        WorkloadKind("Pod", template_path=(), replicas_path=None),
        WorkloadKind("Deployment"),
        WorkloadKind("StatefulSet"),
        WorkloadKind("ReplicaSet"),
        WorkloadKind("ReplicationController"),
        WorkloadKind("DaemonSet", replicas_path=None, default_replicas=None),
        WorkloadKind("Job", long_running=False, replicas_path=("spec", "parallelism")),
        WorkloadKind("CronJob", template_path=("spec", "jobTemplate", "spec", "template"),
                     long_running=False, replicas_path=None),
    )
}

# Pods that run to completion serve no connections.
_BATCH_RESTART_POLICIES = frozenset({"Never", "OnFailure"})


def is_core(obj: KObject) -> bool:
    return obj.api_group in CORE_GROUPS


@dataclass
class Port:
    name: str | None
    number: int | None
    protocol: str

    def may_carry_client_traffic(self) -> bool:
        """False for a container port that clearly serves no client: UDP and SCTP, a name or
        number of another protocol, metrics, health and debug endpoints."""
        if self.protocol in ("UDP", "SCTP"):
            return False
        if is_websocket_port_name(self.name):
            return True
        if self.number in NON_HTTP_PORTS:
            return False
        return not (self.name and (self.name.lower().split("-")[0] in NON_HTTP_PROTOCOLS
                                   or _NOT_CLIENT_PORT_NAME.search(self.name)))


@dataclass
class Container:
    index: int
    data: dict
    path: tuple  # path of the container within its object
    _ports: list[Port] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else f"#{self.index}"

    def ports(self) -> list[Port]:
        if self._ports is None:  # asked by most rules of every container
            self._ports = [_port(item, "containerPort") for item in dig_list(self.data, "ports")
                           if isinstance(item, dict)]
        return list(self._ports)


def _port(item: dict, number_key: str) -> Port:
    name = item.get("name")
    number = item.get(number_key)
    protocol = item.get("protocol")
    return Port(name if isinstance(name, str) else None,
                number if type(number) is int else None,
                protocol if isinstance(protocol, str) else "TCP")


def is_web_port(port: Port) -> bool:
    return bool(port.name and _WEB_PORT_NAME.search(port.name)) or port.number in WEB_PORTS


class Workload:
    """A workload object seen through its pod template."""

    def __init__(self, obj: KObject, kind: WorkloadKind) -> None:
        self.obj = obj
        self.kind = kind
        self.template_path = kind.template_path
        template = obj.get(*kind.template_path) if kind.template_path else obj.data
        self.template: dict = template if isinstance(template, dict) else {}
        self.pod_spec_path: tuple = kind.template_path + ("spec",)
        self.pod_spec: dict = dig_map(self.template, "spec")
        self.pod_labels = as_str_map(dig(self.template, "metadata", "labels"))
        self.pod_annotations = as_str_map(dig(self.template, "metadata", "annotations"))
        restart = self.pod_spec.get("restartPolicy")
        self.long_running = kind.long_running and restart not in _BATCH_RESTART_POLICIES
        self._containers: list[Container] | None = None

    def containers(self) -> list[Container]:
        if self._containers is None:  # asked by most rules of every workload
            base = self.pod_spec_path + ("containers",)
            self._containers = [Container(index, item, base + (index,))
                                for index, item in enumerate(dig_list(self.pod_spec, "containers"))
                                if isinstance(item, dict)]
        return list(self._containers)

    def replicas(self) -> int | None:
        """The configured replica count; None when the kind has no such count (DaemonSet: one
        pod per node) or the value is not an integer."""
        if self.kind.replicas_path is None:
            return self.kind.default_replicas
        value = self.obj.get(*self.kind.replicas_path)
        if value is None:
            return self.kind.default_replicas
        return value if type(value) is int else None

    def binds_node_ports(self) -> bool:
        """Whether its pods take ports of their node (`hostNetwork`, a `hostPort`): two of them
        cannot run on one node."""
        return self.pod_spec.get("hostNetwork") is True or any(
            type(item.get("hostPort")) is int and item["hostPort"] > 0
            for container in self.containers()
            for item in dig_list(container.data, "ports") if isinstance(item, dict))

    def annotation(self, key: str) -> str | None:
        """An annotation on the workload or its pod template (the template's wins)."""
        return self.pod_annotations.get(key, self.obj.annotations.get(key))


def workload_kind_of(obj: KObject, kinds: dict[str, WorkloadKind]) -> WorkloadKind | None:
    """How `obj` keeps its pods, if it is a workload. A kind without an API group matches Kubernetes'
    own groups for the built-in kinds, and any group for a configured kind (`Rollout`)."""
    kind = kinds.get(obj.kind)
    if kind is None:
        return None
    if kind.api_group is None:
        builtin = obj.kind in BUILTIN_WORKLOAD_KINDS
        return kind if obj.api_group in CORE_GROUPS or not builtin else None
    return kind if obj.api_group == kind.api_group else None


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector (`matchLabels` and `matchExpressions`) against labels. An empty or
    malformed selector matches nothing here: wslint only relates objects it can be sure of."""
    if not isinstance(selector, dict):
        return False
    match_labels = as_str_map(selector.get("matchLabels"))
    expressions = [e for e in dig_list(selector, "matchExpressions") if isinstance(e, dict)]
    if not match_labels and not expressions:
        return False
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for expression in expressions:
        key = expression.get("key")
        operator = expression.get("operator")
        values = [str(v) for v in dig_list(expression, "values")]
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def namespaces_match(a: str | None, b: str | None) -> bool:
    """An object without a namespace lands wherever it is applied, so it may share any."""
    return a is None or b is None or a == b


@dataclass
class ServicePort:
    index: int
    name: str | None
    port: int | None
    target: int | str | None  # targetPort: a number, a container port name, or the port itself
    app_protocol: str | None
    protocol: str = "TCP"

    def reaches(self, port: Port) -> bool:
        """Whether its `targetPort` is this container port (by name, or by number)."""
        if isinstance(self.target, str):
            return bool(port.name) and port.name == self.target
        return self.target is not None and port.number == self.target

    def may_carry_websockets(self) -> bool:
        """False for ports that clearly speak something else than HTTP: UDP and SCTP, an
        appProtocol or a port name (`redis`, `grpc-api`: Istio's `<protocol>[-suffix]`
        convention) naming another protocol, or a well-known database or broker port."""
        if self.protocol in ("UDP", "SCTP"):
            return False
        if is_websocket_port_name(self.name) or self.app_protocol in WEBSOCKET_APP_PROTOCOLS:
            return True  # `mqtt-ws`: MQTT over WebSocket
        if self.app_protocol and self.app_protocol.lower().rsplit("/", 1)[-1] in NON_HTTP_PROTOCOLS:
            return False
        if self.name and (self.name.lower().split("-")[0] in NON_HTTP_PROTOCOLS
                          or _NOT_CLIENT_PORT_NAME.search(self.name)):
            return False
        return self.port not in NON_HTTP_PORTS


NON_HTTP_PROTOCOLS = frozenset({
    "grpc", "mongo", "mongodb", "mysql", "redis", "udp", "dns", "cql", "postgres", "postgresql",
    "amqp", "amqps", "kafka", "zookeeper", "zk", "memcache", "memcached", "smtp", "ssh", "nats",
    "mqtt", "mqtts", "thrift", "metrics", "prometheus", "gossip", "raft", "etcd", "ldap", "statsd"})
# Port names of endpoints that serve tools, not clients: metrics, health checks, profiling.
_NOT_CLIENT_PORT_NAME = re.compile(r"metric|prometheus|health|probe|pprof|profil|debug", re.I)
NON_HTTP_PORTS = frozenset({22, 25, 53, 1883, 2181, 2379, 2380, 3306, 4222, 5432, 5672, 6379, 7000,
                            7001, 8125, 8883, 9042, 9092, 9100, 11211, 26257, 27017})
# Container port names and numbers of a server's web port: of a workload listening on several
# client ports (a broker's HTTP, MQTT and gRPC), the one its WebSockets are served on.
_WEB_PORT_NAME = re.compile(r"http|web|ws|ui|api|www|app|server|gui|console|dashboard", re.I)
WEB_PORTS = frozenset({80, 443, 3000, 5000, 8000, 8080, 8443, 8888})


def service_ports(service: KObject) -> Iterator[ServicePort]:
    for index, item in enumerate(dig_list(service.data, "spec", "ports")):
        if not isinstance(item, dict):
            continue
        port = item.get("port")
        port = port if type(port) is int else None
        target = item.get("targetPort", port)
        if not (type(target) is int or isinstance(target, str)):
            target = port
        if isinstance(target, str) and target.isdigit() and len(target) < 20:
            target = int(target)
        name = item.get("name")
        app_protocol = item.get("appProtocol")
        protocol = item.get("protocol")
        yield ServicePort(index, name if isinstance(name, str) else None, port, target,
                          app_protocol if isinstance(app_protocol, str) else None,
                          protocol if isinstance(protocol, str) else "TCP")


def service_selector(service: KObject) -> dict[str, str]:
    return as_str_map(service.get("spec", "selector"))


def is_headless(service: KObject) -> bool:
    """A headless Service balances nothing: clients resolve the pod addresses themselves."""
    return service.get("spec", "clusterIP") == "None"
