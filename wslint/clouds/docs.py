"""docs/load-balancers.md, generated from the cloud profiles (`wslint generate-docs`), so the
page says what the code knows and a test fails when it is stale."""

from __future__ import annotations

from wslint.clouds.profile import Cloud
from wslint.clouds.registry import CLOUDS

LOAD_BALANCERS_PAGE = "load-balancers.md"  # beside docs/controllers.md
GENERATED_NOTE = ("<!-- Generated from wslint/clouds/ by `wslint generate-docs`; "
                  "do not edit by hand. -->")

INTRO = """\
# Load balancers: which cloud's, and what wslint knows about it

Whatever the ingress controller is told, a `type: LoadBalancer` Service puts its cloud's load
balancer in front of it, and that load balancer has its own idle timeout, its own stickiness and,
where it sends traffic to pod IPs, its own drain. So several rules (WS103, WS104, WS106, WS207,
WS301, WS302, WS406) first decide whose load balancer a Service gets, and read it in that cloud's
keys and units; the message names the cloud and why ("per annotation
service.beta.kubernetes.io/aws-load-balancer-type").

Everything on this page comes from one module per cloud in `wslint/clouds/`; adding a cloud means
adding its module there (and its fixture cases).
"""

DETECTION = """\
## How the cloud of a Service is detected

Only Services of `spec.type: LoadBalancer`. In this order, the first that decides wins:

1. **`spec.loadBalancerClass`**: a class of a cloud (table below) decides; any other class
   belongs to another implementation (MetalLB, Cilium, ...), and no cloud applies.
2. **The annotations** of a single cloud (prefixes below).
3. **The configured default cloud**: `--default-cloud ID`, or `default-cloud: ID` in the
   configuration file, for inputs that do not say (a Service with no annotations, or with
   several clouds' annotations when the default is one of them).

Otherwise the cloud is unknown, and the rules say nothing about the Service's load balancer.
"""


def _code(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _clouds_table() -> list[str]:
    lines = ["## Clouds", "", "| id | cloud | annotation prefixes | `loadBalancerClass` |",
             "|---|---|---|---|"]
    for cloud in CLOUDS:
        lines.append(f"| `{cloud.id}` | {cloud.title} | {_code(cloud.annotation_prefixes)} | "
                     f"{_code(cloud.load_balancer_classes)} |")
    return lines + [""]


def _rules(cloud: Cloud) -> str:
    codes = set(cloud.service_checks)
    codes |= {"WS106"} if cloud.idle_timeouts else set()
    codes |= {"WS301"} if cloud.service_stickiness or cloud.sticky_fix else set()
    codes |= {"WS302"} if cloud.affinity_ignored else set()
    codes |= {"WS207", "WS406"} if cloud.pod_targets else set()
    return ", ".join(sorted(codes)) if codes else "none"


def _section(cloud: Cloud) -> list[str]:
    lines = [f"### {cloud.title} (`{cloud.id}`)", ""]
    if cloud.timeouts:
        lines.append("- **Idle timeouts**:")
        for timeout in cloud.timeouts:
            lines.append(f"  - {timeout.load_balancer}: `{timeout.key}`, {timeout.unit}, "
                         f"default {timeout.default}; accepted: {timeout.accepted}")
    else:
        lines.append("- **Idle timeouts**: none known to cut WebSockets")
    if cloud.stickiness:
        lines.append(f"- **Stickiness**: {cloud.stickiness}")
    if cloud.pod_targets_doc:
        lines.append(f"- **Load balancers that target pod IPs**: {cloud.pod_targets_doc}")
    lines.append(f"- **Rules that read it**: {_rules(cloud)}")
    if cloud.uncertain:
        lines.append(f"- **Uncertain**: {cloud.uncertain}")
    return lines + [""]


def render_load_balancers_page() -> str:
    lines = [GENERATED_NOTE, "", INTRO, DETECTION]
    lines += _clouds_table()
    lines += ["## What wslint knows about each cloud", ""]
    for cloud in CLOUDS:
        lines += _section(cloud)
    lines.append("Each rule's `wslint explain CODE` gives its sources and what is not verified.")
    return "\n".join(lines) + "\n"
