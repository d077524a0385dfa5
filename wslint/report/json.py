"""`--format json`: one object per run, versioned. See docs/json-format.md."""

from __future__ import annotations

import io
import json
from collections import Counter
from json.encoder import encode_basestring_ascii
from typing import Any

from wslint.model import Finding, LintResult, Related
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


def _related_dict(related: Related) -> dict:
    line, column = related.position()
    return {"object": related.obj.ref.as_dict(), "file": related.obj.source.path,
            "line": line, "column": column, "message": related.message}


class JsonReporter(Reporter):
    def report(self, result: LintResult) -> None:
        counts = result.counts()
        document = {
            "version": FORMAT_VERSION,
            "tool": {"name": "wslint", "version": self.settings.tool_version},
            "findings": [finding_dict(f) for f in result.findings],
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


class _Unusual(Exception):
    """A value `write_json` leaves to the standard library."""


# Pieces of text written to the stream at a time: the whole report as small strings would take
# several times its size in memory (10000 apps: a 60 MB report).
_BATCH = 20_000


def dumps(document: Any) -> str:
    """`json.dumps(document, indent=2, ensure_ascii=True)`, character for character."""
    out = io.StringIO()
    write_json(document, out)
    return out.getvalue()


def write_json(document: Any, stream: Any) -> None:
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

    # What goes before a key, by (key, indent, whether it is the first): every finding has the
    # same keys. Only text keys are kept (1 and True are one key to a dict, not to json).
    openings: dict[tuple, str] = {}

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
        write(document, "")
    except (_Unusual, RecursionError):
        # What json cannot encode either (it raises its own error, as json.dump would after
        # writing part of the document), or nesting too deep for this function.
        text = json.dumps(document, indent=2, ensure_ascii=True)
        if written[0]:
            raise ValueError("document nested too deep to write") from None
        parts[:] = [text]
    flush()
