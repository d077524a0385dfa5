"""Files the configuration names are as hostile as manifests: the configuration itself, a
baseline, the rule files of a rule directory. Each bad one (a FIFO, /dev/zero, a file past the
size limit, text nested 200,000 deep, bytes that are not UTF-8; a directory) ends the run by
itself with exit 2 and one line on standard error that names the file: never a hang, a
traceback or memory without end. And a rule file cannot hang a run with its regular expression
or its selector."""

from __future__ import annotations

import json
import os
import time

import pytest

from cli_helpers import NO_PROBE, invoke, run
from wslint.catalog import patterns
from wslint.catalog.rules import RuleDefinitionError
from wslint.engine import Linter
from wslint.load.sources import DEFAULT_MAX_FILE_SIZE
from wslint.settings import Settings

DEEP = 200_000
RULE = ("code: ACME001\nname: team-label\nseverity: warning\nsummary: Workloads carry a team "
        "label\nkinds: [workloads]\nwebsocket-scope: false\ncheck:\n  select: {select}\n"
        "  condition: {condition}\n{value}  message: \"{{object}} {{value}}\"\n")


def _rule(select: str = "metadata.labels.team", condition: str = "missing", value=None) -> str:
    shown = "" if value is None else f"  value: {json.dumps(value)}\n"
    return RULE.format(select=select, condition=condition, value=shown)


# What each kind of file is given: where it goes, and the command-line arguments that read it.
TARGETS = {
    "config": ("wslint.yaml", lambda path: ["--config", path]),
    "pyproject": ("pyproject.toml", lambda path: ["--config", path]),
    "baseline": ("baseline.json", lambda path: ["--baseline", path]),
    "rule file": ("rules/ACME001.yaml", lambda path: ["--rules-dir", os.path.dirname(path)]),
}
# Text nested DEEP levels, in each target's syntax.
DEEP_TEXT = {
    "config": "select: " + "[" * DEEP + "]" * DEEP + "\n",
    "pyproject": "[tool.wslint]\nselect = " + "[" * DEEP + "]" * DEEP + "\n",
    "baseline": '{"version": 1, "findings":\n' + "[" * DEEP + "]" * DEEP + "}\n",
    "rule file": _rule().replace("kinds: [workloads]", "kinds: " + "[" * DEEP + "]" * DEEP),
}
# What the single line of the error says, by hostile kind (after the file's name).
EXPECTED = {
    "fifo": "a FIFO, not a regular file; not read",
    "dev-zero": "a character device, not a regular file; not read",
    "too-large": f"larger than {DEFAULT_MAX_FILE_SIZE} bytes; not read",
    "deep": "deeper than",
    "not-utf8": "UTF-8",
}


def _make(path, kind: str, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "too-large":
        with open(path, "wb") as handle:  # sparse: nothing is written but its size
            handle.truncate(DEFAULT_MAX_FILE_SIZE + 1)
    elif kind == "deep":
        path.write_text(DEEP_TEXT[target])
    elif kind == "not-utf8":
        path.write_bytes(b"select: [caf\xe9]\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_hostile_file_the_configuration_names_is_one_line_and_exit_2(tmp_path, target, kind):
    name, arguments = TARGETS[target]
    path = tmp_path / name
    _make(path, kind, target)
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    started = time.monotonic()
    # In a process of its own: were a FIFO opened, the test would time out, not hang.
    result = run("--no-plugins", *arguments(str(path)), tmp_path / "app.yaml", cwd=tmp_path)
    assert time.monotonic() - started < 30
    err = result.stderr.decode()
    assert result.returncode == 2 and result.stdout == b"", err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert str(path.relative_to(tmp_path)) in err and EXPECTED[kind] in err, err


def test_a_directory_named_like_a_rule_file_is_refused(tmp_path):
    """(`--config` and `--baseline` name no directory: the command line refuses one.)"""
    (tmp_path / "rules" / "ACME001.yaml").mkdir(parents=True)
    result = invoke("--no-config", "--rules-dir", tmp_path / "rules", tmp_path)
    assert result.returncode == 2
    assert b"ACME001.yaml: cannot read rule file: a directory, not a regular file" in result.stderr


def test_a_pyproject_too_large_to_read_is_not_skipped_in_silence(tmp_path):
    """The configuration search reads pyproject.toml files to find [tool.wslint]: one it may not
    read is an error, not a file without wslint's table."""
    (tmp_path / ".git").mkdir()
    with open(tmp_path / "pyproject.toml", "wb") as handle:
        handle.truncate(DEFAULT_MAX_FILE_SIZE + 1)
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    result = invoke("app.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert b"pyproject.toml: cannot read the configuration file: larger than" in result.stderr


def test_nesting_is_reported_at_its_line(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"version": 1,\n "findings": [\n' + "[" * 200 + "]" * 200 + "]}\n")
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    result = invoke("--no-config", "--baseline", baseline, tmp_path / "app.yaml")
    assert result.returncode == 2
    assert f"{baseline}:3: not a wslint baseline (nested deeper than 100 levels)".encode() \
        in result.stderr


def test_brackets_inside_strings_and_comments_do_not_count(tmp_path):
    """A baseline's messages and a pyproject's strings may hold any number of brackets."""
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    written = invoke("--no-config", "--write-baseline", tmp_path / "baseline.json",
                     tmp_path / "app.yaml")
    assert written.returncode == 0
    document = json.loads((tmp_path / "baseline.json").read_text())
    document["findings"][0]["message"] = "[" * 500 + "\\\"{" * 500
    (tmp_path / "baseline.json").write_text(json.dumps(document))
    assert invoke("--no-config", "--baseline", tmp_path / "baseline.json",
                  tmp_path / "app.yaml").returncode == 0
    (tmp_path / "wslint.toml").write_text(
        "# " + "[" * 500 + "\nselect = ['" + "[" * 500 + "', \"" + "{" * 500 + "\"]\n"
        "ignore = '''\n" + "[" * 500 + "'''\n")
    result = invoke("--config", tmp_path / "wslint.toml", tmp_path / "app.yaml")
    assert b"nested deeper" not in result.stderr and b"unknown rule or prefix" in result.stderr


# --- rule files cannot hang a run ------------------------------------------------------------

def _linter(tmp_path, *rules: str) -> Linter:
    directory = tmp_path / "rules"
    directory.mkdir()
    for index, text in enumerate(rules):
        (directory / f"ACME{index:03d}.yaml").write_text(
            text.replace("ACME001", f"ACME{index:03d}").replace("team-label", f"rule-{index}"))
    return Linter(Settings(jobs=1, rule_dirs=[str(directory)]))


def _annotated(count: int, value: str) -> str:
    return "".join(f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n"
                   f"  annotations: {{note: {json.dumps(value)}}}\nspec: {{}}\n"
                   for i in range(count))


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^([a-z0-9]+-?)+$"])
def test_backtracking_patterns_of_the_issue_finish_and_give_their_findings(tmp_path, pattern):
    """The patterns reported to hang re for minutes on a hostile annotation."""
    linter = _linter(tmp_path, _rule("metadata.annotations.note", "not-matches", pattern))
    started = time.process_time()
    result = linter.lint_text(_annotated(20, "a" * 40 + "!"), "apps.yaml")
    assert time.process_time() - started < 5
    assert not result.internal_errors
    assert [f.code for f in result.findings if f.code.startswith("ACME")] == ["ACME000"] * 20


def test_a_pattern_past_its_time_budget_is_the_rule_s_internal_error_once(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "MATCH_TIMEOUT", 0.05)
    linter = _linter(tmp_path, _rule("metadata.annotations.note", "matches", r"^(a|a)*$"),
                     _rule("metadata.labels.team"))
    started = time.process_time()
    result = linter.lint_text(_annotated(50, "a" * 40 + "!"), "apps.yaml")
    assert time.process_time() - started < 5  # one budget, not fifty
    [error] = result.internal_errors
    assert (error.rule, error.plugin) == ("ACME000", "rule-dirs")
    assert error.obj == "Deployment/app-0 (apps.yaml)"
    assert "'^(a|a)*$' took more than 0.05 s" in error.error
    assert "not evaluated on the objects after this one" in error.error
    assert " (at " not in error.error  # the budget says all there is; no place in wslint
    # The run goes on: the other rule still reports every object.
    assert len([f for f in result.findings if f.code == "ACME001"]) == 50


def test_a_selector_past_its_work_budget_is_the_rule_s_internal_error(tmp_path):
    """`$..*..*..*` on a list nested 200 deep took over 100 s and gigabytes (a mapping too: older
    jsonpath-ng versions take `*` for mapping values only)."""
    linter = _linter(tmp_path, _rule("$..*..*..*", "present"), _rule("$..image", "present"))
    nested = {"list": "x", "map": "x"}
    for _ in range(200):
        nested = {"list": [nested["list"]], "map": {"a": nested["map"]}}
    manifest = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: deep}\n"
                f"spec: {{template: {{spec: {{containers: [{{name: c, image: i}}]}}}}, "
                f"extra: {json.dumps(nested)}}}\n")
    started = time.process_time()
    result = linter.lint_text(manifest + "---\n" + manifest.replace("deep", "other"), "deep.yaml")
    assert time.process_time() - started < 10
    [error] = result.internal_errors
    assert error.rule == "ACME000" and error.obj == "Deployment/deep (deep.yaml)"
    assert "the selector '$..*..*..*' did more than" in error.error
    assert [f.code for f in result.findings if f.code.startswith("ACME")] == ["ACME001"] * 2


def test_a_budget_spent_on_the_command_line_is_exit_2_naming_the_rule(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME001.yaml").write_text(
        _rule("metadata.annotations.note", "matches", r"^(a|a)*$"))
    (tmp_path / "apps.yaml").write_text(_annotated(3, "a" * 40 + "!"))
    result = run("--no-config", "--no-plugins", "--rules-dir", "rules", "apps.yaml", cwd=tmp_path)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"internal error: rule ACME001 (plugin rule-dirs) failed on Deployment/app-0" \
        in result.stdout
    assert result.stderr.count(b"internal error in rule ACME001") == 1


def test_an_option_pattern_that_backtracks_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "MATCH_TIMEOUT", 0.05)
    rule = _rule() + ("options:\n  team:\n    type: string\n    default: a\n"
                      "    description: The team\n    pattern: '^(a|a)*$'\n")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME001.yaml").write_text(rule)
    (tmp_path / ".wslint.yaml").write_text(
        "rule-dirs: [rules]\nrules:\n  ACME001: {team: " + "a" * 40 + "!}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.yaml").write_text(NO_PROBE)
    result = invoke("app.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert b".wslint.yaml:3: rules.ACME001.team: the regular expression '^(a|a)*$' took more" \
        in result.stderr


@pytest.mark.parametrize(("select", "error"), [
    ("metadata.labels[?(@.team =~ '^(a|a)*$')]", "a regular expression inside 'select'"),
    ("metadata.labels.team.`sub(/(a|a)*b/, x)`", "a regular expression inside 'select'"),
    (".".join(["a"] * 101), "'select' nests more than 100 steps"),
    ("a" * 10_001, "'select' is longer than 10000 characters"),
])
def test_selectors_that_cannot_be_budgeted_are_refused(tmp_path, select, error):
    with pytest.raises(RuleDefinitionError) as raised:
        _linter(tmp_path, _rule(select, "present"))
    assert f"ACME000.yaml:8: {error}" in str(raised.value)


def test_a_pattern_nested_too_deeply_is_a_rule_error(tmp_path):
    with pytest.raises(RuleDefinitionError) as raised:
        _linter(tmp_path, _rule("metadata.name", "matches", "(" * 5000 + ")" * 5000))
    assert "ACME000.yaml:10: 'value' is not a regular expression" in str(raised.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
@pytest.mark.parametrize("name", [".gitignore", "kustomization.yaml", "Chart.yaml"])
def test_files_a_repository_names_by_convention_are_never_opened_unless_regular(tmp_path, name,
                                                                                special):
    """A `.gitignore`, a kustomization file or a Chart.yaml that is a FIFO or /dev/zero: a plain
    open() of the one would wait for ever, a read of the other never end."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.yaml").write_text(NO_PROBE)
    _make(tmp_path / "app" / name, special, "")
    for renderers in ((), ("--no-kustomize", "--no-helm")):
        result = run("--no-config", "--no-plugins", *renderers, "app", cwd=tmp_path)
        assert result.returncode in (1, 2) and b"Traceback" not in result.stderr
        assert b"app/app.yaml:" in result.stdout


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 4096])
@pytest.mark.parametrize("told", ["as it is", "smaller", "none"])
def test_a_file_is_read_whole_up_to_the_limit_whatever_its_size_said(tmp_path, monkeypatch,
                                                                     size, told):
    """A file is read whole up to the size limit, also where it grew after it was looked at
    (its size then says less than it holds; a file of /proc says 0), and refused past it."""
    from wslint.load import files

    path = tmp_path / "manifest.yaml"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    real_fstat = os.fstat

    def fstat(descriptor):
        info = real_fstat(descriptor)
        shown = {"as it is": info.st_size, "smaller": info.st_size // 2, "none": 0}[told]
        return os.stat_result(info[:6] + (shown,) + info[7:])

    monkeypatch.setattr(files.os, "fstat", fstat)
    if size > 100:
        with pytest.raises(files.FileRefused, match="larger than 100 bytes"):
            files.read_regular_file(str(path), max_size=100)
    else:
        assert files.read_regular_file(str(path), max_size=100) == path.read_bytes()
    if os.path.exists("/proc/self/status"):
        assert files.read_regular_file("/proc/self/status").startswith(b"Name:")
