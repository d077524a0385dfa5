"""`--format json`: one object per run, versioned. See docs/json-format.md."""

from __future__ import annotations

import io
import json
from collections import Counter
from json.encoder import encode_basestring_ascii
from typing import Any

from wslint.model import Applicability, Finding, LintResult, Related
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
    findings, all of one shape, and most of their fields are text."""
    i1, i2, i3 = indent + "  ", indent + "    ", indent + "      "
    ref, fix = finding.object, finding.fix
    written_object = "null" if ref is None else (
        f'{{\n{i2}"apiVersion": {_text(ref.api_version, i1)},\n{i2}"kind": {_text(ref.kind, i1)},'
        f'\n{i2}"namespace": {_text(ref.namespace, i1)},\n{i2}"name": {_text(ref.name, i1)}\n{i1}}}')
    written_fix = "null" if fix is None else (
        f'{{\n{i2}"description": {_text(fix.description, i1)},'
        f'\n{i2}"snippet": {_text(fix.snippet, i1)},'
        f'\n{i2}"applicability": {_text(str(fix.applicability or Applicability.DISPLAY_ONLY), i1)},'
        f'\n{i2}"edits": '
        f'{dumps([edit.as_dict() for edit in fix.edits], i2) if fix.edits else "[]"}\n{i1}}}')
    related = dumps([_related_dict(r) for r in finding.related], i1) if finding.related else "[]"
    return (
        f'{{\n{i1}"rule": {_text(finding.code, indent)},\n{i1}"name": {_text(finding.name, indent)},'
        f'\n{i1}"severity": {_text(str(finding.severity), indent)},'
        f'\n{i1}"message": {_text(finding.message, indent)},'
        f'\n{i1}"file": {_text(finding.file, indent)},\n{i1}"line": {_text(finding.line, indent)},'
        f'\n{i1}"column": {_text(finding.column, indent)},\n{i1}"object": {written_object},'
        f'\n{i1}"path": {_text(finding.path, indent)},\n{i1}"fix": {written_fix},'
        f'\n{i1}"controller": {_text(finding.controller, indent)},\n{i1}"related": {related}'
        f'\n{indent}}}')


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
            "findings": [Rendered(result.text_of(f) or _finding_in_report(f))
                         for f in result.findings],
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


class Rendered(str):
    """A value written already, as `write_json` would write it where it goes."""


class _Unusual(Exception):
    """A value `write_json` leaves to the standard library."""


# Pieces of text written to the stream at a time: the whole report as small strings would take
# several times its size in memory (10000 apps: a 60 MB report).
_BATCH = 20_000


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
        elif type(value) is Rendered:
            add(value)
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
        text = json.dumps(document, indent=2, ensure_ascii=True)
        if indent:
            text = text.replace("\n", "\n" + indent)
        if written[0]:
            raise ValueError("document nested too deep to write") from None
        parts[:] = [text]
    flush()
