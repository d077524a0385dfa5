"""Shutdown: a preStop hook that can never finish (WS204), and a mesh's sidecar (Istio, Linkerd)
that leaves before the application has drained its connections (WS206)."""

from __future__ import annotations

import re
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.checks.pods import prestop_seconds
from wslint.controllers.registry import PROFILES
from wslint.k8s.objects import Container, Workload
from wslint.model import Fix, KObject, Problem, dig

checks = CheckSet()

SLEEP_FIX = "lifecycle:\n  preStop:\n    sleep:\n      seconds: 15"

_LOOP = re.compile(r"\b(?:while|until)\b")
# `lsof -i:8080`, `lsof -i :8080`, `lsof -iTCP:8080`, `lsof -n -P -i tcp:$PORT`
_LSOF = re.compile(r"\blsof\b[^;|&`)]*?-i\s*(?:tcp|TCP)?\s*:?\s*(\$\{?\w+\}?|\d+|[A-Z_]+)?")
_ESTABLISHED = re.compile(r"-s\s*TCP:ESTABLISHED|\bESTABLISHED\b", re.IGNORECASE)
# netstat or ss listing listening sockets too (-a, -l), grepped for the port.
_SOCKET_LIST = re.compile(r"\b(?:netstat|ss)\s+-\w*[al]\w*")
_FOREVER = re.compile(r"\bsleep\s+infinity\b|\btail\s+-f\b|\b(?:while\s+(?:true|:)|until\s+false)\b")
_EXIT = re.compile(r"\b(?:break|exit|return)\b")
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "busybox"})
# Tools an exec hook typically calls, which a distroless image does not have either.
TOOLS = frozenset({"sleep", "lsof", "curl", "wget", "kill", "pkill", "netstat", "ss"})


def _exec_command(container: Container) -> tuple[list, tuple] | None:
    path = ("lifecycle", "preStop", "exec", "command")
    command = dig(container.data, *path)
    if not isinstance(command, list) or not command:
        return None
    parts = [str(part) for part in command if isinstance(part, (str, int, float))]
    return (parts, container.path + path) if parts else None  # `[null]`: nothing to run


def _never_exits(text: str) -> str | None:
    """Why a preStop command never returns on its own, or None."""
    if _LOOP.search(text):
        lsof = _LSOF.search(text)
        if lsof and not _ESTABLISHED.search(text):
            return (f"`{lsof.group(0).strip()}` also matches the socket the server listens on, "
                    f"so the loop waiting for it to come back empty never ends")
        if _SOCKET_LIST.search(text) and not _ESTABLISHED.search(text):
            return ("the socket listing includes the listening socket, so the loop waiting for "
                    "the port to go quiet never ends")
    forever = _FOREVER.search(text)
    if forever and not (forever.group(0).startswith(("while", "until")) and _EXIT.search(text)):
        return f"`{forever.group(0)}` never returns"
    return None


def _distroless(image: object) -> bool:
    """An image known to ship no shell: Google's distroless images (their `:debug` tags carry a
    busybox shell)."""
    return isinstance(image, str) and "distroless" in image and ":debug" not in image


@checks("WS204")
def prestop_never_exits(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload: Workload = ctx.graph.workload(obj)
    for container in workload.containers():
        found = _exec_command(container)
        if found is None:
            continue
        command, path = found
        program = command[0].rsplit("/", 1)[-1]
        image = container.data.get("image")
        if _distroless(image) and (program in SHELLS or program in TOOLS):
            yield Problem(
                path,
                f'{obj.ref}: container "{container.name}" runs its preStop hook with '
                f'`{command[0]}`, but its image {image} is distroless and has no shell or '
                f"tools: the hook fails at once and the container gets SIGTERM with no drain",
                Fix("use the kubelet's sleep action, which needs nothing in the image "
                    "(Kubernetes 1.30+), and let the application drain on SIGTERM", SLEEP_FIX))
            continue
        why = _never_exits(" ".join(command))
        if why is None:
            continue
        yield Problem(
            path,
            f'{obj.ref}: container "{container.name}" has a preStop hook that never exits: '
            f"{why}; SIGTERM waits for the hook, so every shutdown burns the whole grace period "
            f"and ends in SIGKILL with connections still open",
            Fix("sleep a bounded time so endpoints are removed, and close connections in the "
                "application's SIGTERM handler; if you must wait for clients, filter "
                "established connections and give up after a deadline",
                SLEEP_FIX + "\n# or, bounded and filtered:\n# exec:\n#   command: [\"/bin/sh\", "
                "\"-c\", \"for i in $(seq 25); do lsof -nP -iTCP:8080 -sTCP:ESTABLISHED "
                ">/dev/null || exit 0; sleep 1; done\"]"))


# --- WS206 -------------------------------------------------------------------------------------

@checks("WS206")
def sidecar_drain_too_short(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    """The drain of whichever mesh injects its proxy into the pods (see the profiles)."""
    graph = ctx.graph
    workload: Workload = graph.workload(obj)
    if not graph.may_serve_websockets(workload):
        return
    for profile in PROFILES:
        drain = profile.sidecar_drain(workload, graph) if profile.sidecar_drain else None
        if drain is None:
            continue
        app = [c for c in workload.containers() if c.name != drain.proxy_container]
        prestop = max((prestop_seconds(c.data) for c in app), default=0)
        if not prestop and graph.alone_when_replaced(workload):
            continue  # one pod, no drain of its own: its clients have nowhere to go meanwhile
        needed = prestop + ctx.options["drain-seconds"]
        if drain.seconds >= needed:
            continue
        budget = (f"the app's preStop ({prestop:g} s) plus {ctx.options['drain-seconds']} s to "
                  f"drain" if prestop else
                  f"the {ctx.options['drain-seconds']} s the app needs to drain")
        yield Problem(
            drain.path,
            f"{obj.ref}: the {drain.mesh} sidecar's {drain.setting} {drain.stated}, shorter than "
            f"{budget} ({needed:g} s); the proxy exits first and every WebSocket through it is "
            f"cut before the application can close it",
            drain.fix(needed), controller=profile.id)
