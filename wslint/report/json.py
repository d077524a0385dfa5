"""`--format json`: one object per run, versioned. See docs/json-format.md."""

from __future__ import annotations

import json
from collections import Counter

from wslint.model import Finding, LintResult
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
        "related": [
            {"object": r.obj.ref.as_dict(), "file": r.obj.source.path,
             "line": r.obj.locate(r.path)[0], "column": r.obj.locate(r.path)[1],
             "message": r.message}
            for r in finding.related],
    }


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
            },
        }
        if self.settings.statistics:  # findings per rule, as `--statistics` prints them
            document["statistics"] = dict(sorted(Counter(f.code for f in result.findings).items()))
        # ensure_ascii keeps the output 7-bit clean whatever bytes the manifests held.
        json.dump(document, self.stream, indent=2, ensure_ascii=True)
        self.stream.write("\n")
