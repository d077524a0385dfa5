"""Agreement with other linters' own test fixtures (../shared/peer), where a check of theirs means
what a rule of ours means: readiness probes (WS201), identical probes (WS205), resource
requirements (WS401), disruption budgets (WS402), autoscalers (WS403, WS405).

Each row of their EXPECTATIONS.tsv for such a check is one verdict, pass or fail, on an object or
a file. wslint must reach the same verdict, or the row is in DIFFERENCES: the verdict wslint
reaches instead, and a phrase of the rule's `notes` where the difference is documented."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SHARED, shared_dir
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.k8s.objects import BUILTIN_WORKLOAD_KINDS, WorkloadKind
from wslint.engine.plugins import Plugins

# OpenShift's DeploymentConfig, which kube-linter's fixtures use: a configured workload kind.
# The peers judge every workload, so wslint is compared with every long-running workload in
# scope (`--websocket-scope all`): what is compared is each rule's logic, not which workloads
# carry WebSockets (their fixtures rarely say).
SETTINGS = dict(websocket_scope="all", workload_kinds={
    **BUILTIN_WORKLOAD_KINDS, "DeploymentConfig": WorkloadKind("DeploymentConfig",
                                                               api_group="apps.openshift.io")})


@dataclass(frozen=True)
class Check:
    rule: str
    # Text a finding's message must hold to count (WS401 names the missing requirement).
    message: str = ""


KUBE_LINTER = {
    "no-readiness-probe": Check("WS201"),
    "unset-cpu-requirements": Check("WS401", "requests.cpu"),
    "unset-memory-requirements": Check("WS401", "memory"),
}
KUBE_SCORE = {
    "Pod Probes": Check("WS201"),
    "Pod Probes Identical": Check("WS205"),
    "Container Resources": Check("WS401"),
    "Deployment has PodDisruptionBudget": Check("WS402"),
    "StatefulSet has PodDisruptionBudget": Check("WS402"),
    "HorizontalPodAutoscaler has target": Check("WS405"),
}
POLARIS = {
    "readinessProbeMissing": Check("WS201"),
    "cpuRequestsMissing": Check("WS401", "requests.cpu"),
    "memoryRequestsMissing": Check("WS401", "requests.memory"),
    "memoryLimitsMissing": Check("WS401", "limits.memory"),
    "cpuLimitsMissing": Check("WS401", "limits.cpu"),
    "missingPodDisruptionBudget": Check("WS402"),
}

# (peer, file, check) -> (wslint's verdict, a phrase of the rule's notes that says why).
DIFFERENCES = {
    ("kube-linter", "tests/checks/unset-cpu-requirements.yml", "unset-cpu-requirements"):
        ("pass", "CPU requests are not required by default"),
    ("polaris", "test/checks/cpuRequestsMissing/failure.yaml", "cpuRequestsMissing"):
        ("pass", "CPU requests are not required by default"),
    ("kube-score", "score/testdata/pod-probes-identical-tcp.yaml", "Pod Probes Identical"):
        ("pass", "TCP check passes while the process"),
    **{("kube-score", f"score/testdata/{name}", "Container Resources"):
       ("pass", "copies limits into unset requests")
       for name in ("pod-test-resources-only-limits.yaml", "deployment-test-resources.yaml",
                    "statefulset-test-resources.yaml")},
    ("kube-score", "score/testdata/pod-probes-not-targeted-by-service.yaml", "Pod Probes"):
        ("fail", "no Service in the input"),
    ("kube-score", "score/testdata/pod-probes-not-targeted-by-service-multi-labels.yaml",
     "Pod Probes"): ("fail", "no Service in the input"),
    ("kube-score", "score/testdata/pod-probes-targeted-by-service-different-namespace.yaml",
     "Pod Probes"): ("fail", "no Service in the input"),
    ("kube-score", "score/testdata/pod-probes-on-different-containers.yaml", "Pod Probes"):
        ("fail", "any one of its containers"),
    ("kube-score", "score/testdata/pod-test-resources-limits-and-requests-no-cpu-limit.yaml",
     "Container Resources"): ("pass", "CPU limits"),
    ("polaris", "test/checks/cpuLimitsMissing/failure.yaml", "cpuLimitsMissing"):
        ("pass", "CPU limits"),
    ("kube-score", "score/testdata/hpa-has-no-target.yaml", "HorizontalPodAutoscaler has target"):
        ("pass", "target is not in the input"),
    ("kube-score", "score/testdata/hpa-autoscalingv1-targets-deployment.yaml",
     "HorizontalPodAutoscaler has target"): ("fail", "No peer linter checks what an HPA"),
    ("kube-score", "score/testdata/hpa-autoscalingv2-targets-deployment.yaml",
     "HorizontalPodAutoscaler has target"): ("fail", "No peer linter checks what an HPA"),
    ("kube-score", "score/testdata/hpa-autoscalingv2beta1-targets-deployment.yaml",
     "HorizontalPodAutoscaler has target"): ("fail", "No peer linter checks what an HPA"),
    ("kube-score", "score/testdata/hpa-autoscalingv2beta2-targets-deployment.yaml",
     "HorizontalPodAutoscaler has target"): ("fail", "No peer linter checks what an HPA"),
}
# Their PDB fixtures leave `replicas` unset: one pod, which WS402 leaves alone.
for _peer, _file, _check in (
        *(("kube-score", f"score/testdata/{name}.yaml", check) for name, check in (
            ("statefulset-poddisruptionbudget-v1beta1-expression-no-match",
             "StatefulSet has PodDisruptionBudget"),
            ("statefulset-poddisruptionbudget-v1beta1-no-match", "StatefulSet has PodDisruptionBudget"),
            ("deployment-poddisruptionbudget-v1beta1-expression-no-match",
             "Deployment has PodDisruptionBudget"),
            ("deployment-poddisruptionbudget-v1beta1-no-match", "Deployment has PodDisruptionBudget"),
            ("deployment-poddisruptionbudget-v1-no-match", "Deployment has PodDisruptionBudget"),
            ("deployment-poddisruptionbudget-v1-different-namespace",
             "Deployment has PodDisruptionBudget"))),
        *(("polaris", f"test/checks/missingPodDisruptionBudget/{name}.yaml",
           "missingPodDisruptionBudget") for name in (
            "failure-bad-ns", "failure.bad-name", "failure.empty-labels", "failure.no-labels",
            "failure.no-metadata", "failure.wrong-place", "failure"))):
    DIFFERENCES[(_peer, _file, _check)] = ("pass", "single replica and no HPA")


@dataclass(frozen=True)
class Row:
    peer: str
    file: str
    check: str
    expected: str  # pass or fail
    kind: str | None = None  # kube-linter: the object the verdict is about
    name: str | None = None

    @property
    def key(self) -> tuple:
        return (self.peer, self.file, self.check)


def _tsv(peer: str) -> list[dict]:
    path = SHARED / "peer" / peer / "EXPECTATIONS.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _rows() -> list[Row]:
    rows = []
    for item in _tsv("kube-linter"):
        if item["check"] in KUBE_LINTER and item["expected"] in ("pass", "fail"):
            rows.append(Row("kube-linter", item["file"], item["check"], item["expected"],
                            item["kind"], item["name"] or None))
    for item in _tsv("kube-score"):
        config = item["non_default_config"]
        # Their default, or the configuration that matches wslint's defaults (no CPU limit).
        if item["check"] in KUBE_SCORE and (config.startswith("default") or config ==
                                            "config.RunConfiguration{ IgnoreContainerCpuLimitRequirement: true, }"):
            grade = item["expected"]
            if grade.startswith("Grade"):
                rows.append(Row("kube-score", item["file"], item["check"],
                                "pass" if grade in ("GradeAllOK", "GradeAlmostOK") else "fail"))
    for item in _tsv("polaris"):
        if item["check"] in POLARIS and item["expected"] in ("pass", "fail"):
            rows.append(Row("polaris", item["file"], item["check"], item["expected"]))
    return rows


def _check(row: Row) -> Check:
    return {"kube-linter": KUBE_LINTER, "kube-score": KUBE_SCORE, "polaris": POLARIS}[row.peer][row.check]


def _verdict(row: Row) -> str:
    """wslint's verdict: on the named object (kube-linter), else on the file (kube-score's and
    Polaris's fixtures each hold one object their check is about)."""
    check = _check(row)
    path = SHARED / "peer" / row.peer / row.file
    result = Linter(Settings(select=[check.rule], **SETTINGS)).lint_paths([str(path)])
    assert not result.internal_errors, result.internal_errors
    findings = [f for f in result.findings if check.message in f.message]
    if row.peer == "kube-linter":
        findings = [f for f in findings if f.object and f.object.kind == row.kind
                    and (row.name is None or f.object.name == row.name)]
    return "fail" if findings else "pass"


ROWS = _rows()


def test_peer_fixtures_are_there():
    shared_dir("peer")
    assert len(ROWS) > 40


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.peer}:{Path(r.file).name}:{r.check}"
                         + (f":{r.name}" if r.name else ""))
def test_verdict_agrees_or_differs_as_documented(row):
    ours = _verdict(row)
    documented, phrase = DIFFERENCES.get(row.key, (row.expected, ""))
    # A file may have rows under several of their configurations: the difference is with those
    # whose verdict is not wslint's.
    if documented != row.expected:
        assert ours == documented, (row, ours)
        rule = {r.code: r for r in Plugins(third_party=False).rules()}[_check(row).rule]
        assert phrase in " ".join(rule.docs.get("notes", "").split()), (rule.code, phrase)
    else:
        assert ours == row.expected, (row, ours)
