"""How many pods go at once, and why: evictions without a PodDisruptionBudget (WS402), an HPA
that scales down abruptly (WS403) or on the wrong signal (WS405), a rolling update that drops
capacity (WS404)."""

from __future__ import annotations

import math
from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.graph import Graph
from wslint.k8s.objects import Workload
from wslint.model import Fix, KObject, Problem, Related, as_str_map, dig, dig_list

checks = CheckSet()


def _selector_snippet(workload: Workload) -> str:
    labels = as_str_map(workload.obj.get("spec", "selector", "matchLabels")) or workload.pod_labels
    return "\n".join(f"      {k}: {v}" for k, v in labels.items()) or "      app: NAME"


@checks("WS402")
def missing_disruption_budget(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    graph = ctx.graph
    workload = graph.workload(obj)
    pods = graph.max_pods(workload)
    if pods is None or pods <= 1 or workload.obj.kind == "Pod":
        return  # one pod per node (DaemonSet: drains skip them), or a single pod
    if not graph.may_serve_websockets(workload):
        return
    if graph.disruption_budgets_for(workload):
        return
    namespace = f"\n  namespace: {obj.namespace}" if obj.namespace else ""
    yield Problem(
        workload.kind.replicas_path or ("spec",),
        f"{obj.ref} runs up to {pods} pods and no PodDisruptionBudget selects them: a node drain "
        f"or cluster upgrade may evict them all at once, dropping every WebSocket together",
        Fix("add a PodDisruptionBudget that lets one pod go at a time",
            f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {obj.name}"
            f"{namespace}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n"
            f"{_selector_snippet(workload)}"))


def _hpa_targets(hpa: KObject, graph: Graph) -> list[Workload]:
    """The long-running workloads in WebSocket scope an HPA scales."""
    return [w for w in graph.autoscaler_targets(hpa) if w.long_running and graph.in_scope(w.obj)
            and graph.may_serve_websockets(w)]


def _limits_scale_down(policy: object, max_replicas: object) -> bool:
    """Whether one scale-down policy keeps some pods: under 100 percent, or fewer pods than the
    HPA may run."""
    value = dig(policy, "value")
    if type(value) is not int:
        return False
    if dig(policy, "type") == "Percent":
        return value < 100
    return dig(policy, "type") == "Pods" and (type(max_replicas) is not int or value < max_replicas)


SCALE_DOWN_SNIPPET = ("behavior:\n  scaleDown:\n    stabilizationWindowSeconds: 300\n"
                      "    policies:\n    - type: Pods\n      value: 1\n      periodSeconds: 120")


@checks("WS403")
def hpa_abrupt_scale_down(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    targets = _hpa_targets(obj, ctx.graph)
    if not targets:
        return
    scale_down = obj.get("spec", "behavior", "scaleDown")
    if dig(scale_down, "selectPolicy") == "Disabled":
        return
    policies = dig_list(scale_down, "policies")
    limiting = [_limits_scale_down(p, obj.get("spec", "maxReplicas")) for p in policies]
    # The default selectPolicy Max applies the policy that removes the most pods.
    if policies and (any(limiting) if dig(scale_down, "selectPolicy") == "Min" else all(limiting)):
        return
    version = "" if obj.api_version.startswith("autoscaling/v2") else \
        f" ({obj.api_version} has no behavior field: use autoscaling/v2)"
    what = ("its scaleDown policies let it remove every pod in one period" if policies
            else "it has no behavior.scaleDown policies, so the default applies: all surplus "
                 "pods may go within 15 s after the 300 s stabilization window")
    yield Problem(
        ("spec", "behavior", "scaleDown", "policies"),
        f"{obj.ref} scales {', '.join(str(w.obj.ref) for w in targets)}: {what}; each removed "
        f"pod drops its WebSockets and their clients reconnect at once{version}",
        Fix("limit scale-down to a few pods per period so reconnecting clients spread out",
            SCALE_DOWN_SNIPPET), related=tuple(Related(w.obj, (), "scaled by this HPA")
                                               for w in targets))


@checks("WS405")
def hpa_ignores_connections(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    targets = _hpa_targets(obj, ctx.graph)
    if not targets:
        return
    metrics = [m for m in dig_list(obj.data, "spec", "metrics") if isinstance(m, dict)]
    if any(m.get("type") in ("Pods", "Object", "External") for m in metrics):
        return
    names = [dig(m, "resource", "name") or dig(m, "containerResource", "name") for m in metrics]
    if metrics:
        path, scaled_on = ("spec", "metrics"), " and ".join(dict.fromkeys(map(str, names)))
    elif obj.get("spec", "targetCPUUtilizationPercentage") is not None:
        path, scaled_on = ("spec", "targetCPUUtilizationPercentage"), "cpu"
    else:
        path, scaled_on = ("spec", "metrics"), "cpu (the default: 80% utilization)"
    yield Problem(
        path,
        f"{obj.ref} scales {', '.join(str(w.obj.ref) for w in targets)} on {scaled_on} only: "
        f"idle WebSockets cost little CPU, so pods fill up with connections the autoscaler "
        f"never sees",
        Fix("add a per-pod connection-count metric (served by a metrics adapter) next to or "
            "instead of the resource metric",
            "metrics:\n- type: Pods\n  pods:\n    metric:\n      name: websocket_connections"
            "  # what your adapter exposes\n    target:\n      type: AverageValue\n"
            "      averageValue: \"1000\""),
        related=tuple(Related(w.obj, (), "scaled by this HPA") for w in targets))


def _resolve(value: object, replicas: int, round_up: bool) -> int | None:
    """A RollingUpdate int-or-percent against the replica count (Kubernetes rounds
    maxUnavailable down and maxSurge up)."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit() and len(value) < 20:
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    if isinstance(value, str) and value.isdigit() and len(value) < 20:
        return int(value)
    return None


@checks("WS404")
def rollout_drops_capacity(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    if obj.kind != "Deployment" or obj.get("spec", "strategy", "type") not in (None, "RollingUpdate"):
        return
    # A controller's proxy carries every WebSocket routed through it, whether or not the input
    # holds those routes: its rollouts are checked as those of a WebSocket server.
    proxy = bool(ctx.graph.proxy_controllers(workload)) and not ctx.graph.opted_out(obj)
    if not (ctx.graph.in_scope(obj) or proxy) or not ctx.graph.may_serve_websockets(workload):
        return
    if workload.binds_node_ports():
        return  # a surge pod needs a node whose ports are free: such Deployments roll this way
    replicas = workload.replicas()
    if replicas is None or not 0 < replicas <= ctx.options["max-replicas"]:
        return
    rolling = obj.get("spec", "strategy", "rollingUpdate")
    written = dig(rolling, "maxUnavailable")
    unavailable = _resolve("25%" if written is None else written, replicas, round_up=False)
    surge_written = dig(rolling, "maxSurge")
    surge = _resolve("25%" if surge_written is None else surge_written, replicas, round_up=True)
    if unavailable is None or surge is None:
        return
    stated = f"{written!s}" if written is not None else "unset (25%)"
    if unavailable == 0 and surge == 0:
        unavailable = 1  # both 0 cannot roll: Kubernetes takes one pod down instead
        stated += " with maxSurge 0"
    if unavailable <= 0:
        return
    yield Problem(
        ("spec", "strategy", "rollingUpdate", "maxUnavailable"),
        f"{obj.ref} has {replicas} replica(s) and maxUnavailable {stated}, which lets "
        f"{unavailable} pod(s) go before their replacements are ready: during every rollout "
        f"their clients reconnect onto {'no pod at all' if unavailable >= replicas else 'fewer pods'}",
        Fix("surge new pods first and take none down before they are ready",
            "strategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxUnavailable: 0\n"
            "    maxSurge: 1"))
