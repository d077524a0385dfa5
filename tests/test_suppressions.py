"""Suppressions beyond the WS903 fixture cases: input rules, ALL, duplicates, counts, selection."""

from __future__ import annotations

import json
import shutil

import pytest

from cli_helpers import NO_PROBE, invoke as run
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.model import Severity


def lint(text: str, **settings):
    return Linter(Settings(**settings)).lint_text(text, "app.yaml")


def test_all_silences_every_rule_on_its_line():
    text = NO_PROBE.replace("      - name: chat", "      - name: chat  # wslint: disable=ALL")
    result = lint(text)
    assert result.findings == [] and result.suppressed == 1


def test_input_rules_can_be_silenced_for_a_file():
    broken = "# wslint: disable-file=WS901 -- a test fixture, broken on purpose\nkey: [1, 2\n"
    result = lint(broken)
    assert result.findings == [] and result.suppressed == 1
    assert [f.code for f in lint("key: [1, 2\n").findings] == ["WS901"]


def test_annotation_on_one_copy_of_an_object_leaves_the_other_copy_alone():
    annotated = NO_PROBE.replace("metadata: {name: chat}",
                                 "metadata:\n  name: chat\n  annotations: {wslint.io/ignore: WS201}")
    result = lint(annotated + "---\n" + NO_PROBE)
    assert [(f.code, f.line) for f in result.findings] == [("WS201", 32)]


def test_a_finding_silenced_twice_uses_both_suppressions():
    text = NO_PROBE.replace("metadata: {name: chat}",
                            "metadata:\n  name: chat\n  annotations: {wslint.io/ignore: WS201}")
    text = text.replace("      - name: chat", "      - name: chat  # wslint: disable=WS201")
    result = lint(text)
    assert result.findings == [] and result.suppressed == 1


def test_unused_suppressions_follow_the_rule_selection_and_severity():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}  # wslint: disable=WS201\n"
    assert [f.code for f in lint(text).findings] == ["WS903"]
    assert lint(text, ignore=["WS903"]).findings == []
    assert lint(text, select=["WS903"]).findings == []  # WS201 did not run
    [finding] = lint(text, severities={"WS903": Severity.WARNING}).findings
    assert finding.severity is Severity.WARNING and finding.column == 40


def test_summaries_count_what_was_suppressed(tmp_path):
    (tmp_path / "app.yaml").write_text(
        NO_PROBE.replace("      - name: chat", "      - name: chat  # wslint: disable=WS201"))
    text = run(tmp_path / "app.yaml")
    assert text.returncode == 0
    assert text.stdout.decode().endswith("No problems found in 1 file, 1 object (1 suppressed not shown).\n")
    report = json.loads(run("--format", "json", tmp_path / "app.yaml").stdout)
    assert report["summary"]["suppressed"] == 1 and report["findings"] == []


def test_directive_in_a_json_string_is_not_a_comment():
    text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},\n' \
           ' "data": {"a": "# wslint: disable=WS201"}}\n'
    assert lint(text).findings == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kustomize renders with kubectl")
def test_suppressions_in_the_files_a_kustomization_renders(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    no_drain = NO_PROBE.replace("        lifecycle:\n          preStop:\n            sleep: {seconds: 10}\n", "")
    (base / "deployment.yaml").write_text(
        no_drain.replace("metadata: {name: chat}",
                         "metadata:\n  name: chat\n  annotations: {wslint.io/ignore: WS202}")
        .replace("      - name: chat", "      - name: chat  # wslint: disable=WS201"))
    for flags in ([], ["--no-kustomize"]):
        report = json.loads(run("--format", "json", *flags, base).stdout)
        assert report["findings"] == [], (flags, report["findings"])
        assert report["summary"]["suppressed"] == 2, flags
