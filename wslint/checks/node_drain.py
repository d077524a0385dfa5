"""The node under the pod: a termination grace period longer than node drains wait (WS208)."""

from __future__ import annotations

from typing import Iterator

from wslint.api import CheckContext, CheckSet
from wslint.controllers.durations import seconds_text
from wslint.model import Fix, KObject, Problem

checks = CheckSet()

# A pod so annotated is never evicted by cluster-autoscaler's scale-down.
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"


@checks("WS208")
def grace_exceeds_node_drain(obj: KObject, ctx: CheckContext) -> Iterator[Problem]:
    workload = ctx.graph.workload(obj)
    grace = workload.pod_spec.get("terminationGracePeriodSeconds")
    maximum = ctx.options["max-seconds"]
    if type(grace) is not int or grace <= maximum or not ctx.graph.may_serve_websockets(workload):
        return
    if workload.pod_annotations.get(SAFE_TO_EVICT) == "false":
        return  # the autoscaler leaves its node alone
    yield Problem(
        workload.pod_spec_path + ("terminationGracePeriodSeconds",),
        f"{obj.ref}: terminationGracePeriodSeconds is {seconds_text(grace)}, longer than node "
        f"drains wait ({seconds_text(maximum)}: cluster-autoscaler's "
        f"--max-graceful-termination-sec by default, and AKS's): when its node is scaled down "
        f"the pod is killed after {seconds_text(maximum)}, and the WebSockets it is still "
        f"draining are cut there",
        Fix(f"drain within {maximum} s (and lower terminationGracePeriodSeconds to match), or "
            f"raise the autoscaler's --max-graceful-termination-sec; "
            f'{SAFE_TO_EVICT}: "false" on the pod template keeps the autoscaler from evicting '
            f"it at all", f"terminationGracePeriodSeconds: {maximum}"))
