"""`--format json`: one object per run, versioned. See docs/json-format.md."""

from __future__ import annotations

import io
import json
from collections import Counter
from json.encoder import encode_basestring_ascii
from typing import Any

from wslint.model import (Applicability, EditOp, Finding, Fix, LintResult, ObjRef, Related,
                          Severity, format_path)
from wslint.report import Reporter

FORMAT_VERSION = 1


def finding_dict(finding: Finding) -> dict:
    return {
        "rule": finding.code,
        "name": finding.name,
        "severity": str(finding.severity),
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "object": finding.object.as_dict() if finding.object else None,
        "path": finding.path,
        "fix": finding.fix.as_dict() if finding.fix else None,
        "controller": finding.controller,
        "related": [_related_dict(r) for r in finding.related],
    }


def finding_json(finding: Finding, indent: str) -> str:
    """`dumps(finding_dict(finding))` written at `indent`, field by field: a report is mostly
    findings, all of one shape, and most of their fields are text. What every finding of a rule
    starts with, and the object of the finding before (checks find an object's findings one
    after another), are written once."""
    i1, i2, _ = _indents(indent)
    code, name, severity = finding.code, finding.name, finding.severity
    key = (code, name, severity, indent)
    usual = type(code) is str and type(name) is str and type(severity) is Severity
    head = _HEADS.get(key) if usual else None
    if head is None:
        head = (f'{{\n{i1}"rule": {_text(code, indent)},\n{i1}"name": {_text(name, indent)},'
                f'\n{i1}"severity": {_text(str(severity), indent)},\n{i1}"message": ')
        if usual and len(_HEADS) < 1000:
            _HEADS[key] = head
    message, file, line, column = finding.message, finding.file, finding.line, finding.column
    path, fix, controller = finding.path, finding.fix, finding.controller
    return (
        f'{head}{_ascii(message) if type(message) is str else _text(message, indent)},'
        f'\n{i1}"file": {_ascii(file) if type(file) is str else _text(file, indent)},'
        f'\n{i1}"line": {int.__repr__(line) if type(line) is int else _text(line, indent)},'
        f'\n{i1}"column": '
        f'{int.__repr__(column) if type(column) is int else _text(column, indent)},'
        f'\n{i1}"object": {_last_object_json(finding.object, i1)},'
        f'\n{i1}"path": {_ascii(path) if type(path) is str else _text(path, indent)},'
        f'\n{i1}"fix": {"null" if fix is None else _fix_json(fix, i1, i2)},'
        f'\n{i1}"controller": '
        f'{_ascii(controller) if type(controller) is str else _text(controller, indent)},'
        f'\n{i1}"related": {_related_json(finding.related, i1) if finding.related else "[]"}'
        f'\n{indent}}}')


_ascii = encode_basestring_ascii
# What findings start with, by rule (code, name, severity) and indentation; bounded, as plugins
# may name rules without end.
_HEADS: dict[tuple, str] = {}
_INDENTS: dict[str, tuple[str, str, str]] = {}
_APPLICABILITIES = {applicability: _ascii(str(applicability)) for applicability in Applicability}
# The object of the finding written last, its indentation and its text.
_LAST_OBJECT: list[tuple] = [(None, None, "null")]


def _indents(indent: str) -> tuple[str, str, str]:
    """The indentations one, two and three levels below `indent`."""
    found = _INDENTS.get(indent)
    if found is None:
        found = (indent + "  ", indent + "    ", indent + "      ")
        if len(_INDENTS) < 100:
            _INDENTS[indent] = found
    return found


def _last_object_json(ref: ObjRef | None, at: str) -> str:
    last = _LAST_OBJECT[0]
    if last[0] is ref and last[1] == at:
        return last[2]
    text = _object_json(ref, at)
    _LAST_OBJECT[0] = (ref, at, text)
    return text


def _object_json(ref: ObjRef | None, at: str) -> str:
    """`ref.as_dict()` written as the value of a key on a line indented by `at`."""
    if ref is None:
        return "null"
    inner = at + "  "
    api_version, kind, namespace, name = ref.api_version, ref.kind, ref.namespace, ref.name
    return (f'{{\n{inner}"apiVersion": '
            f'{_ascii(api_version) if type(api_version) is str else _text(api_version, at)},'
            f'\n{inner}"kind": {_ascii(kind) if type(kind) is str else _text(kind, at)},'
            f'\n{inner}"namespace": '
            f'{_ascii(namespace) if type(namespace) is str else _text(namespace, at)},'
            f'\n{inner}"name": {_ascii(name) if type(name) is str else _text(name, at)}\n{at}}}')


def _fix_json(fix: Fix, i1: str, i2: str) -> str:
    description, snippet = fix.description, fix.snippet
    applicability = fix.applicability or Applicability.DISPLAY_ONLY
    return (f'{{\n{i2}"description": '
            f'{_ascii(description) if type(description) is str else _text(description, i1)},'
            f'\n{i2}"snippet": {_ascii(snippet) if type(snippet) is str else _text(snippet, i1)},'
            f'\n{i2}"applicability": '
            f'{_APPLICABILITIES.get(applicability) or _text(str(applicability), i1)},'
            f'\n{i2}"edits": {_edits_json(fix.edits, i2) if fix.edits else "[]"}\n{i1}}}')


def _edits_json(edits: tuple, at: str) -> str:
    """`[edit.as_dict() for edit in edits]` written as the value of a key on a line at `at`."""
    item, inner = at + "  ", at + "    "
    written = []
    for edit in edits:
        fields = [f'\n{inner}"op": {_text(str(edit.op), item)}',
                  f'\n{inner}"path": {_text(format_path(edit.path), item)}']
        if edit.op is not EditOp.REMOVE:
            fields.append(f'\n{inner}"value": {_text(edit.value, item)}')
        if edit.obj is not None:
            fields.append(f'\n{inner}"object": {_object_json(edit.obj.ref, inner)}')
            fields.append(f'\n{inner}"file": {_text(edit.obj.source.path, item)}')
        written.append(f'\n{item}{{{",".join(fields)}\n{item}}}')
    return f'[{",".join(written)}\n{at}]'


def _related_json(related: tuple, at: str) -> str:
    """`[_related_dict(r) for r in related]` written as the value of a key on a line at `at`."""
    item, inner = at + "  ", at + "    "
    written = []
    for entry in related:
        line, column = entry.position()
        written.append(
            f'\n{item}{{\n{inner}"object": {_object_json(entry.obj.ref, inner)},'
            f'\n{inner}"file": {_text(entry.obj.source.path, item)},'
            f'\n{inner}"line": {_text(line, item)},\n{inner}"column": {_text(column, item)},'
            f'\n{inner}"message": {_text(entry.message, item)}\n{item}}}')
    return f'[{",".join(written)}\n{at}]'


def _text(value: Any, indent: str) -> str:
    """A value written at a key of a mapping that starts at `indent`."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return dumps(value, indent + "  ")


def _related_dict(related: Related) -> dict:
    line, column = related.position()
    return {"object": related.obj.ref.as_dict(), "file": related.obj.source.path,
            "line": line, "column": column, "message": related.message}


# Where findings are written in the report: items of its top-level "findings" list.
FINDING_INDENT = "    "


def _finding_in_report(finding: Finding) -> str:
    return finding_json(finding, FINDING_INDENT)


class JsonReporter(Reporter):
    finding_text = staticmethod(_finding_in_report)

    def report(self, result: LintResult) -> None:
        counts = result.counts()
        document = {
            "version": FORMAT_VERSION,
            "tool": {"name": "wslint", "version": self.settings.tool_version},
            "findings": WrittenItems(result.text_of(f) or _finding_in_report(f)
                                     for f in result.findings),
            "summary": {
                "files": result.files,
                "objects": result.objects,
                "skipped_documents": result.skipped_documents,
                "findings": len(result.findings),
                "errors": counts["error"],
                "warnings": counts["warning"],
                "info": counts["info"],
                "suppressed": result.suppressed,
                "baselined": result.baselined,
                "internal_errors": [e.__dict__ for e in result.internal_errors],
                "notices": result.notices,
            },
        }
        if self.settings.statistics:  # findings per rule, as `--statistics` prints them
            document["statistics"] = dict(sorted(Counter(f.code for f in result.findings).items()))
        write_json(document, self.stream)
        self.stream.write("\n")


class WrittenItems(list):
    """A list whose items are written already, each as `write_json` would write it where it
    goes."""


class _Unusual(Exception):
    """A value `write_json` leaves to the standard library."""


# Pieces of text written to the stream at a time: the whole report as small strings would take
# several times its size in memory (10000 apps: a 60 MB report). Items written already are
# larger (a finding: about 1.3 kB).
_BATCH = 20_000
_WRITTEN_BATCH = 1000


# What goes before a key, by (key, indent, whether it is the first): every finding has the same
# keys. Only text keys are kept (1 and True are one key to a dict, not to json), and only so many.
_OPENINGS: dict[tuple, str] = {}


def dumps(document: Any, indent: str = "") -> str:
    """`json.dumps(document, indent=2, ensure_ascii=True)`, character for character; `indent`:
    that of the line the document starts on, when it is written inside another."""
    out = io.StringIO()
    write_json(document, out, indent)
    return out.getvalue()


def write_json(document: Any, stream: Any, indent: str = "") -> None:
    """`json.dump(document, stream, indent=2, ensure_ascii=True)`, character for character, in
    half the time: the standard library encodes in C only without indentation, and its Python
    encoder yields every token through nested generators (a tenth of a run on 1000 files).
    ensure_ascii keeps the output 7-bit clean whatever bytes the manifests held."""
    parts: list[str] = []
    add = parts.append
    written = [False]

    def flush() -> None:
        stream.write("".join(parts))
        parts.clear()
        written[0] = True

    def scalar(value: Any) -> str:
        if isinstance(value, str):
            return encode_basestring_ascii(value)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            if value != value:
                return "NaN"
            if value in (float("inf"), float("-inf")):
                return "Infinity" if value > 0 else "-Infinity"
            return float.__repr__(value)
        raise _Unusual

    openings = _OPENINGS

    def opening(key: Any, inner: str, first: bool) -> str:
        # Keys that are numbers, booleans or null are written as text, as json does.
        text = ("" if first else ",") + inner + \
            encode_basestring_ascii(key if isinstance(key, str) else scalar(key)) + ": "
        if type(key) is str and len(openings) < 1000:
            openings[key, inner, first] = text
        return text

    def write(value: Any, indent: str) -> None:
        if type(value) is str:
            add(encode_basestring_ascii(value))
        elif type(value) is WrittenItems:
            if not value:
                add("[]")
                return
            inner = "\n" + indent + "  "
            separator = "," + inner
            add("[" + inner)
            for start in range(0, len(value), _WRITTEN_BATCH):
                if start:
                    flush()
                    add(separator)
                add(separator.join(value[start:start + _WRITTEN_BATCH]))
            add("\n" + indent + "]")
        elif isinstance(value, dict):
            if not value:
                add("{}")
                return
            inner = "\n" + indent + "  "
            add("{")
            first = True
            for key, item in value.items():
                add(openings.get((key, inner, first)) or opening(key, inner, first))
                first = False
                kind = type(item)
                if kind is str:
                    add(encode_basestring_ascii(item))
                elif item is None:
                    add("null")
                elif kind is int:
                    add(int.__repr__(item))
                else:
                    write(item, indent + "  ")
            add("\n" + indent + "}")
        elif isinstance(value, (list, tuple)):
            if not value:
                add("[]")
                return
            inner = "\n" + indent + "  "
            add("[")
            separator = inner
            for item in value:
                add(separator)
                write(item, indent + "  ")
                separator = "," + inner
                if len(parts) > _BATCH:
                    flush()
            add("\n" + indent + "]")
        else:
            add(scalar(value))

    try:
        write(document, indent)
    except (_Unusual, RecursionError):
        # What json cannot encode either (it raises its own error, as json.dump would after
        # writing part of the document), or nesting too deep for this function.
        text = json.dumps(_unwritten(document), indent=2, ensure_ascii=True)
        if indent:
            text = text.replace("\n", "\n" + indent)
        if written[0]:
            raise ValueError("document nested too deep to write") from None
        parts[:] = [text]
    flush()


def _unwritten(document: Any) -> Any:
    """`document` with the items written already of its top-level lists (a report's findings)
    read back, for the standard library to write."""
    if not isinstance(document, dict) or \
            not any(type(item) is WrittenItems for item in document.values()):
        return document
    return {key: [json.loads(text) for text in item] if type(item) is WrittenItems else item
            for key, item in document.items()}
