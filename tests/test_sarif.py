"""`--format sarif`: what GitHub code scanning needs, valid against the SARIF 2.1.0 schema.

The SARIF Multitool with GitHub's rules runs in CI (`.ci/run`, ../shared/tools/validate-sarif);
here the official schema checks every output, when ../shared holds it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil

import jsonschema
import pytest

from cli_helpers import NO_PROBE, git_repo, invoke as run
from conftest import ROOT, SHARED
from wslint.model import InternalError, LintResult
from wslint.engine.plugins import Plugins
from wslint.report import ReportSettings
from wslint.report.sarif import (MAX_FULL_DESCRIPTION, MAX_NAME, MAX_SHORT_DESCRIPTION, MAX_TAGS,
                                 SarifReporter, full_description, text_length, token_end)

EXAMPLE = ROOT / "docs" / "examples" / "chat"
SCHEMA = SHARED / "sarif" / "sarif-schema-2.1.0.json"


def sarif(*args, cwd, stdin=None) -> dict:
    result = run("--format", "sarif", *args, cwd=cwd, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    log = json.loads(result.stdout)
    if SCHEMA.is_file():  # the official schema, used in place (it is not ours to copy)
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))
        assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]
    return log


@pytest.fixture
def repo(tmp_path):
    return git_repo(tmp_path / "repo")


def test_driver_describes_every_rule_from_its_metadata(repo):
    (repo / "app.yaml").write_text(NO_PROBE)
    log = sarif("app.yaml", cwd=repo)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "wslint" and driver["version"] == driver["semanticVersion"]
    assert driver["informationUri"].startswith("https://")
    rules = Plugins(third_party=False).rules()
    assert [r["id"] for r in driver["rules"]] == [r.code for r in rules]
    by_id = {r["id"]: r for r in driver["rules"]}
    ws203 = by_id["WS203"]
    assert ws203["name"] == "termination-grace-too-short"
    assert ws203["shortDescription"]["text"].startswith("The termination grace period")
    assert ws203["fullDescription"]["text"].startswith("Checks that the pod's effective")
    assert "## Why it matters" in ws203["help"]["text"]
    assert "## Use instead" in ws203["help"]["markdown"] and "```yaml" in ws203["help"]["markdown"]
    assert ws203["helpUri"].endswith("/docs/rules/WS203.md")
    assert "](../" not in ws203["help"]["markdown"]  # links work outside the repository
    assert "](https://github.com/wslint/wslint/blob/main/docs/configuration.md)" in ws203["help"]["markdown"]
    assert ws203["defaultConfiguration"]["level"] == "error"
    assert ws203["properties"]["problem.severity"] == "error"
    assert by_id["WS903"]["properties"]["problem.severity"] == "recommendation"
    assert by_id["WS903"]["defaultConfiguration"]["level"] == "note"
    assert "shutdown" in ws203["properties"]["tags"] and ws203["properties"]["precision"] == "high"


def test_results_point_at_the_field_with_repository_relative_uris(repo):
    (repo / "deploy").mkdir()
    (repo / "deploy" / "app.yaml").write_text(NO_PROBE)
    log = sarif("app.yaml", cwd=repo / "deploy")  # run from a subdirectory: URIs stay repo-relative
    run_ = log["runs"][0]
    [result] = run_["results"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    rules = run_["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "WS201"
    assert result["level"] == "error"
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "deploy/app.yaml",
                                                                "uriBaseId": "%SRCROOT%"}
    # `      - name: chat`: the container's first key, columns 9 to 13.
    assert location["physicalLocation"]["region"] == {"startLine": 11, "startColumn": 9,
                                                      "endLine": 11, "endColumn": 13}
    assert location["logicalLocations"] == [{
        "name": "spec.template.spec.containers[0].readinessProbe",
        "fullyQualifiedName": "Deployment/chat:spec.template.spec.containers[0].readinessProbe",
        "kind": "property"}]
    assert "\nFix: add a readinessProbe" in result["message"]["text"]
    assert run_["invocations"] == [{"executionSuccessful": True}]


def test_related_locations_name_the_service_and_route(tmp_path):
    log = sarif(EXAMPLE, cwd=git_repo(tmp_path))
    [affinity] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "WS301"]
    related = affinity["relatedLocations"]
    assert [r["id"] for r in related] == list(range(1, len(related) + 1))
    files = {r["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1] for r in related}
    assert files == {"deployment.yaml", "ingress.yaml"}
    assert all(r["message"]["text"] for r in related)


def test_fingerprints_survive_unrelated_lines_moving(repo):
    manifest = repo / "app.yaml"
    manifest.write_text(NO_PROBE + "---\n" + NO_PROBE.replace("name: chat}", "name: relay}"))
    before = {(r["ruleId"], r["message"]["text"]): r["partialFingerprints"]
              for r in sarif("app.yaml", cwd=repo)["runs"][0]["results"]}
    assert len(before) == 2 and len({tuple(f.values()) for f in before.values()}) == 2
    manifest.write_text("# moved down\n\n" + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                        "---\n" + manifest.read_text())
    results = sarif("app.yaml", cwd=repo)["runs"][0]["results"]
    after = {(r["ruleId"], r["message"]["text"]): r["partialFingerprints"] for r in results}
    assert after == before
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [17, 36]


def _by_identity(log: dict) -> dict:
    """Fingerprints keyed by what a reader sees stay the same: rule, file and field."""
    results = log["runs"][0]["results"]
    keyed = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0].get("logicalLocations", [{}])[0].get("fullyQualifiedName")):
             (r["partialFingerprints"], r["message"]["text"]) for r in results}
    assert len(keyed) == len(results)
    return keyed


def test_fingerprints_survive_changed_values(repo):
    # Values the messages quote change (3 replicas to 2, a grace period of 20 s to 25 s): the
    # problems stay, and so do their alerts on GitHub with their dismissals.
    shutil.copytree(EXAMPLE, repo / "chat")
    before = _by_identity(sarif("chat", cwd=repo))
    deployment = repo / "chat" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 3", "replicas: 2")
                          .replace("terminationGracePeriodSeconds: 20",
                                   "terminationGracePeriodSeconds: 25"))
    after = _by_identity(sarif("chat", cwd=repo))
    assert after.keys() == before.keys()
    changed = [key for key in before if before[key][1] != after[key][1]]
    assert {key[0] for key in changed} >= {"WS301", "WS203"}, changed
    assert all(after[key][0] == before[key][0] for key in before)


def test_identical_findings_get_distinct_fingerprints(repo):
    (repo / "app.yaml").write_text(NO_PROBE + "---\n" + NO_PROBE)  # one object, twice
    results = sarif("app.yaml", cwd=repo)["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(hashes) == 2 and hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]


def test_no_findings_parse_errors_and_stdin(repo):
    (repo / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    clean = sarif("ok.yaml", cwd=repo)
    assert clean["runs"][0]["results"] == []
    (repo / "broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n")
    [error] = sarif("broken.yaml", cwd=repo)["runs"][0]["results"]
    assert error["ruleId"] == "WS901" and "logicalLocations" not in error["locations"][0]
    assert error["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    [piped] = sarif("-", cwd=repo, stdin=NO_PROBE)["runs"][0]["results"]
    assert piped["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "stdin", "uriBaseId": "%SRCROOT%"}
    [named] = sarif("--stdin-filename", "charts/chat out.yaml", "-", cwd=repo,
                    stdin=NO_PROBE)["runs"][0]["results"]
    assert named["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "charts/chat%20out.yaml"


def test_output_is_deterministic(tmp_path):
    first = run("--format", "sarif", EXAMPLE, cwd=git_repo(tmp_path))
    second = run("--format", "sarif", EXAMPLE, cwd=tmp_path)
    assert first.stdout == second.stdout


def test_statistics_and_internal_errors():
    result = LintResult(files=1, internal_errors=[
        InternalError("WS201", "acme", "Deployment/x (x.yaml)", "KeyError: 'spec'")])
    stream = io.StringIO()
    SarifReporter(stream, ReportSettings(statistics=True, tool_version="1.2.3",
                                         rules=Plugins(third_party=False).rules())).report(result)
    run_ = json.loads(stream.getvalue())["runs"][0]
    [invocation] = run_["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "KeyError" in notification["message"]["text"]
    assert run_["properties"] == {"statistics": {}}


@pytest.mark.parametrize(("line", "column", "end"), [
    ("  name: chat", 3, 7),
    ('    nginx.org/websocket-services: "chat"', 5, 33),
    ('    key: "a: b, c"', 10, 19),
    ("  image: nginx:1.25  # pinned", 10, 20),
    ("- {name: a, port: 80}", 4, 8),
    ("short", 9, 10),
])
def test_region_spans_the_token(line, column, end):
    assert token_end(line, column) == end


def test_every_rule_within_github_limits(repo):
    (repo / "app.yaml").write_text(NO_PROBE)
    rules = sarif("app.yaml", cwd=repo)["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(Plugins(third_party=False).rules())
    for rule in rules:
        assert 0 < text_length(rule["name"]) <= MAX_NAME, rule["id"]
        assert 0 < text_length(rule["shortDescription"]["text"]) <= MAX_SHORT_DESCRIPTION, rule["id"]
        assert 0 < text_length(rule["fullDescription"]["text"]) <= MAX_FULL_DESCRIPTION, rule["id"]
        assert len(rule["properties"]["tags"]) <= MAX_TAGS, rule["id"]
        assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]


def test_long_rule_texts_are_cut_where_github_wants_them():
    # A plugin's rule may say more than GitHub takes: its texts are cut, the help keeps it all.
    [base] = [r for r in Plugins(third_party=False).rules() if r.code == "WS102"]
    sentence = "Each controller reads its timeout from its own annotation, in its own unit. "
    long_rule = dataclasses.replace(
        base, name="timeout-" + "x" * 300, summary="A timeout is short. " * 60,
        tags=tuple(f"tag{n}" for n in range(15)),
        docs={**base.docs, "what": "Fires on short timeouts:\n\n" + sentence * 20})
    assert len(" ".join(base.docs["what"].split())) > MAX_FULL_DESCRIPTION  # cut as it is
    assert full_description(base).endswith("annotations. The rule's help has the rest.")
    assert full_description(long_rule) == "Fires on short timeouts. The rule's help has the rest."
    stream = io.StringIO()
    SarifReporter(stream, ReportSettings(tool_version="1", rules=[long_rule])).report(LintResult())
    [descriptor] = json.loads(stream.getvalue())["runs"][0]["tool"]["driver"]["rules"]
    assert len(descriptor["name"]) == MAX_NAME and descriptor["name"].endswith("...")
    short = descriptor["shortDescription"]["text"]
    assert len(short) <= MAX_SHORT_DESCRIPTION and short.endswith("is short...")
    assert descriptor["properties"]["tags"] == ["kubernetes", "websocket", *long_rule.tags[:8]]
    assert sentence * 20 in " ".join(descriptor["help"]["text"].split()) + " "
