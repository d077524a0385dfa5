"""`--format github`: GitHub Actions workflow commands, which the runner turns into annotations
on the pull request's lines:

    ::error file=deploy/chat.yaml,line=21,endLine=21,col=9,endColumn=13,title=WS201 missing-readiness-probe::Deployment/chat: ...

Every piece of text that comes from a manifest or a file name passes through
`workflow_escape`, so that it can neither end the command early nor start another one.
"""

from __future__ import annotations

import re
from collections import Counter

from wslint.model import LintResult, Severity
from wslint.report import Reporter, break_legacy_commands, visible_text
from wslint.report.paths import relative_to_root, repository_root
from wslint.report.sarif import token_end

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def workflow_escape(text: str, in_property: bool = False) -> str:
    """Escape text for a workflow command, as GitHub's runner decodes it: `%`, CR and LF in the
    message; in a property value (`file=`, `title=`) also `:` and `,`, which would end the
    value. Controls that reach the log raw (escape sequences) are made visible first, and a
    legacy `##[command]` is broken (the runner reads the line as our command first; belt and
    braces)."""
    text = "".join(part if part in ("\r", "\n") else break_legacy_commands(visible_text(part))
                   for part in re.split(r"([\r\n])", text))
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if in_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


class GithubReporter(Reporter):
    def report(self, result: LintResult) -> None:
        root = repository_root()
        write = self.stream.write
        split: dict[str, list[str]] = {}
        for finding in result.findings:
            source = result.sources.get(finding.file)
            file = finding.file if source is not None and source.is_stdin else \
                relative_to_root(finding.file, root)
            if finding.file not in split:  # once per file: a large file has many findings
                split[finding.file] = source.text.splitlines() if source is not None else []
            lines = split[finding.file]
            line_text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else None
            properties = {
                "file": file, "line": finding.line, "endLine": finding.line, "col": finding.column,
                "endColumn": token_end(line_text, finding.column),
                "title": f"{finding.code} {finding.name}",
            }
            message = finding.message
            if finding.fix is not None:
                message += f"\nfix: {finding.fix.description}"
                if finding.fix.snippet:
                    message += "\n" + finding.fix.snippet
            fields = ",".join(f"{key}={workflow_escape(str(value), in_property=True)}"
                              for key, value in properties.items())
            write(f"::{COMMANDS[finding.severity]} {fields}::{workflow_escape(message)}\n")
        for error in result.internal_errors:
            title = workflow_escape(f"wslint internal error in {error.rule}", in_property=True)
            write(f"::error title={title}::{workflow_escape(f'{error.obj}: {error.error}')}\n")
        if self.settings.statistics:
            for (code, name), count in sorted(Counter((f.code, f.name) for f in result.findings).items()):
                write(f"{count:6d}  {code}  {name}\n")
        if not self.settings.quiet:
            counts = result.counts()
            write(f"wslint: {len(result.findings)} finding(s): {counts['error']} error(s), "
                  f"{counts['warning']} warning(s), {counts['info']} info, in {result.files} "
                  f"file(s)\n")
