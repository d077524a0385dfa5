"""Users' own rules in YAML: the cases and refusals of tests/fixtures/custom_rules.yaml, and the
rule directories end to end (configuration, command line, listing, suppressions)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML

from cli_helpers import NO_PROBE, git_repo, invoke as run
from conftest import FIXTURES
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.catalog.rules import RuleDefinitionError

DATA = YAML(typ="safe").load((FIXTURES / "custom_rules.yaml").read_text(encoding="utf-8"))
TEAM_RULE = DATA["rules"][0]["rule"]


def _code(rule_text: str) -> str:
    return YAML(typ="safe").load(rule_text)["code"]


def _rule_dir(tmp_path, rule_text: str):
    directory = tmp_path / "policy"
    directory.mkdir(exist_ok=True)
    (directory / f"{_code(rule_text)}.yaml").write_text(rule_text, encoding="utf-8")
    return directory


@pytest.mark.parametrize(("rule_text", "case"), [
    pytest.param(entry["rule"], case, id=f"{_code(entry['rule'])}-{case['name']}")
    for entry in DATA["rules"] for case in entry["cases"]])
def test_custom_rule_case(tmp_path, rule_text, case):
    code = _code(rule_text)
    linter = Linter(Settings(select=[code], rule_dirs=[str(_rule_dir(tmp_path, rule_text))],
                             websocket_scope="all"))
    result = linter.lint_text(case["manifest"], "manifest.yaml")
    assert [(f.line, f.column) for f in result.findings] == \
        [(e["line"], e["column"]) for e in case["expect"]], [(f.line, f.column, f.message) for f in result.findings]
    for expected, finding in zip(case["expect"], result.findings):
        assert finding.code == code
        assert expected.get("message", "") in finding.message
        if "fix" in expected:
            assert f"{finding.fix.description}\n{finding.fix.snippet}" == expected["fix"]
    assert not result.internal_errors


@pytest.mark.parametrize("case", DATA["invalid"], ids=[c["name"] for c in DATA["invalid"]])
def test_invalid_rule_file_names_file_and_line(tmp_path, case):
    directory = _rule_dir(tmp_path, case["rule"])
    with pytest.raises(RuleDefinitionError) as raised:
        Linter(Settings(rule_dirs=[str(directory)]))
    assert str(raised.value).startswith(f"{directory.as_posix()}/{case['error']}"), str(raised.value)
    # The command line turns it into exit status 2 with the same message, no traceback.
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    result = run("--rules-dir", directory, tmp_path / "app.yaml")
    assert result.returncode == 2 and case["error"].encode() in result.stderr
    assert b"Traceback" not in result.stderr


def test_rule_dir_named_by_the_configuration_fires_at_the_selected_field(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / "ci" / "wslint-rules").mkdir(parents=True)
    (repo / "ci" / "wslint-rules" / "ACME101.yaml").write_text(TEAM_RULE)
    (repo / ".wslint.yaml").write_text("rule-dirs: [ci/wslint-rules]\nrules:\n  ACME101: {severity: error}\n")
    (repo / "app.yaml").write_text(NO_PROBE.replace("metadata: {name: chat}",
                                                    "metadata:\n  name: chat\n  labels: {app: chat}"))
    result = run("--format", "json", "../app.yaml", cwd=repo / "ci")  # found from a subdirectory
    found = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert found["ACME101"]["line"] == 5 and found["ACME101"]["column"] == 3
    assert found["ACME101"]["severity"] == "error"
    assert found["ACME101"]["path"] == "metadata.labels.team"
    assert found["ACME101"]["message"] == "Deployment/chat has no team label"
    listed = run("rules", cwd=repo).stdout.decode()
    assert "ACME101  missing-team-label" in listed
    explained = run("explain", "missing-team-label", cwd=repo).stdout.decode()
    assert "Workloads carry a team label. Fires when `metadata.labels.team` is missing." in explained


def test_custom_rules_honour_suppressions_and_selection(tmp_path):
    directory = _rule_dir(tmp_path, TEAM_RULE)
    manifest = tmp_path / "app.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:  # wslint: disable=ACME1\n"
                        "  name: chat\n")
    result = run("--format", "json", "--rules-dir", directory, "--select", "ACME,WS903", manifest)
    report = json.loads(result.stdout)
    assert report["findings"] == [] and report["summary"]["suppressed"] == 1
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\n")
    report = json.loads(run("--format", "json", "--rules-dir", directory, "--select",
                            "missing-team-label", manifest).stdout)
    assert [f["rule"] for f in report["findings"]] == ["ACME101"]


def test_a_custom_code_or_name_taken_twice_is_refused(tmp_path):
    directory = _rule_dir(tmp_path, TEAM_RULE)
    other = tmp_path / "more"
    other.mkdir()
    (other / "ACME101.yaml").write_text(TEAM_RULE.replace("missing-team-label", "team-label-missing"))
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    result = run("--rules-dir", directory, "--rules-dir", other, tmp_path / "app.yaml")
    assert result.returncode == 2 and b"rule ACME101 is declared by both" in result.stderr
    taken = run("--rules-dir", tmp_path / "nowhere", tmp_path / "app.yaml")
    assert taken.returncode == 2 and b"rule directory not found" in taken.stderr


# --- selectors of plain fields, read without jsonpath-ng -----------------------------------

_WORDS = ["a", "b", "spec", "x_1", "_", "true", "false", "null", "where", "wherenot", "len",
          "sorted", "keys", "this", "trueish", "nullable", "@a", "a-b", "a@b", "中", "1a", "*"]
_QUOTED = st.builds(lambda quote, text: quote + text + quote, st.sampled_from(['"', "'"]),
                    st.text(alphabet='ab.-/* "\'\\\n中', max_size=5))
_SELECTORS = st.builds(
    lambda root, parts, separators: root + parts[0] + "".join(
        (separators[i] if i < len(separators) else ".") + part
        for i, part in enumerate(parts[1:])),
    st.sampled_from(["", "", "$.", "$", "@."]),
    st.lists(st.one_of(st.sampled_from(_WORDS), _QUOTED), min_size=1, max_size=4),
    st.lists(st.sampled_from([".", ".", ".", "..", " . ", "[0]", "-"]), max_size=4))
_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
    lambda inner: st.one_of(st.lists(inner, max_size=2),
                            st.dictionaries(st.sampled_from(["a", "b", "spec", "x.y", "a b", "*",
                                                             "true", "中"]), inner, max_size=3)),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(_SELECTORS, st.lists(_DATA, min_size=1, max_size=3),
       st.sampled_from(["present", "missing", "equals"]))
def test_plain_fields_are_read_as_jsonpath_ng_reads_them(select, documents, condition):
    """A selector wslint reads itself (`plain_fields`) is one jsonpath-ng reads as the same
    fields, and a check with it finds what the check through jsonpath-ng finds."""
    from dataclasses import replace

    from wslint.catalog import declarative, selectors
    from wslint.load.yamltree import Map
    from wslint.model import KObject, Source

    fields = declarative.plain_fields(select)
    if fields is None:
        return
    expression = selectors.parse(select)
    steps = [step for step in _flatten(expression) if not isinstance(step, selectors.jp.Root)]
    assert [(type(step).__name__, step.fields) for step in steps] == \
        [("Fields", (name,)) for name in fields]
    node = Map({"select": select, "condition": condition, "message": "{object} at {path}"})
    if condition == "equals":
        node["value"] = 1
    plain = declarative.compile_check("rule.yaml", node)
    assert plain.expression is None and plain.tail == fields
    through_jsonpath = replace(plain, expression=expression, prefix=None)
    for data in documents:
        obj = KObject(Map({"kind": "Service", "metadata": Map({"name": "s"}), "spec": data,
                           **(data if isinstance(data, dict) else {})}), Source("f.yaml", ""), 0)
        found = [(p.path, p.message) for p in plain(obj)]
        assert found == [(p.path, p.message) for p in through_jsonpath(obj)]


def _flatten(expression):
    from wslint.catalog import selectors

    if isinstance(expression, selectors.jp.Child):
        return _flatten(expression.left) + _flatten(expression.right)
    return [expression]


@pytest.mark.parametrize("count", [99, 100, 101])
@pytest.mark.parametrize("root", ["", "$."])
def test_plain_fields_nest_as_far_as_jsonpath_ng_is_allowed_to(count, root):
    from wslint.catalog import declarative, selectors
    from wslint.load.yamltree import parse_stream

    select = root + ".".join(["a"] * count)
    refused = selectors.refused(selectors.parse(select), declarative.MAX_SELECT_STEPS)
    node = parse_stream(f"select: {select}\ncondition: present\nmessage: m\n").documents[0]
    if refused is None:
        assert declarative.compile_check("rule.yaml", node).expression is None
    else:
        with pytest.raises(RuleDefinitionError, match=refused):
            declarative.compile_check("rule.yaml", node)
