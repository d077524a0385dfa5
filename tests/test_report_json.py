"""The JSON reporter's own encoder writes exactly what `json.dumps(indent=2, ensure_ascii=True)`
writes."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT
from wslint.engine import Linter
from wslint.settings import Settings
from wslint.report import ReportSettings
from wslint.report.json import JsonReporter, dumps, finding_dict
from wslint.load.yamltree import parse_stream
from wslint.model import (Applicability, Edit, EditOp, Finding, Fix, KObject, ObjRef, Related,
                          Severity, Source)

ODD = {
    "scalars": ["", "é ü \u2028 \U0001f600", 'quote " backslash \\ tab \t nl \n', 0, -1, 10**30,
                1.5, -0.0, 1e300, 2.5e-8, float("nan"), float("inf"), float("-inf"), True,
                False, None],
    "empty": [{}, [], (), {"": ""}],
    "nested": {"a": [{"b": [[{}]]}, ("tuple", 1)]},
    1: "int key", 2.5: "float key", None: "null key",
    "keys": {True: "true key", False: "false key"},  # apart from 1, which True would replace
}


def standard(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=True)


# The same keys at several depths, first and not: each is written with its own indentation.
REPEATED = [{"k": {"k": [1, {"k": None, "j": True}]}, "j": 1}, {"j": 2, "k": {1: "k"}}]


@pytest.mark.parametrize("value", [ODD, {}, [], "text", 3, None, [ODD, [ODD]], REPEATED])
def test_same_text_as_the_standard_library(value):
    assert dumps(value) == standard(value)


def test_written_in_batches(monkeypatch):
    import io

    import wslint.report.json as module

    monkeypatch.setattr(module, "_BATCH", 50)
    document = {"findings": [{"n": n, "text": "x" * (n % 7), "items": [n, [n]]} for n in range(500)]}

    class Stream(io.StringIO):
        writes = 0

        def write(self, text):
            Stream.writes += 1
            return super().write(text)

    out = Stream()
    module.write_json(document, out)
    assert Stream.writes > 10 and out.getvalue() == standard(document)


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_items_written_already_go_in_as_they_are(monkeypatch, count):
    """A report's findings, written by the processes that found them (`WrittenItems`), in
    batches; and read back where the standard library writes the document instead."""
    import wslint.report.json as module

    monkeypatch.setattr(module, "_WRITTEN_BATCH", 2)
    items = [{"n": n, "text": "é" * n, "list": [n, {}]} for n in range(count)]
    written = module.WrittenItems(dumps(item, "    ") for item in items)  # where they go
    assert dumps({"findings": written, "after": 1}) == standard({"findings": items, "after": 1})
    deeper = module.WrittenItems(dumps(item, "      ") for item in items)
    assert dumps({"inner": {"findings": deeper}}) == standard({"inner": {"findings": items}})
    with pytest.raises(TypeError, match="not JSON serializable"):  # as the standard library
        module.write_json({"findings": written, "set": {1, 2}}, io.StringIO())
    assert module._unwritten({"findings": written, "set": ()}) == {"findings": items, "set": ()}


def test_yaml_values_as_parsed():
    document = parse_stream("a: &x {b: [1, 2.0, yes, ~, '3']}\nc: *x\nd: {}\n").documents[0]
    assert dumps(document) == standard(document)


def test_what_it_cannot_encode_fails_as_json_does():
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"a": {1, 2}})
    circular: list = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(circular)


def test_a_real_report():
    result = Linter(Settings(jobs=1)).lint_paths([str(ROOT / "docs" / "examples")])
    assert result.findings
    for finding in result.findings:
        assert dumps(finding_dict(finding)) == standard(finding_dict(finding))

    class Out:
        text = ""

        def write(self, part):
            self.text += part

    out = Out()
    JsonReporter(out, ReportSettings(tool_version="1")).report(result)
    assert json.loads(out.text)["summary"]["findings"] == len(result.findings)
    # Findings are written field by field: as the standard library writes their dicts.
    document = json.loads(out.text)
    document["findings"] = [finding_dict(finding) for finding in result.findings]
    assert out.text == standard(document) + "\n"


def test_findings_of_every_shape_are_written_as_the_standard_library_writes_them():
    from wslint.model import (Applicability, Edit, Finding, Fix, KObject, ObjRef, Related,
                              Severity, Source)
    from wslint.report.json import finding_json

    service = KObject(parse_stream("kind: Service\nmetadata: {name: s}\n").documents[0],
                      Source("a.yaml", ""), 0)
    odd = 'é \u2028 "quoted" \\ \n\t\U0001f600'
    findings = [
        Finding("WS101", "name", Severity.ERROR, odd, "dir/ä.yaml", 3, 7),
        Finding("X1", "n", Severity.INFO, "m", "f", 1, 1, ObjRef("v1", "Service", None, odd),
                "spec.ports[0]", Fix(odd, None), (Related(service, (), odd),), odd),
        Finding("X2", "n", Severity.WARNING, "m", "f", 10**6, 1, ObjRef("apps/v1", "D", "ns", "d"),
                "", Fix("d", "a: 1\n", Applicability.UNSAFE,
                        (Edit.set(("spec", "x"), {"nested": [1, None, odd, 2.5]}, service),
                         Edit.remove(("spec", 0)))),
                (Related(service, ("spec",), ""), Related(service, ("metadata",), "b"))),
    ]
    for finding in findings:
        assert finding_json(finding, "") == standard(finding_dict(finding))
        assert finding_json(finding, "    ") == standard(finding_dict(finding)).replace("\n", "\n    ")


_TEXTS = st.one_of(st.none(), st.text(max_size=8), st.integers(-3, 3), st.booleans(),
                  st.floats(allow_nan=False))
_SCALARS = st.one_of(_TEXTS, st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["WS101", "X1"]), st.sampled_from(list(Severity)), st.text(max_size=6),
    st.integers(0, 2), st.one_of(st.none(), st.tuples(_TEXTS, _TEXTS, _TEXTS, _TEXTS)),
    st.one_of(st.none(), st.tuples(st.text(max_size=4), st.one_of(st.none(), st.text(max_size=4)),
                                   st.sampled_from(list(Applicability) + [None]),
                                   st.lists(st.tuples(st.sampled_from(list(EditOp)), _SCALARS,
                                                      st.booleans()), max_size=2))),
    st.lists(st.tuples(st.text(max_size=3), st.integers(0, 2)), max_size=2),
    _TEXTS), max_size=6), st.sampled_from(["", "    ", "\t"]))
def test_findings_written_one_after_another_as_the_standard_library_writes_them(cases, indent):
    """Whatever the fields hold, and whether a finding's rule or object was written just before
    (what the writer keeps from one finding to the next)."""
    from wslint.report.json import finding_json

    service = KObject(parse_stream("kind: Service\nmetadata: {name: s}\n").documents[0],
                      Source("a.yaml", ""), 0)
    refs = [ObjRef("v1", "Service", None, "s"), ObjRef("v1", "Service", None, "s")]
    for code, severity, message, ref, odd_ref, fix, related, controller in cases:
        edits = tuple(Edit(op, ("spec", "x"), value, service if bound else None)
                      for op, value, bound in (fix[3] if fix else ()))
        finding = Finding(
            code, "name", severity, message, "f.yaml", 3, 1,
            ObjRef(*odd_ref) if odd_ref else (refs[ref] if ref < 2 else None), "spec",
            Fix(fix[0], fix[1], fix[2], edits) if fix else None,
            tuple(Related(service, (), text, (line, 1) if line else None)
                  for text, line in related), controller)
        expected = standard(finding_dict(finding))
        assert finding_json(finding, indent) == expected.replace("\n", "\n" + indent)


def test_a_report_takes_the_findings_written_already_and_only_those():
    """The findings a run wrote already (`LintResult.finding_texts`, by the processes that found
    them) go into the report as written; a finding that is another object, equal or not, is
    written anew."""
    import dataclasses
    import io

    def report(result) -> str:
        out = io.StringIO()
        JsonReporter(out, ReportSettings(tool_version="1")).report(result)
        return out.getvalue()

    def lint():
        return Linter(Settings(jobs=1)).lint_paths([str(ROOT / "docs" / "examples")])

    result = lint()
    first, second = result.findings[:2]
    result.finding_texts[id(first)] = (first, '{"written": "already"}')
    result.finding_texts[id(second)] = (dataclasses.replace(second), '{"stale": true}')
    assert result.text_of(first) == '{"written": "already"}' and result.text_of(second) is None
    written = json.loads(report(result))["findings"]
    assert written[0] == {"written": "already"}
    assert written[1:] == [finding_dict(finding) for finding in result.findings[1:]]
    # Written already as the report writes them: the same report.
    texts = lint()
    texts.finding_texts = {id(f): (f, JsonReporter.finding_text(f)) for f in texts.findings}
    assert report(texts) == report(lint())
