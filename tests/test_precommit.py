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
  ports: [{name: socketio, port: 80, targetPort: http, appProtocol: kubernetes.io/ws}]
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


# --- Kustomize repositories: the hook reports what a directory run reports --------------------

# A patch that is a fragment: linted alone, it is a Deployment with an unprobed, undrained
# container and no budget (WS201, WS202, WS401, WS402); rendered, it only raises replicas and the
# memory limit.
RESOURCES_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat}
spec:
  replicas: 5
  template:
    spec:
      containers:
      - name: chat
        resources:
          limits: {memory: 256Mi}
"""


def kustomize_repo(path: Path) -> Path:
    """The chat app as a base and a production overlay that patches it: clean as a tree."""
    repo = git_repo(path)
    base = repo / "deploy" / "chat" / "base"
    prod = repo / "deploy" / "chat" / "overlays" / "prod"
    base.mkdir(parents=True)
    prod.mkdir(parents=True)
    (base / "kustomization.yaml").write_text("resources:\n- deployment.yaml\n- service.yaml\n"
                                             "- pdb.yaml\n")
    (base / "deployment.yaml").write_text(DEPLOYMENT)
    (base / "service.yaml").write_text(SERVICE)
    (base / "pdb.yaml").write_text(PDB)
    (prod / "kustomization.yaml").write_text("namespace: prod\nresources:\n- ../../base\n"
                                             "patches:\n- path: resources.yaml\n")
    (prod / "resources.yaml").write_text(RESOURCES_PATCH)
    return repo


needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")


def located(*args, cwd) -> list[tuple]:
    result = run("--format", "json", "--no-config", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["rule"], f["file"], f["line"], f["column"], f["message"])
                  for f in json.loads(result.stdout)["findings"])


def manifests(repo: Path) -> list[str]:
    return sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.yaml")
                  if ".git" not in p.parts)


@needs_kubectl
@pytest.mark.parametrize("broken", ["nothing", "probe", "patch"])
def test_each_file_gets_what_a_directory_run_reports_there(tmp_path, broken):
    """Given one file (as the hook is), wslint reports exactly the directory run's findings
    in that file, with the siblings as context or the whole tree as the context root: a base
    file at its own lines as the overlay renders it, a patch never as a whole object."""
    repo = kustomize_repo(tmp_path / "repo")
    if broken == "probe":
        deployment = repo / "deploy/chat/base/deployment.yaml"
        deployment.write_text(BROKEN_PROBE)
    elif broken == "patch":  # a patch that removes the probe: found at the base's lines
        (repo / "deploy/chat/overlays/prod/resources.yaml").write_text(
            RESOURCES_PATCH + "        readinessProbe: null\n")
    whole = located("deploy", cwd=repo)
    assert bool(whole) == (broken != "nothing")
    for path in manifests(repo):
        expected = [f for f in whole if f[1] == path]
        assert located("--context", path, cwd=repo) == expected, path
        assert located("--context-root", "deploy", path, cwd=repo) == expected, path
    if broken == "probe":
        assert [f[:4] for f in whole] == [("WS201", "deploy/chat/base/deployment.yaml", 13, 9)]
        assert "Deployment/prod/chat" in whole[0][4]


@needs_kubectl
def test_the_patch_alone_is_linted_in_its_rendering(tmp_path):
    repo = kustomize_repo(tmp_path / "repo")
    patch = "deploy/chat/overlays/prod/resources.yaml"
    raw = {f[0] for f in located("--no-kustomize", "--context", patch, cwd=repo)}
    assert raw >= {"WS201", "WS202", "WS402"}, "what the hook used to report"
    result = run("--context", patch, cwd=repo)
    assert result.returncode == 0 and b"No problems found in 1 file" in result.stdout


def run_pre_commit(repo: Path, home: Path, *args: str) -> tuple[int, str]:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)  # pre-commit lints what is staged
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--verbose", *args],
                          cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=600)
    return done.returncode, done.stdout.decode()


@needs_kubectl
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_real_pre_commit_on_a_kustomize_repository(tmp_path):
    """The real pre-commit, configured as a user would (this project's two hooks at a commit):
    a Kustomize repository that lints clean as a directory passes `wslint` on every file; a
    broken base fails it at the base's line; a change that breaks an unchanged file passes
    `wslint` (it reports only the changed files) and fails `wslint-all`."""
    hook_repo = hook_repository(tmp_path / "hook")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    repo = kustomize_repo(tmp_path / "repo")
    shutil.rmtree(repo / ".git")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: wslint\n"
        f"  - id: wslint-all\n")
    home = tmp_path / "pre-commit-home"
    for path in manifests(repo):
        status, output = run_pre_commit(repo, home, "wslint", "--files", path)
        assert status == 0 and "Passed" in output, output
    status, output = run_pre_commit(repo, home, "wslint-all")
    assert status == 0 and "Passed" in output, output

    base = repo / "deploy" / "chat" / "base"
    (base / "deployment.yaml").write_text(BROKEN_PROBE)
    status, output = run_pre_commit(repo, home, "wslint", "--files",
                                    "deploy/chat/base/deployment.yaml")
    assert status == 1, output
    assert "deploy/chat/base/deployment.yaml:13:9: WS201 [error] Deployment/prod/chat" in output
    (base / "deployment.yaml").write_text(DEPLOYMENT)

    # The Service loses its stickiness: the finding is about the Deployment, in a file the
    # commit does not touch.
    (base / "service.yaml").write_text(SERVICE.replace("  sessionAffinity: ClientIP\n", ""))
    status, output = run_pre_commit(repo, home, "wslint", "--files", "deploy/chat/base/service.yaml")
    assert status == 0, output
    status, output = run_pre_commit(repo, home, "wslint-all")
    assert status == 1, output
    assert "deploy/chat/base/deployment.yaml:5:3: WS301 [warning] Deployment/prod/chat runs up to 5 pods" in output


def test_files_no_kustomization_or_chart_uses_cost_no_search(tmp_path, monkeypatch):
    """A kustomization or chart can only use files in or below its directory: when none is
    above the given and context files, the repository is not searched for them."""
    from wslint.engine import Linter
    from wslint.load import render
    from wslint.load.context import partial_context
    from wslint.settings import Settings

    repo = app_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    monkeypatch.setattr(render, "discover", lambda *args: pytest.fail("searched the tree"))
    changed = ["deploy/chat/deployment.yaml"]
    result = Linter(Settings()).lint_paths(changed, None, partial_context(changed))
    assert result.findings == [] and result.files == 1
