"""The default, human format: `file:line:col: CODE [severity] message`, an indented fix, and a
summary."""

from __future__ import annotations

from collections import Counter

from wslint.model import LintResult, Severity
from wslint.report import Reporter, escape_text

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


class TextReporter(Reporter):
    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.settings.color else text

    def report(self, result: LintResult) -> None:
        write = self.stream.write
        for finding in result.findings:
            where = f"{escape_text(finding.file)}:{finding.line}:{finding.column}"
            label = self._paint(f"{finding.code} [{finding.severity}]", _COLORS[finding.severity])
            write(f"{self._paint(where, '1')}: {label} {escape_text(finding.message)}\n")
            if finding.fix is not None:
                write(f"    fix: {escape_text(finding.fix.description)}\n")
                for line in (finding.fix.snippet or "").splitlines():
                    write(f"        {escape_text(line)}\n")
        for error in result.internal_errors:
            write(f"internal error: rule {error.rule} (plugin {escape_text(error.plugin)}) failed on "
                  f"{escape_text(error.obj)}: {escape_text(error.error)}\n")
        if self.settings.statistics:
            counts = Counter((f.code, f.name) for f in result.findings)
            for (code, name), count in sorted(counts.items()):
                write(f"{count:6d}  {code}  {name}\n")
        if not self.settings.quiet:
            write(self._summary(result) + "\n")

    def _summary(self, result: LintResult) -> str:
        counts = result.counts()
        total = len(result.findings)
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" if s != "info" else f"{counts[s]} info"
                 for s in ("error", "warning", "info") if counts[s]]
        head = (f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)})"
                if total else "No problems found")
        scope = (f"{result.files} file{'s' if result.files != 1 else ''}, "
                 f"{result.objects} object{'s' if result.objects != 1 else ''}")
        if result.skipped_documents:
            scope += f"; {result.skipped_documents} non-Kubernetes document" \
                     f"{'s' if result.skipped_documents != 1 else ''} skipped"
        hidden = [f"{count} {what}" for count, what in ((result.suppressed, "suppressed"),
                                                        (result.baselined, "in the baseline"))
                  if count]
        return f"{head} in {scope}" + (f" ({', '.join(hidden)} not shown)." if hidden else ".")
