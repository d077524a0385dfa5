"""Google Cloud (GKE): a `type: LoadBalancer` Service gets a passthrough network load balancer,
which does not proxy connections; no idle timeout of it is known to cut WebSockets, so it has no
checks. Known so that `default-cloud: gcp` and its Services are recognised (and not taken for
another cloud's)."""

from __future__ import annotations

from wslint.clouds.profile import Cloud

ID = "gcp"

CLOUD = Cloud(
    id=ID,
    title="Google Cloud",
    annotation_prefixes=("cloud.google.com/load-balancer-type", "networking.gke.io/load-balancer-",
                         "networking.gke.io/internal-load-balancer-", "cloud.google.com/l4-rbs"),
    load_balancer_classes=("networking.gke.io/l4-regional-external",
                           "networking.gke.io/l4-regional-internal"),
    uncertain=("Whether the passthrough load balancer's connection tracking ends idle "
               "WebSockets is not verified: no rule judges GKE's load balancers."),
)
