"""The pre-commit hook: wslint given only the changed files reads their sibling manifests for
context and reports only on the given files; and the real pre-commit, run with `try-repo`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import git_repo, invoke as run
from conftest import ROOT

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  replicas: 3
  selector: {matchLabels: {app: chat}}
  template:
    metadata:
      labels: {app: chat}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
      - name: chat
        image: chat:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /healthz, port: http}
        lifecycle:
          preStop:
            sleep: {seconds: 10}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 128Mi}
      - name: log-shipper
        image: shipper:1
        resources:
          requests: {cpu: 10m, memory: 32Mi}
          limits: {memory: 32Mi}
"""
# Without its Service, wslint cannot tell which container serves: the sidecar would need a
# probe too (WS201); without its PodDisruptionBudget, three replicas could be evicted at once.
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: chat}
spec:
  selector: {app: chat}
  sessionAffinity: ClientIP
  ports: [{port: 80, targetPort: http}]
"""
PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: chat}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: chat}}
"""
BROKEN_PROBE = DEPLOYMENT.replace("""        readinessProbe:
          httpGet: {path: /healthz, port: http}
""", "")


def app_repo(path: Path) -> Path:
    """A repository with the chat app split over three files, and an unrelated broken file."""
    repo = git_repo(path)
    app = repo / "deploy" / "chat"
    app.mkdir(parents=True)
    (app / "deployment.yaml").write_text(DEPLOYMENT)
    (app / "service.yaml").write_text(SERVICE)
    (app / "pdb.yaml").write_text(PDB)
    (repo / "deploy" / "other").mkdir()
    (repo / "deploy" / "other" / "broken.yaml").write_text("kind: [\n")
    return repo


def findings(*args, cwd) -> list[tuple[str, str]]:
    result = run("--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return [(f["rule"], f["file"]) for f in json.loads(result.stdout)["findings"]]


def test_context_from_sibling_files(tmp_path):
    repo = app_repo(tmp_path / "repo")
    changed = "deploy/chat/deployment.yaml"
    # Alone, no budget is seen; the sidecar, which declares no port, serves nothing.
    alone = findings(changed, cwd=repo)
    assert sorted(alone) == [("WS402", changed)]
    assert findings("--context", changed, cwd=repo) == []
    (repo / changed).write_text(BROKEN_PROBE)
    assert findings("--context", changed, cwd=repo) == [("WS201", changed)]


def test_only_the_given_files_are_reported(tmp_path):
    repo = app_repo(tmp_path / "repo")
    (repo / "deploy" / "chat" / "service.yaml").write_text(SERVICE + "  # wslint: disable=WS101\n")
    (repo / "deploy" / "chat" / "broken.yaml").write_text("kind: [\n")
    result = run("--format", "json", "--context", "deploy/chat/pdb.yaml", cwd=repo)
    report = json.loads(result.stdout)
    assert report["findings"] == [] and report["summary"]["files"] == 1
    assert result.returncode == 0


def test_context_root_reads_the_whole_tree(tmp_path):
    repo = app_repo(tmp_path / "repo")
    (repo / "deploy" / "chat" / "pdb.yaml").rename(repo / "deploy" / "pdb.yaml")
    changed = "deploy/chat/deployment.yaml"
    assert findings("--context", changed, cwd=repo) == [("WS402", changed)]
    assert findings("--context-root", "deploy", changed, cwd=repo) == []
    (repo / ".wslint.yaml").write_text("context-root: deploy\n")  # relative to the file
    assert findings("--context", "chat/deployment.yaml", cwd=repo / "deploy") == []


def run_hook(repo: Path, hook_repo: Path, files: list[str], home: Path) -> subprocess.Popen:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.Popen(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "wslint", "--verbose",
         "--files", *files], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def hook_repository(path: Path) -> Path:
    """This project's hook as pre-commit fetches it: a git repository holding the package, the
    rules and .pre-commit-hooks.yaml (copied from the working tree, so the test sees the code
    under test whatever the state of the checkout)."""
    path.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, path / name)
    shutil.copytree(ROOT / "rules", path / "rules")
    shutil.copytree(ROOT / "wslint", path / "wslint", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=wslint tests", "-c", "user.email=tests@wslint.invalid"]
    subprocess.run(git + ["init", "-q"], cwd=path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=path, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "hook"], cwd=path, check=True)
    return path


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_real_pre_commit_try_repo(tmp_path):
    """`pre-commit try-repo` installs the hook in a fresh environment every time (its store is
    temporary), so both runs go side by side: one changed Deployment whose Service and PDB are
    in sibling files passes; the same with its probe removed fails with WS201."""
    hook_repo = hook_repository(tmp_path / "hook")
    good = app_repo(tmp_path / "good")
    broken = app_repo(tmp_path / "broken")
    (broken / "deploy" / "chat" / "deployment.yaml").write_text(BROKEN_PROBE)
    for repo in (good, broken):
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    changed = ["deploy/chat/deployment.yaml"]
    runs = [run_hook(repo, hook_repo, changed, tmp_path / f"home-{repo.name}") for repo in (good, broken)]
    (passed, _), (failed, _) = [process.communicate(timeout=300) for process in runs]
    passed, failed = passed.decode(), failed.decode()
    assert runs[0].returncode == 0, passed
    assert "wslint" in passed and "Passed" in passed
    assert runs[1].returncode == 1, failed
    assert "Failed" in failed
    assert "deploy/chat/deployment.yaml:13:9: WS201 [error]" in failed
    assert 'container "chat" has no readinessProbe' in failed
    assert "WS402" not in failed and "log-shipper" not in failed and "broken.yaml" not in failed
