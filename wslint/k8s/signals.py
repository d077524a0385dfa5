"""What in a manifest says "WebSocket": port names, URL paths, the application protocols of
KEP-3726, and wslint's own annotation."""

from __future__ import annotations

import re

WEBSOCKET_ANNOTATION = "wslint.io/websocket"

# Port names that say "WebSocket": ws, wss, websocket(s), socketio, and names built from them.
_WS_PORT_NAME = re.compile(r"(?:^|[-_.])(?:ws|wss|websockets?|socket-?io|sockjs)(?:$|[-_.])", re.I)
# URL paths WebSocket servers conventionally listen on.
_WS_PATH = re.compile(
    r"(?:^|/)(?:ws|wss|websockets?|socket\.io|sockjs(?:-node)?|cable|hubs?|signalr|realtime"
    r"|graphql-ws)(?:$|[/.?])", re.I)
WEBSOCKET_APP_PROTOCOLS = ("kubernetes.io/ws", "kubernetes.io/wss")


def is_websocket_port_name(name: str | None) -> bool:
    return bool(name) and bool(_WS_PORT_NAME.search(name))


def is_websocket_path(path: str | None) -> bool:
    return bool(path) and bool(_WS_PATH.search(path))
