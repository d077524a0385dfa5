"""Which files a directory walk reads: git's ignore files are honoured (unless turned off), and
`exclude` patterns are gitignore patterns."""

from __future__ import annotations

import json
import os

import pytest

from cli_helpers import NO_PROBE, git_repo, invoke as run
from wslint.config import path_matcher
from wslint.load.sources import discover


def tree(root, *names: str):
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(NO_PROBE)
    return root


def found(paths, root, **options) -> list[str]:
    return sorted(os.path.relpath(path, root).replace(os.sep, "/")
                  for path in discover([str(p) for p in paths], **options))


@pytest.fixture
def repo(tmp_path):
    root = tree(git_repo(tmp_path / "repo"), "app.yaml", "build/out.yaml", "x.local.yaml",
                "keep.local.yaml", "deploy/generated.yaml", "deploy/app.yaml",
                "deploy/sub/generated.yaml", "private.yaml")
    (root / ".gitignore").write_text("# outputs\nbuild/\n*.local.yaml\n!keep.local.yaml\n")
    (root / "deploy" / ".gitignore").write_text("/generated.yaml\n")
    (root / ".git" / "info").mkdir()
    (root / ".git" / "info" / "exclude").write_text("private.yaml\n")
    return root


def test_a_walk_leaves_out_what_git_ignores(repo):
    assert found([repo], repo) == ["app.yaml", "deploy/app.yaml", "deploy/sub/generated.yaml",
                                   "keep.local.yaml"]
    # From below the root, the root's .gitignore still applies.
    assert found([repo / "deploy"], repo) == ["deploy/app.yaml", "deploy/sub/generated.yaml"]


def test_turned_off_a_walk_reads_everything(repo):
    assert len(found([repo], repo, gitignore=False)) == 8


def test_paths_named_outright_are_read(repo):
    assert found([repo / "build" / "out.yaml", repo / "x.local.yaml"], repo) == [
        "build/out.yaml", "x.local.yaml"]
    assert found([repo / "build"], repo) == ["build/out.yaml"]


def test_outside_a_git_work_tree_gitignore_files_mean_nothing(tmp_path):
    tree(tmp_path, "build/out.yaml", "app.yaml")
    (tmp_path / ".gitignore").write_text("build/\n")
    assert found([tmp_path], tmp_path) == ["app.yaml", "build/out.yaml"]


def test_the_flag_and_the_configuration_key(repo):
    def files(*args) -> set[str]:
        result = run("--format", "json", "--select", "WS201", *args, ".", cwd=repo)
        assert result.returncode == 1, result.stderr
        return {f["file"] for f in json.loads(result.stdout)["findings"]}

    assert "build/out.yaml" not in files()
    assert "build/out.yaml" in files("--no-gitignore")
    (repo / ".wslint.yaml").write_text("gitignore: false\n")
    assert "build/out.yaml" in files()
    (repo / ".wslint.yaml").write_text("gitignore: 1\n")
    result = run(".", cwd=repo)
    assert result.returncode == 2 and b"gitignore: expected true or false" in result.stderr


# (patterns, path relative to the root, excluded?)
EXCLUDE_CASES = [
    (["deploy/*.yaml"], "deploy/a.yaml", True),
    (["deploy/*.yaml"], "deploy/sub/b.yaml", False),  # `*` stays within a directory
    (["deploy/**/*.yaml"], "deploy/sub/b.yaml", True),
    (["deploy/*.yaml"], "other/deploy/a.yaml", False),  # a `/` anchors the pattern
    (["*.generated.yaml"], "a/b/c.generated.yaml", True),  # no `/`: at any depth
    (["charts/"], "apps/charts/x/deploy.yaml", True),
    (["charts/"], "chartsx/deploy.yaml", False),
    (["vendor"], "vendor/x/app.yaml", True),
    (["/app.yaml"], "sub/app.yaml", False),
    (["./deploy"], "deploy/a.yaml", True),
    (["./deploy"], "x/deploy/a.yaml", False),
    (["*.yaml", "!keep.yaml"], "keep.yaml", False),
    (["*.yaml", "!keep.yaml"], "other.yaml", True),
    (["deploy/", "!deploy/prod/"], "deploy/prod/app.yaml", False),
    (["!keep.yaml"], "keep.yaml", False),
]


@pytest.mark.parametrize("patterns, path, excluded", EXCLUDE_CASES)
def test_exclude_patterns_are_gitignore_patterns(tmp_path, patterns, path, excluded):
    assert path_matcher(patterns, tmp_path)(str(tmp_path / path)) is excluded


def test_a_negated_exclude_takes_a_file_back(tmp_path):
    root = tree(git_repo(tmp_path / "repo"), "deploy/a.yaml", "deploy/keep.yaml",
                "deploy/sub/b.yaml")
    (root / ".wslint.yaml").write_text("exclude: ['deploy/*.yaml', '!deploy/keep.yaml']\n")
    result = run("--format", "json", "--select", "WS201", ".", cwd=root)
    assert sorted(f["file"] for f in json.loads(result.stdout)["findings"]) == [
        "deploy/keep.yaml", "deploy/sub/b.yaml"]
