"""Liveness probes that restart a container, and drop its WebSockets, for what is only a busy
moment (WS205)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.checks.pods import _example_port
from wslint.model import Fix, KObject, Problem, dig

checks = CheckSet()

HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
DEFAULT_PERIOD, DEFAULT_FAILURES, DEFAULT_TIMEOUT = 10, 3, 1
MIN_WINDOW = 30


def probe_target(probe: dict) -> tuple | None:
    """What a probe checks: its handler and the handler's target (path, port, command ...)."""
    for handler in HANDLERS:
        spec = probe.get(handler)
        if not isinstance(spec, dict):
            continue
        if handler == "httpGet":
            return (handler, spec.get("path") or "/", spec.get("port"), spec.get("host"),
                    str(spec.get("scheme") or "HTTP").upper())
        if handler == "exec":
            command = spec.get("command")
            return (handler, tuple(map(str, command)) if isinstance(command, list) else None)
        return (handler, spec.get("port"), spec.get("service"))
    return None


def failure_window(probe: dict) -> tuple[int, int] | None:
    """periodSeconds and failureThreshold with their defaults; None if either is not a number."""
    period = probe.get("periodSeconds", DEFAULT_PERIOD)
    failures = probe.get("failureThreshold", DEFAULT_FAILURES)
    if type(period) is not int or type(failures) is not int:
        return None
    return period, failures


def _timeout(probe: dict) -> int | None:
    value = probe.get("timeoutSeconds", DEFAULT_TIMEOUT)
    return value if type(value) is int else None


def _no_more_tolerant(liveness: dict, readiness: dict) -> bool:
    """Whether liveness gives up as soon as readiness does: when it waits longer for each answer
    or for more failed checks, a busy moment takes the pod out of rotation well before it would
    restart it. (A TCP check passes while the process listens, busy or not: it is never the
    overload this rule is about.)"""
    live, ready = failure_window(liveness), failure_window(readiness)
    if live is None or ready is None:
        return True
    live_timeout, ready_timeout = _timeout(liveness), _timeout(readiness)
    if live_timeout is not None and ready_timeout is not None and live_timeout > ready_timeout:
        return False
    return live[0] * live[1] <= ready[0] * ready[1]


@checks("WS205")
def liveness_drops_connections(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    if not ctx.graph.may_serve_websockets(workload):
        return
    for container in ctx.graph.target_containers(workload):
        liveness = container.data.get("livenessProbe")
        if not isinstance(liveness, dict):
            continue
        reasons = []
        readiness = container.data.get("readinessProbe")
        target = probe_target(liveness)
        if target is not None and target[0] != "tcpSocket" and isinstance(readiness, dict) \
                and probe_target(readiness) == target and _no_more_tolerant(liveness, readiness):
            reasons.append("it checks the same thing as the readinessProbe, so a moment of "
                           "overload that should only take the pod out of rotation restarts it")
        window = failure_window(liveness)
        if window and window[0] * window[1] < MIN_WINDOW:
            reasons.append(f"it restarts the container after {window[0] * window[1]} s of failed "
                           f"checks (periodSeconds {window[0]} x failureThreshold {window[1]}), "
                           f"less than {MIN_WINDOW} s")
        if not reasons:
            continue
        port = dig(liveness, "httpGet", "port") or _example_port(container)
        yield Problem(
            container.path + ("livenessProbe",),
            f'{obj.ref}: container "{container.name}" has a livenessProbe that drops every '
            f"WebSocket on the pod when it fails: {'; and '.join(reasons)}",
            Fix("give liveness its own cheap endpoint that fails only when the process is stuck, "
                f"and allow at least {MIN_WINDOW} s of failures before a restart",
                "livenessProbe:\n  httpGet:\n    path: /livez  # the process itself, not its "
                f"dependencies\n    port: {port}\n  periodSeconds: 10\n  failureThreshold: 6"))
