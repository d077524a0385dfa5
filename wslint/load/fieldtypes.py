"""The types the API server accepts in the fields wslint reads (WS907).

A manifest can hold anything where an object belongs: `spec: "text"`, `containers: {}`,
`replicas: "three"`. The API server rejects such an object, and wslint's checks read the field
as absent (see `wslint.model.dig`), so the user is told once, here, at the field. Null counts as
absent everywhere (Kubernetes reads it so) except as an item of a list of objects, and as
`metadata`, without which an object has no name.

Shapes are data: `obj({...})` a mapping with typed fields (others are not checked), `items(shape)`
a list of `shape`, and the scalar kinds below.
"""

from __future__ import annotations

from typing import Any

OBJECT = "object"
LIST = "list"
STRING = "string"
INTEGER = "integer"
INT_OR_STRING = "int-or-string"
QUANTITY = "quantity"  # `500m`, `1Gi`, or a number
STRING_MAP = "string-map"  # labels, annotations, selectors, ConfigMap data
QUANTITY_MAP = "quantity-map"  # resources.requests and limits: numbers or strings

Shape = tuple


def obj(fields: dict[str, Any] | None = None, nullable: bool = True) -> Shape:
    return (OBJECT, fields or {}, nullable)


def items(shape: Any) -> Shape:
    return (LIST, shape)


EXPECTED = {
    OBJECT: "a mapping", LIST: "a list", STRING: "a string", INTEGER: "an integer",
    INT_OR_STRING: "an integer or a string", QUANTITY: "a quantity",
    STRING_MAP: "a mapping of strings",
    QUANTITY_MAP: "a mapping of quantities",
}

METADATA = obj({"name": STRING, "generateName": STRING, "namespace": STRING,
                "labels": STRING_MAP, "annotations": STRING_MAP}, nullable=False)
PROBE = obj({
    "httpGet": obj({"path": STRING, "port": INT_OR_STRING}),
    "tcpSocket": obj({"port": INT_OR_STRING}),
    "exec": obj({"command": items(STRING)}),
    "initialDelaySeconds": INTEGER, "periodSeconds": INTEGER, "timeoutSeconds": INTEGER,
    "successThreshold": INTEGER, "failureThreshold": INTEGER,
})
HANDLER = obj({"exec": obj({"command": items(STRING)}), "httpGet": obj({"path": STRING}),
               "sleep": obj({"seconds": INTEGER})})
CONTAINER = obj({
    "name": STRING, "image": STRING, "command": items(STRING), "args": items(STRING),
    "ports": items(obj({"name": STRING, "containerPort": INTEGER, "protocol": STRING})),
    "env": items(obj({"name": STRING, "value": STRING})),
    "readinessProbe": PROBE, "livenessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": obj({"preStop": HANDLER, "postStart": HANDLER}),
    "resources": obj({"requests": QUANTITY_MAP, "limits": QUANTITY_MAP}),
})
POD_SPEC = obj({"containers": items(CONTAINER), "initContainers": items(CONTAINER),
                "terminationGracePeriodSeconds": INTEGER, "restartPolicy": STRING})
POD_TEMPLATE = obj({"metadata": obj({"labels": STRING_MAP, "annotations": STRING_MAP}),
                    "spec": POD_SPEC})
SELECTOR = obj({"matchLabels": STRING_MAP, "matchExpressions": items(obj({"key": STRING}))})


def _workload(**fields: Any) -> Shape:
    return obj({"spec": obj({"template": POD_TEMPLATE, **fields})})


# By kind, for Kubernetes' own API groups; any other object only has its metadata checked.
KINDS: dict[str, Shape] = {
    "Pod": obj({"spec": POD_SPEC}),
    "Deployment": _workload(replicas=INTEGER, selector=SELECTOR),
    "StatefulSet": _workload(replicas=INTEGER, selector=SELECTOR),
    "ReplicaSet": _workload(replicas=INTEGER, selector=SELECTOR),
    "ReplicationController": _workload(replicas=INTEGER, selector=STRING_MAP),
    "DaemonSet": _workload(selector=SELECTOR),
    "Job": _workload(parallelism=INTEGER),
    "CronJob": obj({"spec": obj({"schedule": STRING, "jobTemplate": obj({
        "spec": obj({"template": POD_TEMPLATE})})})}),
    "Service": obj({"spec": obj({
        "type": STRING, "clusterIP": STRING, "sessionAffinity": STRING, "selector": STRING_MAP,
        "ports": items(obj({"name": STRING, "port": INTEGER, "targetPort": INT_OR_STRING,
                            "protocol": STRING, "appProtocol": STRING}))})}),
    "Ingress": obj({"spec": obj({
        "ingressClassName": STRING, "defaultBackend": obj(), "backend": obj(),
        "tls": items(obj()),
        "rules": items(obj({"host": STRING, "http": obj({"paths": items(obj({
            "path": STRING, "pathType": STRING, "backend": obj()}))})}))})}),
    "HorizontalPodAutoscaler": obj({"spec": obj({
        "scaleTargetRef": obj({"kind": STRING, "name": STRING}),
        "minReplicas": INTEGER, "maxReplicas": INTEGER})}),
    "PodDisruptionBudget": obj({"spec": obj({
        "selector": SELECTOR, "minAvailable": INT_OR_STRING, "maxUnavailable": INT_OR_STRING})}),
    "ConfigMap": obj({"data": STRING_MAP}),
}
CORE_GROUPS = frozenset({"", "v1", "apps", "batch", "extensions", "networking.k8s.io", "policy",
                         "autoscaling"})


def shape_of(data: dict) -> Shape:
    """The shape of an object: its kind's for Kubernetes' own kinds, else just `metadata`."""
    api_version = data.get("apiVersion")
    group = api_version.rsplit("/", 1)[0] if isinstance(api_version, str) and "/" in api_version \
        else ""
    kind = KINDS.get(data.get("kind")) if group in CORE_GROUPS else None
    fields = dict(kind[1]) if kind else {}
    fields["metadata"] = METADATA
    return obj(fields)


def wrong_types(data: dict) -> list[tuple[tuple, str]]:
    """(path, what was expected) for each field of the object that holds the wrong type."""
    found: list[tuple[tuple, str]] = []
    _check(data, shape_of(data), (), found)
    return found


def _check(value: Any, shape: Any, path: tuple, found: list) -> None:
    # Every field of every object passes here: scalar fields are judged in the loops below
    # rather than in a call of their own each.
    kind = shape if isinstance(shape, str) else shape[0]
    if value is None:
        if kind == OBJECT and not shape[2]:
            found.append((path, EXPECTED[kind]))
        return
    if isinstance(value, str) and "${" in value:
        return  # an envsubst placeholder: the file is a template, rendered before it is applied
    if not _fits(value, kind):
        found.append((path, EXPECTED[kind]))
        return
    if kind == OBJECT:
        for name, field_shape in shape[1].items():
            if name in value:
                item = value[name]
                if isinstance(field_shape, str):
                    if item is None or isinstance(item, str) and (
                            field_shape in _TEXTUAL or "${" in item):
                        continue  # absent, or text where text fits (or a placeholder)
                    if type(item) is int and field_shape in _WHOLE:
                        continue
                _check(item, field_shape, path + (name,), found)
    elif kind == LIST:
        item_shape = shape[1]
        object_items = not isinstance(item_shape, str) and item_shape[0] == OBJECT
        for index, item in enumerate(value):
            if item is None and object_items:
                found.append((path + (index,), EXPECTED[OBJECT]))
            elif item_shape == STRING and type(item) is str:
                continue
            else:
                _check(item, item_shape, path + (index,), found)
    elif kind in (STRING_MAP, QUANTITY_MAP):
        scalar = STRING if kind == STRING_MAP else QUANTITY
        for name, item in value.items():
            if item is not None and type(item) is not str and not _fits(item, scalar):
                found.append((path + (name,), EXPECTED[scalar]))


# Scalar kinds any string fits, and those any int fits (`_fits`): the common cases, decided
# without a call.
_TEXTUAL = frozenset({STRING, INT_OR_STRING, QUANTITY})
_WHOLE = frozenset({INTEGER, INT_OR_STRING, QUANTITY})


def _fits(value: Any, kind: str) -> bool:
    if kind in (OBJECT, STRING_MAP, QUANTITY_MAP):
        return isinstance(value, dict)
    if kind == LIST:
        return isinstance(value, list)
    if kind == STRING:
        return isinstance(value, str)
    if kind == INTEGER:
        return type(value) is int
    if kind == INT_OR_STRING:
        return isinstance(value, str) or type(value) is int
    if kind == QUANTITY:
        return isinstance(value, str) or type(value) is int or (
            type(value) is float and abs(value) != float("inf") and value == value)
    return True
