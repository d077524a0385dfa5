"""Configuration files: found, applied, overridden by flags, and validated with file and line."""

from __future__ import annotations

import json

import pytest

from cli_helpers import GOOD_DEPLOYMENT, NO_PROBE, git_repo, invoke as run
from wslint.config import ConfigError, find_config, load_config, path_matcher
from wslint.settings import Settings
from wslint.k8s.objects import WorkloadKind
from wslint.model import Severity
from wslint.engine.plugins import Plugins

NO_PRESTOP = NO_PROBE.replace("""        lifecycle:
          preStop:
            sleep: {seconds: 10}
""", "").replace("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 30")


def codes(result) -> list[str]:
    return [f["rule"] for f in json.loads(result.stdout)["findings"]]


def configured(tmp_path, text: str, name: str = ".wslint.yaml"):
    """A repository with `text` as its configuration and NO_PRESTOP (WS201, WS202) in app.yaml."""
    repo = git_repo(tmp_path / "repo")
    (repo / name).write_text(text)
    (repo / "app.yaml").write_text(NO_PRESTOP)
    return repo


def test_wslint_yaml_in_the_working_directory_is_applied(tmp_path):
    repo = configured(tmp_path, "ignore: [WS202]\n")
    assert codes(run("--format", "json", ".", cwd=repo)) == ["WS201"]
    assert codes(run("--format", "json", "--no-config", ".", cwd=repo)) == ["WS201", "WS202"]


def test_found_from_a_subdirectory_but_not_above_the_repository(tmp_path):
    (tmp_path / ".wslint.yaml").write_text("ignore: [WS201, WS202]\n")  # outside the repository
    repo = configured(tmp_path, "ignore: [WS202]\n")
    sub = repo / "deploy" / "prod"
    sub.mkdir(parents=True)
    assert find_config(sub) == (repo / ".wslint.yaml").resolve()
    assert codes(run("--format", "json", repo / "app.yaml", cwd=sub)) == ["WS201"]
    (repo / ".wslint.yaml").unlink()
    assert find_config(sub) is None  # the search stops at the repository root


def test_pyproject_tool_table(tmp_path):
    repo = configured(tmp_path, '[project]\nname = "x"\n\n[tool.wslint]\nignore = ["WS201"]\n\n'
                                '[tool.wslint.rules.WS203]\ndrain-seconds = 60\n', "pyproject.toml")
    result = run("--format", "json", ".", cwd=repo)
    assert sorted(codes(result)) == ["WS202", "WS203"]  # grace 30 < 0 + 60
    assert any("60 s" in f["message"] for f in json.loads(result.stdout)["findings"])


def test_pyproject_without_the_table_is_passed_over(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / ".wslint.yaml").write_text("ignore: [WS202]\n")
    sub = repo / "svc"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "svc"\n[tool.ruff]\nline-length = 100\n')
    assert find_config(sub) == (repo / ".wslint.yaml").resolve()


def test_explicit_config_file_and_missing_one(tmp_path):
    repo = configured(tmp_path, "ignore: [WS202]\n")
    (tmp_path / "strict.yaml").write_text("select: [WS202]\n")
    assert codes(run("--format", "json", "--config", tmp_path / "strict.yaml", ".", cwd=repo)) == ["WS202"]
    missing = run("--config", tmp_path / "nope.yaml", ".", cwd=repo)
    assert missing.returncode == 2 and b"cannot read the configuration file" in missing.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("rules:\n  WS203:\n    drain-secs: 60\n",
     ".wslint.yaml:3: rules.WS203.drain-secs: WS203 has no option 'drain-secs' "
     "(expected one of: severity, drain-seconds)"),
    ("rules:\n  WS203: {drain-seconds: sixty}\n",
     ".wslint.yaml:2: rules.WS203.drain-seconds: expected an integer, got 'sixty'"),
    ("rules:\n  WS203: {drain-seconds: -1}\n",
     ".wslint.yaml:2: rules.WS203.drain-seconds: expected at least 0, got -1"),
    ("rules:\n  WS299: {severity: error}\n", ".wslint.yaml:2: rules.WS299: unknown rule 'WS299'"),
    ("rules:\n  WS201: {severity: fatal}\n",
     ".wslint.yaml:2: rules.WS201.severity: expected error, warning or info, got 'fatal'"),
    ("select: [WS2]\nignore:\n  - WS202\n  - missing-prestop-drian\n",
     ".wslint.yaml:4: ignore[1]: unknown rule or prefix 'missing-prestop-drian'"),
    ("colour: always\n", ".wslint.yaml:1: colour: unknown key 'colour' (expected one of: "),
    ("websocket-scope: some\n", ".wslint.yaml:1: websocket-scope: expected one of all, detected, got 'some'"),
    ("max-depth: 0\n", ".wslint.yaml:1: max-depth: expected an integer from 1 to 10000, got 0"),
    ("kustomize: no-thanks\n", ".wslint.yaml:1: kustomize: expected true or false, got 'no-thanks'"),
    ("fail-on: warnings\n", ".wslint.yaml:1: fail-on: expected one of error, warning, info, never"),
    ("default-controller: nginx\n", ".wslint.yaml:1: default-controller: unknown controller 'nginx'"),
    ("default-cloud: eks\n", ".wslint.yaml:1: default-cloud: expected one of aws, azure, digitalocean, "
                             "oci, hetzner, gcp, got 'eks'"),
    ("exclude: vendor/**\nrule-dirs: {a: b}\n", ".wslint.yaml:2: rule-dirs: expected a list of strings, got a mapping"),
    ("workload-kinds:\n  - {api-group: argoproj.io}\n", ".wslint.yaml:2: workload-kinds[0]: missing 'kind'"),
    ("workload-kinds:\n  - kind: Rollout\n    template: spec.template\n",
     ".wslint.yaml:3: workload-kinds[0].template: unknown key 'template'"),
    ("exemptions:\n  - rules: [WS301]\n", ".wslint.yaml:2: exemptions[0]: an exemption needs at least one of kind"),
    ("exemptions:\n  - {rules: [WS399], kind: Deployment}\n",
     ".wslint.yaml:2: exemptions[0].rules[0]: unknown rule or prefix 'WS399'"),
    ("- select\n", ".wslint.yaml:1: the configuration must be a mapping"),
    ("select: [WS2\n", ".wslint.yaml:2: not valid YAML"),
])
def test_invalid_configuration_exits_2_naming_file_line_and_key(tmp_path, text, expected):
    repo = configured(tmp_path, text)
    result = run(".", cwd=repo)
    assert result.returncode == 2, result.stdout
    assert result.stderr.decode().startswith(f"wslint: error: {expected}"), result.stderr
    assert b"Traceback" not in result.stderr


def test_toml_errors_name_the_line(tmp_path):
    repo = configured(tmp_path, '[tool.wslint]\nignore = ["WS202"]\n\n[tool.wslint.rules.WS203]\n'
                                'drain-secs = 60\n', "pyproject.toml")
    result = run(".", cwd=repo)
    assert result.returncode == 2
    assert b"pyproject.toml:5: rules.WS203.drain-secs: WS203 has no option 'drain-secs'" in result.stderr
    (repo / "pyproject.toml").write_text("[tool.wslint]\nignore = [\n")
    broken = run(".", cwd=repo)
    assert broken.returncode == 2 and b"pyproject.toml: not valid TOML" in broken.stderr


def test_command_line_overrides_the_file(tmp_path):
    repo = configured(tmp_path, "ignore: [WS202]\nfail-on: error\nwebsocket-scope: detected\n")
    (repo / "app.yaml").write_text(NO_PRESTOP.replace("chat", "inventory"))
    # The file narrows the scope to detected WebSocket workloads: this one has no signal.
    assert codes(run("--format", "json", ".", cwd=repo)) == []
    assert codes(run("--format", "json", "--websocket-scope", "all", ".", cwd=repo)) == ["WS201"]
    # --ignore adds to the file's ignore; --select replaces both.
    assert codes(run("--format", "json", "--websocket-scope", "all", "--ignore", "WS201", ".",
                     cwd=repo)) == []
    assert codes(run("--format", "json", "--websocket-scope", "all", "--select", "WS202", ".",
                     cwd=repo)) == ["WS202"]
    # fail-on from the file, then from the flag.
    (repo / ".wslint.yaml").write_text("select: [WS202]\nfail-on: error\n")
    (repo / "app.yaml").write_text(NO_PRESTOP)  # a chat server: in scope by default
    assert run(".", cwd=repo).returncode == 0  # WS202 is a warning
    assert run("--fail-on", "warning", ".", cwd=repo).returncode == 1


def test_severity_and_options_per_rule(tmp_path):
    repo = configured(tmp_path, "rules:\n  missing-prestop-drain: {severity: error, sleep-seconds: 12}\n"
                                "  WS201: {severity: info}\n")
    report = json.loads(run("--format", "json", ".", cwd=repo).stdout)
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["WS202"]["severity"] == "error" and "seconds: 12" in by_rule["WS202"]["fix"]["snippet"]
    assert by_rule["WS201"]["severity"] == "info"


def test_exclude_globs_are_relative_to_the_file(tmp_path):
    repo = configured(tmp_path, "exclude: ['vendor', '*.generated.yaml', 'deploy/**/old-*']\n")
    for name in ("vendor/x/app.yaml", "a/b.generated.yaml", "deploy/prod/old-app.yaml",
                 "deploy/prod/app.yaml"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(NO_PROBE)
    report = json.loads(run("--format", "json", "--ignore", "WS202", ".", cwd=repo).stdout)
    assert sorted(f["file"] for f in report["findings"]) == ["app.yaml", "deploy/prod/app.yaml"]
    # The command line adds its own, relative to the working directory.
    report = json.loads(run("--format", "json", "--ignore", "WS202", "--exclude", "deploy", ".",
                            cwd=repo).stdout)
    assert [f["file"] for f in report["findings"]] == ["app.yaml"]


def test_path_matcher_forms(tmp_path):
    excluded = path_matcher(["charts/", "**/kustomization.yaml", "*.tmpl.yaml"], tmp_path)
    assert excluded(str(tmp_path / "charts" / "a" / "deploy.yaml"))
    assert excluded(str(tmp_path / "apps" / "kustomization.yaml"))
    assert excluded(str(tmp_path / "x" / "svc.tmpl.yaml"))
    assert not excluded(str(tmp_path / "apps" / "deploy.yaml"))
    assert not excluded(str(tmp_path / "chartsx" / "deploy.yaml"))
    assert path_matcher([], tmp_path) is None


def test_every_key_reaches_the_settings(tmp_path):
    (tmp_path / "policy").mkdir()
    path = tmp_path / ".wslint.yaml"
    path.write_text("""\
select: [WS2, WS3]
ignore: [WS203]
websocket-scope: detected
default-controller: nginx-inc
default-cloud: hetzner
max-depth: 50
jobs: 2
kustomize: false
rule-dirs: [policy]
workload-kinds:
  - {kind: Rollout, api-group: argoproj.io, template-path: spec.template}
  - {kind: Sandbox, template-path: '', replicas-path: null, default-replicas: null, long-running: false}
rules:
  WS202: {severity: error, sleep-seconds: 20}
exemptions:
  - {rules: [WS301], kind: StatefulSet, namespace: 'kube-*', reason: single writer}
baseline: ci/baseline.json
context-root: deploy
fail-on: info
exclude: [vendor]
""")
    config = load_config(path)
    settings = Settings()
    config.apply(settings, Plugins(third_party=False).rules())
    assert (settings.select, settings.ignore) == (["WS2", "WS3"], ["WS203"])
    assert (settings.websocket_scope, settings.default_controller, settings.max_depth) == \
        ("detected", "nginx-inc", 50)
    assert settings.default_cloud == "hetzner"
    assert (settings.jobs, settings.kustomize) == (2, False)
    assert settings.workload_kinds["Rollout"] == WorkloadKind("Rollout", api_group="argoproj.io")
    assert settings.workload_kinds["Sandbox"] == WorkloadKind(
        "Sandbox", template_path=(), long_running=False, replicas_path=None, default_replicas=None)
    assert "Deployment" in settings.workload_kinds
    assert settings.severities == {"WS202": Severity.ERROR}
    assert settings.rule_options["WS202"] == {"sleep-seconds": 20}
    [exemption] = settings.exemptions
    assert (exemption.rules, exemption.kind, exemption.namespace, exemption.reason) == \
        (("WS301",), "StatefulSet", "kube-*", "single writer")
    assert config.get("rule-dirs") == [str(tmp_path / "policy")]
    assert config.get("baseline") == str(tmp_path / "ci" / "baseline.json")
    assert config.get("context-root") == str(tmp_path / "deploy")
    assert config.get("fail-on") == "info" and config.get("exclude") == ["vendor"]


def test_custom_workload_kind_from_config_is_linted(tmp_path):
    repo = configured(tmp_path, "workload-kinds:\n  - {kind: Rollout, api-group: argoproj.io}\n"
                                "select: [WS201]\n")
    (repo / "app.yaml").write_text(NO_PROBE.replace("apiVersion: apps/v1\nkind: Deployment",
                                                    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout"))
    report = json.loads(run("--format", "json", ".", cwd=repo).stdout)
    assert [(f["rule"], f["object"]["kind"]) for f in report["findings"]] == [("WS201", "Rollout")]
    assert codes(run("--format", "json", "--no-config", "--select", "WS201", ".", cwd=repo)) == []


def test_exemptions_silence_matching_objects_only(tmp_path):
    repo = configured(tmp_path, "exemptions:\n  - {rules: [WS201], name: 'ch*'}\n"
                                "  - {rules: [WS2], namespace: other}\n")
    report = json.loads(run("--format", "json", ".", cwd=repo).stdout)
    assert [f["rule"] for f in report["findings"]] == ["WS202"]
    assert report["summary"]["suppressed"] == 1


def test_load_config_rejects_two_documents(tmp_path):
    path = tmp_path / ".wslint.yaml"
    path.write_text("select: [WS2]\n---\nignore: [WS202]\n")
    with pytest.raises(ConfigError, match="holds 2 YAML documents"):
        load_config(path)


def test_empty_configuration_is_fine(tmp_path):
    repo = configured(tmp_path, "")
    (repo / "app.yaml").write_text(GOOD_DEPLOYMENT)
    assert run(".", cwd=repo).returncode == 0


def test_two_configuration_files_in_one_directory(tmp_path):
    # The tool's own file wins, as .ruff.toml does over pyproject.toml, and the run says so.
    repo = configured(tmp_path, "ignore: [WS202]\n")
    (repo / "pyproject.toml").write_text("[tool.wslint]\nignore = ['WS201']\n")
    (repo / "deploy").mkdir()
    result = run("--format", "json", "../app.yaml", cwd=repo / "deploy")
    assert codes(result) == ["WS201"]
    assert result.stderr.decode() == (
        "wslint: warning: using ../.wslint.yaml; ../pyproject.toml [tool.wslint] beside it is "
        "ignored (keep one configuration file)\n")
    # Named with --config, or alone: nothing to say.
    assert run("--config", "pyproject.toml", ".", cwd=repo).stderr == b""
    (repo / ".wslint.yaml").unlink()
    result = run("--format", "json", ".", cwd=repo)
    assert codes(result) == ["WS202"] and result.stderr == b""


def test_json_schema_is_current_and_covers_every_key():
    import json as json_module

    from conftest import ROOT
    from wslint.config import KEYS, SCHEMA_NAME, json_schema
    from wslint.engine.plugins import Plugins

    schema = json_schema(Plugins(third_party=False).rules())
    committed = json_module.loads((ROOT / "docs" / SCHEMA_NAME).read_text(encoding="utf-8"))
    assert committed == schema, "docs/wslint.schema.json is stale: run `wslint generate-docs`"
    assert set(schema["properties"]) == set(KEYS)


def test_json_schema_accepts_what_the_loader_accepts_and_refuses_the_rest(tmp_path):
    import jsonschema
    from ruamel.yaml import YAML

    from conftest import ROOT
    from wslint.config import json_schema
    from wslint.engine.plugins import Plugins

    schema = json_schema(Plugins(third_party=False).rules())
    guide = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = guide.split("```yaml\n# .wslint.yaml\n", 1)[1].split("```", 1)[0]
    data = YAML(typ="safe").load(example)
    jsonschema.validate(data, schema)  # the guide's example
    load_config(_write(tmp_path, example))  # which the loader accepts too
    for bad in ({"websocket-scope": "some"}, {"rules": {"WS203": {"drain-secs": 1}}},
                {"max-depth": 0}, {"unknown": 1}, {"kustomize": "no"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def _write(tmp_path, text):
    path = tmp_path / ".wslint.yaml"
    path.write_text(text)
    return path
