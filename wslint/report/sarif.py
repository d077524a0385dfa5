"""`--format sarif`: SARIF 2.1.0, as GitHub code scanning ingests it.

- `tool.driver` describes every loaded rule from its metadata (the same text as `wslint explain`
  and the pages of docs/rules/), so code scanning can show what a rule is and how to fix it.
- Each result points at the offending field: a repository-relative URI (`uriBaseId`
  `%SRCROOT%`, the repository root) and a region spanning the key or value there; the object and
  field path are its logical location; the other objects involved (the Service and route behind
  a WS301) are related locations.
- `partialFingerprints.primaryLocationLineHash` hashes the rule, file, object and field path,
  as a baseline matches them: never a line number, so an alert keeps its identity when
  unrelated lines above it move, and never the message, so it keeps it when a value quoted in
  the message changes (`replicas` 3 to 4). Results with the same identity in one file are told
  apart by an occurrence count.
- Rule texts stay within the lengths GitHub documents for code scanning (`name`, the short and
  full descriptions, the tags it shows): a longer `what` section is cut at a paragraph or
  sentence, pointing at the help, which carries the whole documentation.
- Output is deterministic: the same input gives the same bytes. Suppressed and baselined findings
  are left out, as in every other format.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from wslint.catalog.docs import render_rule_markdown, render_rule_text
from wslint.model import Finding, LintResult, Severity
from wslint.report import Reporter
from wslint.report.paths import relative_to_root, repository_root

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/wslint/wslint"
DOCS = INFORMATION_URI + "/blob/main/docs/"
RULE_PAGE = DOCS + "rules/{code}.md"
SRCROOT = "%SRCROOT%"
STDIN_URI = "stdin"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's `problem.severity` vocabulary.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning",
                    Severity.INFO: "recommendation"}

# What GitHub code scanning documents for a rule ("SARIF support for code scanning"): a name of at
# most 255 characters, short and full descriptions of at most 1024, and 10 of its tags shown.
MAX_NAME = 255
MAX_SHORT_DESCRIPTION = 1024
MAX_FULL_DESCRIPTION = 1024
MAX_TAGS = 10
CONTINUED = " The rule's help has the rest."

# A YAML token at a position: a quoted scalar, or plain text up to `: `, `#`, `,` or a bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\'(?:[^\']|\'\')*\'?|(?:[^\s:,\[\]{}#]|:(?=\S))+')


def fingerprint(finding: Finding, uri: str) -> str:
    """What identifies a finding across runs, as a baseline matches it (rule, file, object,
    field path): never its line or column, nor its message, which quotes values that change."""
    import hashlib  # here: other formats' runs do not pay for loading it

    identity = "\0".join([finding.code, uri, str(finding.object or ""), finding.path])
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def uri_path(path: str) -> str:
    """A relative path as a URI reference, percent-encoded. A file name that is not UTF-8 (Python
    keeps its bytes as surrogate escapes) is encoded byte for byte, as the file is named."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        data = path.encode("utf-8", "backslashreplace")
    return quote(data, safe="/")


def text_length(text: str) -> int:
    """Characters as JavaScript counts them (UTF-16 code units), the stricter count."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip_text(text: str, limit: int, ending: str = "...") -> str:
    """`text`, or as much of it as fits in `limit` with `ending`, cut at a word."""
    if text_length(text) <= limit:
        return text
    room = limit - text_length(ending)
    while text_length(text) > room:
        text = text[:room - (text_length(text) - len(text))]
    cut = text.rsplit(" ", 1)[0] if " " in text else text
    return cut.rstrip(" ,;:.") + ending


def full_description(rule) -> str:
    """The rule's `what` section as one line of text. One longer than GitHub takes keeps the
    paragraphs that fit (else the sentences of the first), then says where the rest is."""
    what = rule.docs.get("what") or rule.summary
    text = " ".join(what.split())
    if text_length(text) <= MAX_FULL_DESCRIPTION:
        return text
    room = MAX_FULL_DESCRIPTION - text_length(CONTINUED)
    kept = ""
    for paragraph in re.split(r"\n\s*\n", what.strip()):
        longer = f"{kept} {' '.join(paragraph.split())}".strip()
        if text_length(longer) > room:
            break
        kept = longer
    if not kept:
        kept = clip_text(" ".join(what.strip().split("\n\n")[0].split()), room)
    if kept.endswith(":"):  # a paragraph that introduced a list left out
        kept = kept[:-1] + "."
    return kept + CONTINUED


def token_end(line_text: str | None, column: int) -> int:
    """The column just past the YAML token starting at `column` (1-based): the key or value a
    finding points at. At least `column + 1`, so a region is never empty."""
    if line_text is None or column > len(line_text):
        return column + 1
    match = _TOKEN.match(line_text, column - 1)
    return column + max(1, len(match.group()) if match else 1)


def _message(finding: Finding) -> str:
    if finding.fix is None:
        return finding.message
    return f"{finding.message}\nFix: {finding.fix.description}"


class SarifReporter(Reporter):
    def report(self, result: LintResult) -> None:
        root = repository_root()
        self._root = root
        self._lines: dict[str, list[str]] = {}
        self._result = result
        rules = sorted(self.settings.rules, key=lambda r: r.code)
        index = {rule.code: i for i, rule in enumerate(rules)}
        occurrences: Counter = Counter()
        results = []
        for finding in result.findings:
            uri = self._uri(finding.file)
            digest = fingerprint(finding, uri)
            occurrences[digest] += 1
            entry = {
                "ruleId": finding.code,
                "level": LEVELS[finding.severity],
                "message": {"text": _message(finding)},
                "locations": [self._location(finding, uri)],
                "partialFingerprints": {"primaryLocationLineHash": f"{digest}:{occurrences[digest]}"},
            }
            if finding.code in index:
                entry["ruleIndex"] = index[finding.code]
            related = self._related(finding)
            if related:
                entry["relatedLocations"] = related
            results.append(entry)
        run = {
            "tool": {"driver": self._driver(rules)},
            "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "invocations": [self._invocation(result)],
        }
        if self.settings.statistics:
            counts = Counter(f.code for f in result.findings)
            run["properties"] = {"statistics": dict(sorted(counts.items()))}
        log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
        json.dump(log, self.stream, indent=2, ensure_ascii=True)
        self.stream.write("\n")

    # --- rules ------------------------------------------------------------------------------

    def _driver(self, rules: list) -> dict:
        version = self.settings.tool_version
        return {
            "name": "wslint",
            "version": version,
            "semanticVersion": version,
            "informationUri": INFORMATION_URI,
            "rules": [self._descriptor(rule) for rule in rules],
        }

    @staticmethod
    def _descriptor(rule) -> dict:
        tags = list(dict.fromkeys(["kubernetes", "websocket", *rule.tags]))[:MAX_TAGS]
        descriptor = {
            "id": rule.code,
            "name": clip_text(rule.name, MAX_NAME),
            "shortDescription": {"text": clip_text(rule.summary, MAX_SHORT_DESCRIPTION)},
            "fullDescription": {"text": full_description(rule)},
            "help": {"text": render_rule_text(rule), "markdown": render_rule_markdown(rule, DOCS)},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {
                "tags": tags,
                "precision": "high",
                "problem.severity": PROBLEM_SEVERITY[rule.severity],
            },
        }
        if rule.plugin == "builtin":
            descriptor["helpUri"] = RULE_PAGE.format(code=rule.code)
        return descriptor

    # --- locations --------------------------------------------------------------------------

    def _uri(self, file: str) -> str:
        source = self._result.sources.get(file)
        if source is not None and source.is_stdin:
            named = file if file != "<stdin>" else STDIN_URI
            return uri_path(Path(named).as_posix().lstrip("/"))
        return uri_path(relative_to_root(file, self._root))

    def _line_text(self, file: str, line: int) -> str | None:
        if file not in self._lines:
            source = self._result.sources.get(file)
            self._lines[file] = source.text.splitlines() if source is not None else []
        lines = self._lines[file]
        return lines[line - 1] if 0 < line <= len(lines) else None

    def _region(self, file: str, line: int, column: int) -> dict:
        return {"startLine": line, "startColumn": column, "endLine": line,
                "endColumn": token_end(self._line_text(file, line), column)}

    def _location(self, finding: Finding, uri: str) -> dict:
        location = {"physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
            "region": self._region(finding.file, finding.line, finding.column)}}
        if finding.object is not None:
            name = str(finding.object)
            location["logicalLocations"] = [{
                "name": finding.path or name,
                "fullyQualifiedName": f"{name}:{finding.path}" if finding.path else name,
                "kind": "property" if finding.path else "object",
            }]
        return location

    def _related(self, finding: Finding) -> list[dict]:
        related = []
        for number, item in enumerate(finding.related, 1):
            file = item.obj.source.path
            uri = self._uri(file)
            line, column = item.position()
            related.append({
                "id": number,
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                    "region": self._region(file, line, column) if file in self._result.sources
                    else {"startLine": line, "startColumn": column}},
                "message": {"text": item.message or str(item.obj.ref)},
            })
        return related

    @staticmethod
    def _invocation(result: LintResult) -> dict:
        notifications = [{
            "level": "error",
            "message": {"text": f"internal error in rule {error.rule} (plugin {error.plugin}) on "
                                f"{error.obj}: {error.error}"},
            "associatedRule": {"id": error.rule},
        } for error in result.internal_errors]
        notifications += [{"level": "warning", "message": {"text": notice}}
                          for notice in result.notices]
        invocation = {"executionSuccessful": not result.internal_errors}
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        return invocation
