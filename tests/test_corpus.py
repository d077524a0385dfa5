"""Real manifests written by others (../shared): linting them never crashes, and a file that a
YAML parser reads is never reported as a syntax error."""

from __future__ import annotations

from pathlib import Path

import pytest

from ruamel.yaml import YAML

from conftest import shared_dir
from wslint.engine import Linter
from wslint.settings import Settings


def _parses(path: Path) -> bool:
    try:
        list(YAML(typ="safe").load_all(path.read_bytes()))
        return True
    except Exception:
        return False


def _lint_tree(*parts):
    root = shared_dir(*parts)
    result = Linter(Settings()).lint_paths([str(root)])
    assert not result.internal_errors, result.internal_errors[:3]
    assert result.files > 0
    return result


def test_realworld_corpus_lints_without_crash_or_false_syntax_errors():
    result = _lint_tree("corpus", "realworld")
    assert result.objects > 1000
    syntax_errors = {f.file for f in result.findings if f.code == "WS901"}
    assert not [f for f in syntax_errors if _parses(Path(f))]


def test_templates_are_reported_only_where_there_is_template_syntax():
    result = _lint_tree("corpus", "realworld")
    for finding in result.findings:
        if finding.code == "WS902":
            assert "{{" in Path(finding.file).read_text(encoding="utf-8", errors="replace")


def test_peer_fixtures_lint_without_crash():
    _lint_tree("peer")


@pytest.mark.parametrize("parts", [("corpus", "realworld"), ("peer",)])
def test_the_quick_scope_answer_agrees_with_the_signals(parts):
    # `in_scope` stops at an object's first WebSocket signal: it must say what the full list says.
    linter = Linter(Settings())
    loaded = linter.load_paths([str(shared_dir(*parts))])
    everything, quick = linter.graph_of(loaded)
    _, full = linter.graph_of(loaded)
    answers = [quick.has_websocket_signal(obj) for obj in everything]
    assert answers == [bool(full.websocket_signals(obj)) for obj in everything]
    assert parts == ("peer",) or any(answers) and not all(answers)
