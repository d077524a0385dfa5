"""Every rule's cases, as data: tests/fixtures/rules/<CODE>.yaml.

A fixture file names its rule and lists cases. Each case has a `manifest` (the YAML to lint, as
the file `manifest.yaml`) or `files` (several files, for cross-file context), the findings it must
give (`expect`: rule, line, column, optionally `file`, and text the message or the fix must
contain: `message-contains`, `fix-contains`, and the `controller` it names), and optionally `options` for the rule and `settings`
for the run (`websocket-scope`, `max-depth`, and as a configuration file would give them,
`default-controller`, `default-cloud` and `workload-kinds`). Only findings of the fixture's rule (or the codes in
`rules:`) are compared, and they must match exactly: nothing missing, nothing extra.

A case may also give `fixed`: the text `wslint --fix` makes of the manifest (with `files`, a
mapping of the files it changes to their text; the others must stay as they are). Fixing that
text again must change nothing. `settings: {unsafe-fixes: true}` applies the unsafe fixes too.
"""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from conftest import FIXTURES
from wslint.config import load_config
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.fix import fix, fix_text
from wslint.engine.plugins import Plugins

CASE_KEYS = {"name", "manifest", "expect", "options", "settings", "files", "fixed"}
FIXTURE_FILES = sorted((FIXTURES / "rules").glob("*.yaml"))


def _load(path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _cases():
    for path in FIXTURE_FILES:
        data = _load(path)
        for case in data["cases"]:
            yield pytest.param(data, case, id=f"{path.stem}-{case['name']}")


# Settings a case may give as a configuration file would (read by wslint.config).
CONFIG_SETTINGS = ("default-controller", "default-cloud", "workload-kinds", "max-alias-expansion",
                   "max-file-size", "max-relations")


def _settings(data, case, tmp_path) -> Settings:
    given = case.get("settings") or {}
    settings = Settings(select=data.get("rules") or [data["rule"]],
                        rule_options={data["rule"]: case.get("options") or {}})
    if "websocket-scope" in given:
        settings.websocket_scope = given["websocket-scope"]
    if "max-depth" in given:
        settings.max_depth = given["max-depth"]
    configured = {key: given[key] for key in CONFIG_SETTINGS if key in given}
    if configured:
        path = tmp_path / ".wslint.yaml"
        YAML(typ="safe").dump(configured, path)
        load_config(path).apply(settings, Plugins(third_party=False).rules())
    return settings


@pytest.mark.parametrize(("data", "case"), list(_cases()))
def test_rule_case(data, case, tmp_path):
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"unknown case keys {unknown}"
    linter = Linter(_settings(data, case, tmp_path))
    if "files" in case:  # several files: cross-file relations
        for name, text in case["files"].items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text, encoding="utf-8")
        result = linter.lint_paths([str(tmp_path)])
        prefix = tmp_path.as_posix() + "/"
        got = [(f.code, f.file.removeprefix(prefix), f.line, f.column, f.message) for f in result.findings]
        want = [(e["rule"], e["file"], e["line"], e["column"]) for e in case["expect"]]
        assert [g[:4] for g in got] == sorted(want, key=lambda w: (w[1], w[2], w[3], w[0])), got
        findings = result.findings
    else:
        result = linter.lint_text(case["manifest"], "manifest.yaml")
        got = [(f.code, f.line, f.column) for f in result.findings]
        want = sorted(((e["rule"], e["line"], e["column"]) for e in case["expect"]),
                      key=lambda w: (w[1], w[2], w[0]))
        assert got == want, [(f.code, f.line, f.column, f.message) for f in result.findings]
        findings = result.findings
    ordered = sorted(case["expect"], key=lambda e: (e.get("file", ""), e["line"], e["column"], e["rule"]))
    for expected, finding in zip(ordered, findings):
        for text in expected.get("message-contains", []):
            assert text in finding.message, (text, finding.message)
        fix = f"{finding.fix.description}\n{finding.fix.snippet or ''}" if finding.fix else ""
        for text in expected.get("fix-contains", []):
            assert text in fix, (text, fix)
        if "controller" in expected:
            assert finding.controller == expected["controller"], finding.controller
    assert not result.internal_errors
    if "fixed" in case:
        _check_fixed(linter, case, tmp_path)


def _check_fixed(linter, case, tmp_path):
    unsafe = bool((case.get("settings") or {}).get("unsafe-fixes"))
    if "files" in case:
        def fix_files():
            outcome = fix(linter, linter.load_paths([str(tmp_path)]), unsafe=unsafe)
            prefix = tmp_path.as_posix() + "/"
            return outcome, {f.source.path.removeprefix(prefix): f.fixed for f in outcome.files}
        outcome, fixed = fix_files()
        assert fixed == case["fixed"]
        for name, text in fixed.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        again, _ = fix_files()
    else:
        outcome = fix_text(linter, case["manifest"], "manifest.yaml", unsafe=unsafe)
        fixed = outcome.files[0].fixed if outcome.files else case["manifest"]
        assert fixed == case["fixed"]
        again = fix_text(linter, fixed, "manifest.yaml", unsafe=unsafe)
    assert not outcome.notices
    assert not again.files, "a second --fix must change nothing"


def test_every_rule_has_passing_and_failing_cases():
    covered: dict[str, set[str]] = {}
    for path in FIXTURE_FILES:
        data = _load(path)
        for case in data["cases"]:
            kinds = covered.setdefault(data["rule"], set())
            kinds.add("fail" if any(e["rule"] == data["rule"] for e in case["expect"]) else "pass")
    for rule in Plugins(third_party=False).rules():
        assert covered.get(rule.code) == {"fail", "pass"}, f"{rule.code} needs failing and passing fixture cases"
