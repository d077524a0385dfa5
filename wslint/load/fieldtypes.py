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

from typing import Any, Callable

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
    kind = data.get("kind") if group in CORE_GROUPS else None
    return _SHAPES.get(kind, _METADATA_ONLY) if type(kind) is str else _METADATA_ONLY


# Each kind's shape with `metadata`, made once.
_SHAPES = {name: obj({**kind[1], "metadata": METADATA}) for name, kind in KINDS.items()}
_METADATA_ONLY = obj({"metadata": METADATA})


def wrong_types(data: dict) -> list[tuple[tuple, str]]:
    """(path, what was expected) for each field of the object that holds the wrong type."""
    found: list[tuple[tuple, str]] = []
    _checker(shape_of(data))(data, (), found)
    return found


# Every field of every object passes here, so each shape is turned once into a function that
# checks a value against it (`_checker`), rather than read again for every value. A checker takes
# the value, its path and the list of what was found. Null is absent (a null where a mapping that
# is not nullable belongs aside), and so is a string with an envsubst placeholder (`${...}`: the
# file is a template, rendered before it is applied); scalar fields are judged inside their
# mapping's loop rather than in a call of their own each.
Checker = Callable[[Any, tuple, list], None]
_CHECKERS: dict[int, Checker] = {}  # by the id of the shape (shapes are module constants)


def _checker(shape: Any) -> Checker:
    made = _CHECKERS.get(id(shape))
    if made is None:
        kind = shape if isinstance(shape, str) else shape[0]
        make = _MAKERS.get(kind, _scalar_checker)
        made = _CHECKERS[id(shape)] = make(shape, kind)
    return made


def _object_checker(shape: Shape, kind: str) -> Checker:
    _, fields, nullable = shape
    # (name, the field's scalar kind or None, how any string or int fits it, its checker)
    entries = [(name, field, field in _TEXTUAL, field in _WHOLE, _checker(field))
               if isinstance(field, str) else (name, None, False, False, _checker(field))
               for name, field in fields.items()]
    expected = EXPECTED[OBJECT]

    def check(value: Any, path: tuple, found: list) -> None:
        if not isinstance(value, dict):
            if value is None:
                if not nullable:
                    found.append((path, expected))
            elif not _placeholder(value):
                found.append((path, expected))
            return
        for name, scalar, textual, whole, check_field in entries:
            if name in value:
                item = value[name]
                if scalar is not None:
                    if item is None or isinstance(item, str) and (textual or "${" in item):
                        continue  # absent, or text where text fits (or a placeholder)
                    if whole and type(item) is int:
                        continue
                check_field(item, path + (name,), found)

    return check


def _list_checker(shape: Shape, kind: str) -> Checker:
    item_shape = shape[1]
    check_item = _checker(item_shape)
    object_items = not isinstance(item_shape, str) and item_shape[0] == OBJECT
    strings = item_shape == STRING
    expected, expected_item = EXPECTED[LIST], EXPECTED[OBJECT]

    def check(value: Any, path: tuple, found: list) -> None:
        if not isinstance(value, list):
            if value is not None and not _placeholder(value):
                found.append((path, expected))
            return
        for index, item in enumerate(value):
            if item is None and object_items:
                found.append((path + (index,), expected_item))
            elif not (strings and type(item) is str):
                check_item(item, path + (index,), found)

    return check


def _map_checker(shape: str, kind: str) -> Checker:
    scalar = STRING if kind == STRING_MAP else QUANTITY
    expected, expected_item = EXPECTED[kind], EXPECTED[scalar]

    def check(value: Any, path: tuple, found: list) -> None:
        if not isinstance(value, dict):
            if value is not None and not _placeholder(value):
                found.append((path, expected))
            return
        for name, item in value.items():
            if item is not None and type(item) is not str and not _fits(item, scalar):
                found.append((path + (name,), expected_item))

    return check


def _scalar_checker(shape: str, kind: str) -> Checker:
    expected = EXPECTED.get(kind)

    def check(value: Any, path: tuple, found: list) -> None:
        if value is not None and not _placeholder(value) and not _fits(value, kind):
            found.append((path, expected))

    return check


def _placeholder(value: Any) -> bool:
    """A string with an envsubst placeholder: what it becomes is not known until it is rendered."""
    return isinstance(value, str) and "${" in value


_MAKERS = {OBJECT: _object_checker, LIST: _list_checker, STRING_MAP: _map_checker,
           QUANTITY_MAP: _map_checker}


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
