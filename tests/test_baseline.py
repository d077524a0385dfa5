"""Baselines: old findings stay hidden when lines move; new ones are reported."""

from __future__ import annotations

import json

from cli_helpers import NO_PROBE, git_repo, invoke as run

TWO_CONTAINERS = NO_PROBE + """\
      - name: relay
        image: relay:1
        lifecycle:
          preStop:
            sleep: {seconds: 10}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {memory: 64Mi}
"""


def findings(result):
    return [(f["rule"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def test_baseline_hides_old_findings_after_lines_shift_and_reports_new_ones(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "app.yaml").write_text(NO_PROBE)
    written = run("--write-baseline", "wslint-baseline.json", "deploy", cwd=repo)
    assert written.returncode == 0, written.stderr
    assert b"recorded 1 finding in wslint-baseline.json" in written.stderr
    recorded = json.loads((repo / "wslint-baseline.json").read_text())
    assert recorded["findings"][0]["file"] == "deploy/app.yaml"
    assert recorded["findings"][0]["path"] == "spec.template.spec.containers[0].readinessProbe"

    # Lines move above the old finding, and a second container without a probe appears.
    shifted = "# owned by the chat team\n# see RUNBOOK.md\n" + TWO_CONTAINERS.replace(
        "metadata: {name: chat}", "metadata:\n  name: chat\n  labels: {team: chat}")
    (repo / "deploy" / "app.yaml").write_text(shifted)
    result = run("--format", "json", "--baseline", "wslint-baseline.json", "deploy", cwd=repo)
    assert findings(result) == [("WS201", "deploy/app.yaml", 23)]  # the relay container only
    assert json.loads(result.stdout)["summary"]["baselined"] == 1
    assert result.returncode == 1

    # From another directory, with another spelling of the paths, it still matches.
    (repo / "deploy" / "app.yaml").write_text("\n\n" + NO_PROBE)
    other = run("--baseline", repo / "wslint-baseline.json", repo / "deploy" / "app.yaml", cwd=tmp_path)
    assert other.returncode == 0, other.stdout
    assert b"(1 in the baseline not shown)" in other.stdout


def test_baseline_counts_repeated_findings(tmp_path):
    """Two identical findings recorded once: the second is new."""
    (tmp_path / "a.yaml").write_text(NO_PROBE)
    run("--write-baseline", tmp_path / "base.json", tmp_path / "a.yaml")
    (tmp_path / "a.yaml").write_text(NO_PROBE + "---\n" + NO_PROBE)
    result = run("--format", "json", "--baseline", tmp_path / "base.json", tmp_path / "a.yaml")
    assert [(rule, line) for rule, _, line in findings(result)] == [("WS201", 30)]


def test_baseline_from_the_configuration_and_the_file_is_never_linted(tmp_path):
    repo = git_repo(tmp_path / "repo")
    (repo / ".wslint.yaml").write_text("baseline: ci/baseline.json\n")
    (repo / "ci").mkdir()
    (repo / "app.yaml").write_text(NO_PROBE)
    assert run("--write-baseline", "ci/baseline.json", ".", cwd=repo).returncode == 0
    result = run("--format", "json", ".", cwd=repo)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["findings"] == []
    assert report["summary"]["files"] == 1  # the baseline's JSON was not read as a manifest


def test_bad_baseline_exits_2(tmp_path):
    (tmp_path / "a.yaml").write_text(NO_PROBE)
    missing = run("--baseline", tmp_path / "none.json", tmp_path)
    assert missing.returncode == 2 and b"no such baseline file" in missing.stderr
    (tmp_path / "bad.json").write_text('{"version": 1, "findings": [{"rule": 1}]}')
    malformed = run("--baseline", tmp_path / "bad.json", tmp_path / "a.yaml")
    assert malformed.returncode == 2 and b"findings[0] needs string fields" in malformed.stderr
    (tmp_path / "other.json").write_text("[]")
    other = run("--baseline", tmp_path / "other.json", tmp_path / "a.yaml")
    assert other.returncode == 2 and b"not a wslint baseline" in other.stderr


def test_written_baseline_is_deterministic(tmp_path):
    (tmp_path / "a.yaml").write_text(TWO_CONTAINERS + "---\n" + NO_PROBE)
    run("--write-baseline", tmp_path / "one.json", tmp_path / "a.yaml")
    run("--write-baseline", tmp_path / "two.json", tmp_path / "a.yaml")
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
