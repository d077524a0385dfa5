"""Property-based tests (hypothesis): whatever YAML or bytes wslint is given, linting ends without
an exception or internal error, every finding names a known rule, carries a message and points
inside the file, and the text and JSON reports stay printable and valid.

Inputs are Kubernetes-shaped (the manifests of every rule's fixtures, with values swapped for
values of other types, control characters, aliases and long strings), malformed (the same text
with YAML's significant characters inserted, lines dropped or cut short), and raw bytes. The
runs are bounded and, under the default `ci` profile (tests/conftest.py), derandomized: the same
examples every run.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

from conftest import FIXTURES
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.model import Source
from wslint.engine.plugins import Plugins
from wslint.report import ReportSettings
from wslint.report.json import JsonReporter
from wslint.report.text import TextReporter
from wslint.load.sources import LoadedSource, decode, load_source

LINTER = Linter(Settings(jobs=1))
CODES = {rule.code for rule in Plugins(third_party=False).rules()}
BOUNDED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                        HealthCheck.data_too_large])


def _fixture_documents() -> list[Any]:
    """Every document of every rule fixture's manifests, as plain data."""
    safe = YAML(typ="safe")
    documents = []
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        for case in safe.load(path.read_text(encoding="utf-8"))["cases"]:
            texts = [case["manifest"]] if "manifest" in case else list(case.get("files", {}).values())
            for text in texts:
                try:
                    documents += [d for d in safe.load_all(text) if isinstance(d, dict)]
                except Exception:
                    continue  # a case about broken YAML
    return documents


DOCUMENTS = _fixture_documents()

# Text that must not reach a terminal raw, and text that YAML and the checks find awkward.
NASTY_TEXT = ["\x1b[2J\x1b[H", "\x1b]0;title\x07", "\u202eevil", "\r\n::error::injected", "%0A",
              "\x00", "\ufeff", "{{ .Values.x }}", "*alias", "&anchor", "!!python/object", "- ",
              ": ", "#", "'", '"', "\\", "0x1F", "1e400", ".nan", "~", "yes", "8080",
              "websocket", "/ws", "sleep 10", "a" * 3000]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(NASTY_TEXT), st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(NASTY_TEXT[:8])), inner,
                    max_size=4)), max_leaves=12)


def _mutate(node: Any, data: Any, depth: int = 0) -> Any:
    """The document with some of its values (at any depth) swapped for others."""
    if depth < 12 and data.draw(st.integers(0, 9), label="keep") > 1:
        if isinstance(node, dict):
            return {key: _mutate(value, data, depth + 1) for key, value in node.items()}
        if isinstance(node, list):
            return [_mutate(value, data, depth + 1) for value in node]
        return node
    return data.draw(VALUES, label="swap")


def _dump(documents: list[Any], flow: bool) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.width = 120
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def _with_aliases(text: str, data: Any) -> str:
    """Replace some `key: value` lines' values by an alias of an anchored collection placed on
    the document's first key, so that shared values reach the checks."""
    lines = text.split("\n")
    if not lines or ":" not in lines[0] or lines[0].startswith((" ", "-")):
        return text
    key, _, rest = lines[0].partition(":")
    lines[0] = f"{key}: &shared {{a: [1, {{b: [x, y]}}], name: n}}" if not rest.strip() else \
        f"{key}:{rest}\nx-shared: &shared {{a: [1, {{b: [x, y]}}], name: n}}"
    indexes = data.draw(st.lists(st.integers(1, max(1, len(lines) - 1)), max_size=4), label="aliases")
    for index in indexes:
        line = lines[index]
        if ": " in line and not line.rstrip().endswith(":"):
            lines[index] = line.split(": ", 1)[0] + ": *shared"
    return "\n".join(lines)


SIGNIFICANT = ["\n", " ", "  ", "\t", "-", "- ", ":", ": ", "[", "]", "{", "}", ",", "&a ", "*a",
               "!", "!!str ", "|", ">", "'", '"', "#", "%", "@", "`", "?", "---\n", "...\n",
               "<<: ", "\x00", "\x85", "\ufeff", "\r", "{{", "\\"]


def _break(text: str, data: Any) -> str:
    """The text with a few edits: YAML's significant characters inserted, spans dropped or
    repeated, or the text cut short."""
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        edit = data.draw(st.sampled_from(["insert", "drop", "repeat", "cut"]), label="edit")
        if edit == "insert":
            text = text[:at] + data.draw(st.sampled_from(SIGNIFICANT), label="what") + text[at:]
        elif edit == "drop":
            text = text[:at] + text[at + data.draw(st.integers(1, 40), label="length"):]
        elif edit == "repeat":
            text = text[:at] + text[at:at + 60] * 3 + text[at:]
        else:
            text = text[:at]
    return text


def _lint(loaded: LoadedSource):
    result = LINTER.lint_loaded([loaded])
    assert not result.internal_errors, result.internal_errors
    return result


def _check(result, text: str) -> None:
    lines = text.split("\n")
    for finding in result.findings:
        assert finding.code in CODES
        assert isinstance(finding.message, str) and finding.message.strip()
        assert 1 <= finding.line <= len(lines), (finding, len(lines))
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
    out = io.StringIO()
    TextReporter(out, ReportSettings()).report(result)
    assert all(ch == "\n" or ch.isprintable() for ch in out.getvalue())
    out = io.StringIO()
    JsonReporter(out, ReportSettings()).report(result)
    out.getvalue().encode("ascii")
    assert len(json.loads(out.getvalue())["findings"]) == len(result.findings)


@BOUNDED
@given(st.data())
def test_kubernetes_shaped_documents_with_values_of_any_type(data):
    documents = [_mutate(d, data) for d in data.draw(
        st.lists(st.sampled_from(DOCUMENTS), min_size=1, max_size=3), label="documents")]
    text = _dump(documents, flow=data.draw(st.booleans(), label="flow"))
    if data.draw(st.booleans(), label="aliased"):
        text = _with_aliases(text, data)
    _check(_lint(load_source(Source("fuzz.yaml", text))), text)


@BOUNDED
@given(st.data())
def test_malformed_yaml(data):
    documents = data.draw(st.lists(st.sampled_from(DOCUMENTS), min_size=1, max_size=2), label="documents")
    text = _break(_dump(documents, flow=data.draw(st.booleans(), label="flow")), data)
    _check(_lint(load_source(Source("fuzz.yaml", text))), text)


@BOUNDED
@given(st.binary(max_size=2000) | st.sampled_from(DOCUMENTS).map(
    lambda d: json.dumps(d).encode("utf-8")).flatmap(
    lambda good: st.binary(max_size=40).map(lambda noise: good[:len(good) // 2] + noise
                                            + good[len(good) // 2:])))
def test_raw_bytes(data):
    text, problem = decode(data)
    loaded = load_source(Source("fuzz.yaml", text)) if text else LoadedSource(Source("fuzz.yaml"))
    if problem is not None:
        loaded.problems.append(problem)
        assert problem.code == "WS901" and problem.line >= 1 and problem.column >= 1
    result = _lint(loaded)
    if problem is None:
        _check(result, text)


def _fixture_texts() -> list[str]:
    safe = YAML(typ="safe")
    texts = []
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        for case in safe.load(path.read_text(encoding="utf-8"))["cases"]:
            texts += [case["manifest"]] if "manifest" in case else list(case.get("files", {}).values())
    return texts


def test_every_number_of_the_fixtures_written_with_5000_digits():
    """Python refuses to turn more than 4300 digits into an int: no reader of a manifest may
    try (ports, replicas, durations in annotations, percentages)."""
    huge = [re.sub(r"\d+", "9" * 5000, text) for text in _fixture_texts()]
    loaded = [load_source(Source(f"fuzz{index}.yaml", text)) for index, text in enumerate(huge)]
    result = LINTER.lint_loaded(loaded)
    assert not result.internal_errors, result.internal_errors[:3]
    assert len(result.findings) > len(huge)


def test_every_value_of_the_fixtures_written_30_kb_long():
    """A pattern that backtracks on long text would take minutes here, not a second."""
    def lengthen(match):
        return match.group(1) + json.dumps(match.group(2) * (30_000 // len(match.group(2)) + 1))

    long = [re.sub(r"(?m)^(\s*(?:- )?[\w./-]+: )([^\s{\[&*|>].*)$", lengthen, text)
            for text in _fixture_texts()]
    loaded = [load_source(Source(f"fuzz{index}.yaml", text)) for index, text in enumerate(long)]
    result = LINTER.lint_loaded(loaded)
    assert not result.internal_errors, result.internal_errors[:3]
    assert all(len(finding.message) < 2100 for finding in result.findings)
