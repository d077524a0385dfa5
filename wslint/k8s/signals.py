"""What in a manifest says "WebSocket": port names, URL paths, the application protocols of
KEP-3726, and wslint's own annotation."""

from __future__ import annotations

import re
from functools import lru_cache, wraps
from typing import Any, Callable

WEBSOCKET_ANNOTATION = "wslint.io/websocket"

# Port names that say "WebSocket": ws, wss, websocket(s), socketio, and names built from them.
_WS_PORT_NAME = re.compile(r"(?:^|[-_.])(?:ws|wss|websockets?|socket-?io|sockjs)(?:$|[-_.])", re.I)
# URL paths WebSocket servers conventionally listen on.
_WS_PATH = re.compile(
    r"(?:^|/)(?:ws|wss|websockets?|socket\.io|sockjs(?:-node)?|cable|hubs?|signalr|realtime"
    r"|graphql-ws)(?:$|[/.?])", re.I)
WEBSOCKET_APP_PROTOCOLS = ("kubernetes.io/ws", "kubernetes.io/wss")


def _remembered(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """`test`, remembering its answer for each text: the same few names (of ports, environment
    variables, workloads) and paths come up across thousands of objects, and a regular
    expression search takes several times a lookup."""
    cached = lru_cache(maxsize=65536)(test)

    @wraps(test)
    def remembered(name: Any) -> bool:
        return cached(name) if type(name) is str else test(name)

    return remembered


@_remembered
def is_websocket_port_name(name: str | None) -> bool:
    return bool(name) and bool(_WS_PORT_NAME.search(name))


@_remembered
def is_websocket_path(path: str | None) -> bool:
    return bool(path) and bool(_WS_PATH.search(path))


# Servers whose clients hold WebSockets to them (live dashboards, notebooks, consoles, chat, MQTT
# over WebSocket, ...), by the last parts of their image repository: `grafana/grafana` matches
# `docker.io/grafana/grafana:10.4` but not `grafana/grafana-image-renderer`.
WEBSOCKET_IMAGES = (
    "grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise",
    "jupyterhub/k8s-hub", "jupyterhub/configurable-http-proxy", "jupyterhub/k8s-singleuser-sample",
    "jupyter/base-notebook", "jupyter/minimal-notebook", "jupyter/scipy-notebook",
    "jupyter/datascience-notebook", "jupyter/tensorflow-notebook", "jupyter/pyspark-notebook",
    "jupyter/all-spark-notebook", "jupyter/r-notebook", "elyra/enterprise-gateway",
    "codercom/code-server", "linuxserver/code-server", "homeassistant/home-assistant",
    "home-assistant/home-assistant", "n8nio/n8n", "mattermost/mattermost-team-edition",
    "mattermost/mattermost-enterprise-edition", "rocketchat/rocket.chat", "thingsboard/tb-node",
    "thingsboard/tb-postgres", "emqx/emqx", "emqx/emqx-enterprise",
    "kubernetesui/dashboard", "kubernetesui/dashboard-web", "kubernetesui/dashboard-api",
    "headlamp-k8s/headlamp", "portainer/portainer-ce", "portainer/portainer-ee",
    "portainer/portainer", "jitsi/web", "jitsi/jvb", "jitsi/prosody", "hasura/graphql-engine",
    "louislam/uptime-kuma", "gotify/server", "ntfy/ntfy",
    "binwiederhier/ntfy", "centrifugo/centrifugo", "soketi/soketi", "outline/outline",
    "excalidraw/excalidraw-room", "etherpad/etherpad", "overleaf/overleaf", "sharelatex/sharelatex",
    "nodered/node-red", "vaultwarden/server", "skooner-k8s/skooner", "herbrandson/k8dash",
    "longhornio/longhorn-ui",
)
# How often well-known servers send something on an open WebSocket (their own pings), in
# seconds: a proxy's idle timeout longer than that never runs out. Home Assistant pings every
# 55 s; Hasura's graphql-ws keep-alive is 5 s; Grafana Live (Centrifuge) pings every 25 s.
SERVER_HEARTBEATS = {"homeassistant/home-assistant": 55, "home-assistant/home-assistant": 55,
                     "hasura/graphql-engine": 5, "grafana/grafana": 25,
                     "grafana/grafana-oss": 25, "grafana/grafana-enterprise": 25,
                     # ThingsBoard pings each idle session every ping_timeout / 3 (30 s / 3)
                     "thingsboard/tb-node": 10, "thingsboard/tb-postgres": 10}
# Socket.IO's server pings every 25 s (pingInterval), SockJS's heartbeat is 25 s, SignalR's
# keep-alive 15 s: a client of one of them is never silent longer.
POLLING_HEARTBEAT = 25

# Workloads known by their name where their image serves other roles too (Argo CD's one image
# runs its API server, which streams logs and terminals, and its repo server, which does not;
# Weave Scope's runs its app, and the probes on every node).
WEBSOCKET_WORKLOAD_NAMES = ("argocd-server", "weave-scope-app")
# Environment variable names that configure a WebSocket server or its Socket.IO/SignalR layer.
_WS_ENV = re.compile(r"WEBSOCKETS?|SOCKET_?IO|SOCKJS|SIGNALR|(?:^|_)WSS?(?:_|$)", re.I)
# Names of objects that say what they serve: `chat`, `chat-ws`, `websocket-gateway`,
# `socketio-server` (a chat server pushes messages: it holds its clients' WebSockets).
_WS_NAME = re.compile(r"websocket|socket-?io|sockjs|signalr", re.I)
# Words that say so only as a whole part of a name, and not in the name of an app's frontend
# (`chat-app-frontend` serves the pages whose scripts open their WebSockets to the backend).
_WS_NAME_PART = re.compile(r"(?:^|[-_.])(?:ws|wss|realtime|chat)(?:$|[-_.])", re.I)
_FRONTEND_PART = re.compile(r"(?:^|[-_.])(?:frontend|front|ui|client|static|spa)(?:$|[-_.])", re.I)


# Asked for each image by many rules and signals; an input holds few distinct images.
@lru_cache(maxsize=65536)
def image_repository(image: str) -> str:
    """`registry:5000/org/name:tag@sha256:...` -> `org/name` (the registry and tag dropped)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[:len(name) - len(last[-1])] + last[-1].split(":", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts).lower()


# Servers of the list that hold WebSockets only from a version on (Grafana Live: Grafana 8.0).
WEBSOCKET_SINCE = {"grafana/grafana": (8, 0)}
_VERSION_TAG = re.compile(r"^v?(\d{1,9})\.(\d{1,9})(?!\d)")


def older_than(image: str, version: tuple[int, int]) -> bool:
    """Whether the image's tag names a version below `version` (False when it names none)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    found = _VERSION_TAG.match(tag)
    return bool(found) and (int(found.group(1)), int(found.group(2))) < version


def image_matches(image: object, repositories: tuple[str, ...]) -> str | None:
    """The entry of `repositories` the image is (its repository ends with the entry's parts)."""
    if not isinstance(image, str):
        return None
    return _image_matches(image, repositories)


# Remembered, as rules ask of every container's image against several lists.
@lru_cache(maxsize=65536)
def _image_matches(image: str, repositories: tuple[str, ...]) -> str | None:
    repository = image_repository(image)
    for known in repositories:
        if repository == known or repository.endswith("/" + known):
            return known
    return None


@_remembered
def is_websocket_env_name(name: object) -> bool:
    return isinstance(name, str) and bool(_WS_ENV.search(name)) and "CONNECTIONSTRING" not in \
        name.upper().replace("_", "").replace(":", "")


# Environment variables by which an application hands its WebSockets to a hosted service: its
# clients then hold their connections to that service, not to the pods. .NET reads configuration
# keys case-insensitively, with `__` or `:` between sections.
HANDED_OFF_ENV = {"azure__signalr__connectionstring": "Azure SignalR Service",
                  "azure:signalr:connectionstring": "Azure SignalR Service"}


def websocket_host(env_name: object) -> str | None:
    """The hosted service an environment variable hands the application's WebSockets to."""
    return HANDED_OFF_ENV.get(env_name.lower()) if isinstance(env_name, str) else None


@_remembered
def is_websocket_name(name: str | None) -> bool:
    return bool(name) and (bool(_WS_NAME.search(name)) or bool(
        _WS_NAME_PART.search(name) and not _FRONTEND_PART.search(name)))


# What a client that falls back to HTTP long-polling speaks (Socket.IO, SockJS, SignalR): its
# polling requests must reach the pod that holds the session, so these need stickiness.
_POLLING = re.compile(r"socket[-_.]?io|sockjs|signalr", re.I)
_POLLING_PATH = re.compile(r"(?:^|/)(?:socket\.io|sockjs(?:-node)?|signalr|hubs?)(?:$|[/.?])", re.I)


@_remembered
def is_polling_name(name: object) -> bool:
    """A port, environment variable or object name of Socket.IO, SockJS or SignalR."""
    return isinstance(name, str) and bool(_POLLING.search(name))


@_remembered
def is_polling_path(path: str | None) -> bool:
    return bool(path) and bool(_POLLING_PATH.search(path))
