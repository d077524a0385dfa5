"""Kustomize directories: rendered with `kubectl kustomize`, findings at the source files.

tests/fixtures/kustomize/app holds a base, an overlay that renames, patches and uses a component,
a component nothing uses and a file the kustomization does not use; broken/ cannot render."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import git_repo, invoke
from conftest import FIXTURES, shared_dir
from wslint.load import kustomize, rendercache
from wslint.engine import Linter
from wslint.settings import Settings

TREE = FIXTURES / "kustomize"
APP = TREE / "app"
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")


def _lint(*paths: Path, select=("WS201", "WS202", "WS402", "WS906"), **settings) -> list:
    # The test tree's apps carry no WebSocket signal: every workload is in scope here.
    settings.setdefault("websocket_scope", "all")
    result = Linter(Settings(select=list(select), **settings)).lint_paths([str(p) for p in paths])
    assert not result.internal_errors
    return [(Path(f.file).relative_to(TREE).as_posix(), f.line, f.column, f.code, str(f.object))
            for f in result.findings]


@needs_kubectl
def test_overlay_findings_point_at_the_base_lines():
    assert _lint(APP) == [
        # The rendered object (renamed, moved to its namespace, replicas patched to 3) is reported
        # at its source: the base file. The component's preStop hook is there, so no WS202; the
        # patch files and the unused component are not linted on their own.
        ("app/base/deployment.yaml", 6, 3, "WS402", "Deployment/prod/prod-chat"),
        ("app/base/deployment.yaml", 14, 9, "WS201", "Deployment/prod/prod-chat"),
        # Not used by the kustomization: linted as the plain file it is.
        ("app/overlays/prod/debug-pod.yaml", 10, 9, "WS201", "Deployment/debug"),
        ("app/overlays/prod/debug-pod.yaml", 10, 9, "WS202", "Deployment/debug"),
    ]


@needs_kubectl
def test_a_base_given_alone_is_rendered_as_its_own_root():
    assert _lint(APP / "base") == [
        ("app/base/deployment.yaml", 14, 9, "WS201", "Deployment/chat"),
        ("app/base/deployment.yaml", 14, 9, "WS202", "Deployment/chat"),
    ]


@needs_kubectl
def test_a_failed_rendering_is_reported_and_its_resources_linted_raw():
    # The patch (a fragment) is left out; the resource that exists is linted as it is.
    assert _lint(TREE / "broken") == [
        ("broken/deployment.yaml", 14, 9, "WS201", "Deployment/chat"),
        ("broken/deployment.yaml", 14, 9, "WS202", "Deployment/chat"),
        ("broken/kustomization.yaml", 1, 1, "WS906", "None"),
    ]
    message = Linter(Settings(select=["WS906"])).lint_paths([str(TREE / "broken")]).findings[0].message
    assert "missing.yaml does not exist" in message and "--no-kustomize" in message


def test_without_kubectl_each_root_says_so(monkeypatch):
    # A machine without kubectl is no fault of the files: a warning per root, not a finding.
    monkeypatch.setattr(kustomize, "kubectl_path", lambda: None)
    result = Linter(Settings(select=["WS201", "WS402", "WS906"], websocket_scope="all")).lint_paths(
        [str(APP)])
    assert not [f for f in result.findings if f.code == "WS906"]
    [notice] = result.notices
    assert notice == (f"{APP}/overlays/prod/kustomization.yaml: kustomization not rendered: "
                      "kubectl is not on PATH; its resource files are linted as plain files "
                      "(without its patches); pass --no-kustomize to lint the raw files instead"), notice
    files = {Path(f.file).relative_to(TREE).as_posix() for f in result.findings}
    # The base's resources are linted raw; the patches are not (they are fragments).
    assert "app/base/deployment.yaml" in files
    assert not files & {"app/overlays/prod/replicas.yaml", "app/components/probe/lifecycle.yaml",
                        "app/components/unused/patch.yaml"}


def test_no_kustomize_lints_every_raw_file():
    found = _lint(APP, kustomize=False)
    files = {f[0] for f in found}
    assert "app/base/deployment.yaml" in files
    # Overlay files are linted as they are (the patch is taken as a whole Deployment, with no
    # container to judge).
    assert "app/overlays/prod/debug-pod.yaml" in files
    assert not any(f[3] == "WS906" for f in found)
    assert not any("prod-chat" in f[4] for f in found)


def test_plan_picks_roots_and_skips_unused_components():
    files = [str(p) for p in sorted(APP.rglob("*.yaml"))]
    found = kustomize.plan([str(APP)], files)
    assert [Path(r.file).relative_to(TREE).as_posix() for r in found.roots] == [
        "app/overlays/prod/kustomization.yaml"]
    assert {Path(p).relative_to(TREE).as_posix() for p in found.skipped_files} == {
        "app/components/unused/kustomization.yaml", "app/components/unused/patch.yaml"}
    used = {Path(p).relative_to(TREE).as_posix() for p in found.files(found.roots[0])}
    assert used == {"app/base/kustomization.yaml", "app/base/deployment.yaml",
                    "app/base/service.yaml", "app/overlays/prod/kustomization.yaml",
                    "app/overlays/prod/replicas.yaml", "app/components/probe/kustomization.yaml",
                    "app/components/probe/lifecycle.yaml"}


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wslint", *map(str, args)], capture_output=True)


def test_cli_no_kustomize_and_default_controller_in_json(tmp_path):
    (tmp_path / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: chat}\nspec:\n"
        "  defaultBackend:\n    service: {name: chat, port: {number: 80}}\n")
    (tmp_path / "kustomization.yaml").write_text("resources: [ingress.yaml, gone.yaml]\n")
    done = _cli("--format", "json", "--no-kustomize", "--default-controller", "ingress-nginx",
                "--select", "WS102,WS906", tmp_path)
    findings = json.loads(done.stdout)["findings"]
    assert [(f["rule"], f["controller"]) for f in findings] == [("WS102", "ingress-nginx")]
    unknown = _cli("--default-controller", "nginx-plus", tmp_path)
    assert unknown.returncode == 2 and b"nginx-plus" in unknown.stderr


@needs_kubectl
def test_realworld_kustomizations_render_with_findings_at_source_files():
    root = shared_dir("corpus", "realworld", "stefanprodan__podinfo", "deploy")
    result = Linter(Settings(websocket_scope="all")).lint_paths([str(root)])
    assert not result.internal_errors
    assert not [f for f in result.findings if f.code == "WS906"]
    rendered = [f for f in result.findings if f.object and f.object.namespace in
                ("dev", "staging", "production")]
    assert rendered, "the overlays' objects are linted"
    for finding in rendered:
        path = Path(finding.file)
        assert path.is_file() and path.name != "kustomization.yaml", finding
        # The line holds the field the finding is about (or its nearest parent in the source).
        lines = path.read_text(encoding="utf-8").splitlines()
        assert 1 <= finding.line <= len(lines), finding
    # Each overlay's objects are linted once, as the overlay renders them; the bases are not
    # linted again on their own (their objects have no namespace).
    assert not [f for f in result.findings if f.object and f.object.namespace is None
                and "/bases/" in f.file]


@needs_kubectl
def test_realworld_corpus_failures_name_their_reason():
    root = shared_dir("corpus", "realworld")
    result = Linter(Settings(select=["WS906"], helm=False)).lint_paths([str(root)])
    failed = {Path(f.file).parent.name: f.message for f in result.findings}
    # Components never render alone, so none is reported; kustomizations whose files are
    # missing from the corpus are, with kubectl's reason.
    assert not any("components" in Path(f.file).parts for f in result.findings)
    assert failed and all("kustomization not rendered" in m and "does not exist" in m
                          for m in failed.values())


# --- renderings cached across runs --------------------------------------------------------------

REAL_KUBECTL = shutil.which("kubectl")


def _counting_kubectl(directory: Path, version: str = "") -> Path:
    """A `kubectl` that logs each call (its first two arguments) and runs the real one."""
    directory.mkdir(exist_ok=True)
    log = directory / "calls.log"
    script = directory / "kubectl"
    script.write_text(f'#!/bin/sh\necho "$1 $2" >> "{log}"\n{version}'
                      f'exec "{REAL_KUBECTL}" "$@"\n')
    script.chmod(0o755)
    return log


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def counted(tmp_path, monkeypatch):
    """A copy of the app fixture, a fresh cache directory and a counting kubectl on PATH."""
    if REAL_KUBECTL is None:
        pytest.skip("kubectl is not on PATH")
    app = tmp_path / "repo" / "app"
    shutil.copytree(APP, app)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    log = _counting_kubectl(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return app, log


def _findings(path: Path, **settings) -> list:
    result = Linter(Settings(select=["WS201", "WS202", "WS402", "WS906"], **settings)).lint_paths(
        [str(path)])
    return [(Path(f.file).name, f.line, f.code, str(f.object)) for f in result.findings]


def test_a_second_run_on_an_unchanged_tree_calls_kubectl_for_nothing(counted, tmp_path):
    app, log = counted
    first = _findings(app)
    assert _calls(log) == ["version --client", "kustomize " + _calls(log)[1].split()[1]]
    assert _findings(app) == first
    assert len(_calls(log)) == 2, "the second run rendered nothing"
    # The cache lives in the cache directory, never in the user's tree.
    entries = list((tmp_path / "cache" / "wslint" / "render").glob("*.json"))
    assert entries and all(entry.stat().st_mode & 0o077 == 0 for entry in entries)
    assert (tmp_path / "cache" / "wslint").stat().st_mode & 0o077 == 0
    assert not [p for p in (tmp_path / "repo").rglob("*") if "wslint" in p.name or
                p.suffix == ".json"]


def test_a_changed_file_is_rendered_again_even_with_the_same_size_and_time(counted):
    """The key is the content: a stale entry is never used, whatever the clock says."""
    app, log = counted
    base = app / "base" / "deployment.yaml"
    assert ("deployment.yaml", 14, "WS201", "Deployment/prod/prod-chat") in _findings(app)
    before = base.stat()
    text = base.read_text()
    changed = text.replace("image: chat:1", "image: chat:2")  # same size
    assert len(changed) == len(text) and changed != text
    base.write_text(changed)
    os.utime(base, ns=(before.st_atime_ns, before.st_mtime_ns))
    _findings(app)
    assert _renders(log) == 2
    # A file the overlay reads through its base and component, and a new file in their trees.
    (app / "components" / "probe" / "notes.txt").write_text("read nothing from here\n")
    _findings(app)
    assert _renders(log) == 3
    # Not a file any of them reads: still cached.
    (app / "components" / "unused" / "patch.yaml").write_text("# changed\n")
    _findings(app)
    assert _renders(log) == 3


def test_an_entry_that_appears_is_rendered_again(counted):
    """A resource that is missing fails the rendering; the failure is cached until the file
    appears."""
    app, log = counted
    (app / "base" / "kustomization.yaml").write_text("resources:\n- deployment.yaml\n- extra.yaml\n")
    assert ("kustomization.yaml", 1, "WS906", "None") in _findings(app)
    assert ("kustomization.yaml", 1, "WS906", "None") in _findings(app)
    assert _renders(log) == 1
    (app / "base" / "extra.yaml").write_text(
        (app / "base" / "service.yaml").read_text().replace("name: chat", "name: extra"))
    assert not [f for f in _findings(app) if f[2] == "WS906"]


def _renders(log: Path) -> int:
    return len([call for call in _calls(log) if call.startswith("kustomize")])


@pytest.mark.parametrize("how", ["--no-cache", "cache: false", "Settings(cache=False)"])
def test_the_cache_can_be_turned_off(counted, tmp_path, how):
    app, log = counted
    repo = git_repo(app.parent)
    for _ in range(2):
        if how == "--no-cache":
            invoke("--no-config", "--no-cache", "app", cwd=repo)
        elif how == "cache: false":
            (repo / ".wslint.yaml").write_text("cache: false\n")
            invoke("app", cwd=repo)
        else:
            _findings(app, cache=False)
    assert _renders(log) == 2
    assert not (tmp_path / "cache" / "wslint").exists(), "nothing read or written"


def test_a_new_kubectl_renders_again(counted, tmp_path):
    app, log = counted
    _findings(app)
    _counting_kubectl(tmp_path / "bin", version="# an upgrade\n")  # another binary
    _findings(app)
    assert _calls(log).count("version --client") == 2
    assert _renders(log) == 2


def test_a_broken_cache_is_a_miss(counted, tmp_path):
    app, log = counted
    first = _findings(app)
    for entry in (tmp_path / "cache" / "wslint" / "render").glob("*.json"):
        entry.write_text("{not json")
    assert _findings(app) == first
    assert _renders(log) == 2


def test_remote_entries_cannot_be_keyed(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n- https://github.com/example/app//deploy?ref=v1\n- local.yaml\n")
    root = kustomize.read_kustomization(str(tmp_path), str(tmp_path))
    with pytest.raises(rendercache.Uncacheable):
        kustomize.RENDERER.reads(root)
    (tmp_path / "kustomization.yaml").write_text("resources:\n- local.yaml\n- ../elsewhere\n"
                                                 "- base\n- /\n")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [../shared.yaml]\n")
    # A directory that is no kustomization is not read (the root of the file system here):
    # kustomize fails on it until it has a kustomization file.
    assert kustomize.RENDERER.reads(root) == [
        str(tmp_path), str(tmp_path / "local.yaml"), str(tmp_path.parent / "elsewhere"),
        *(os.path.join("/", name) for name in kustomize.KUSTOMIZATION_FILES),
        str(tmp_path / "base"), str(tmp_path / "shared.yaml")]


KLOG_BLOCK = """\
E1202 15:27:30.433471   21420 run.go:72] "command failed" err=<
\taccumulating resources: accumulation err='accumulating resources from 'https://example.com/deploy.yaml': Get "https://example.com/deploy.yaml": dial tcp: lookup example.com on 10.0.0.53:53: no such host': failed to run '/usr/bin/git fetch --depth=1 https://example.com HEAD': fatal: unable to access 'https://example.com/': Could not resolve host: example.com
\t: exit status 128
 >
"""


def test_a_multi_line_error_gives_its_reason_not_its_last_line():
    # kubectl logs a multi-line error as a block ending in a lone `>`: the reason is inside.
    reason = kustomize._cause(KLOG_BLOCK).reason
    assert reason == ("its remote resource https://example.com/deploy.yaml could not be "
                      "fetched (no such host)")


def test_a_multi_line_error_of_another_kind_keeps_its_text():
    block = KLOG_BLOCK.replace("accumulating resources from", "reading from").replace(
        "no such host", "refused")
    reason = kustomize._cause(block).reason
    assert "reading from 'https://example.com/deploy.yaml'" in reason
    assert reason != ">" and not reason.startswith(":")


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers: [{name: api, image: "api:1"}]
"""


@needs_kubectl
def test_a_generator_input_kept_out_of_the_repository_is_a_warning(tmp_path):
    # `.env` of secrets, written at deploy time: kubectl fails, but the files are not at fault.
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\nconfigMapGenerator:\n- name: config\n  envs: [.env]\n")
    result = Linter(Settings(select=["WS906"], cache=False)).lint_paths([str(tmp_path)])
    assert result.findings == []
    [notice] = result.notices
    assert (".env does not exist (a generator reads it: written at deploy time, or kept out of "
            "the repository); its resource files are linted as plain files") in notice, notice


@needs_kubectl
def test_a_missing_resource_is_still_a_finding(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [deployment.yaml, service.yaml]\n")
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    result = Linter(Settings(select=["WS906"], cache=False)).lint_paths([str(tmp_path)])
    assert result.notices == []
    [finding] = result.findings
    assert finding.code == "WS906" and "service.yaml does not exist" in finding.message


def test_an_unreachable_remote_base_is_a_warning():
    stderr = KLOG_BLOCK.replace("https://example.com/deploy.yaml", "github.com/acme/base?ref=v1")
    cause = kustomize._cause(stderr)
    assert cause.outside and cause.reason == (
        "its remote resource github.com/acme/base?ref=v1 could not be fetched (no such host)")


@needs_kubectl
@pytest.mark.parametrize("with_git", [True, False])
def test_a_missing_patch_that_git_ignores_is_a_warning(tmp_path, with_git):
    # `make patch-image` writes the patch before deploying; .gitignore keeps it out of the
    # repository (a clone, or a copy of one without its .git).
    if with_git:
        (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("**/manager_image_patch.yaml\n")
    overlay = tmp_path / "config" / "overlays" / "dev"
    overlay.mkdir(parents=True)
    (overlay / "deployment.yaml").write_text(DEPLOYMENT)
    (overlay / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\npatches:\n- path: manager_image_patch.yaml\n")
    result = Linter(Settings(select=["WS906"], cache=False)).lint_paths([str(tmp_path)])
    assert result.findings == []
    [notice] = result.notices
    assert "manager_image_patch.yaml does not exist (.gitignore keeps it out of the repository" \
        in notice, notice
