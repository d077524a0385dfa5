"""wslint's findings and texts in the Language Server Protocol's terms: ranges in the client's
units, diagnostics, and the text edit that turns one text into another."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec

from wslint.model import Finding, KObject, Severity
from wslint.report.sarif import token_end

SOURCE = "wslint"
SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error,
              Severity.WARNING: types.DiagnosticSeverity.Warning,
              Severity.INFO: types.DiagnosticSeverity.Information}
UNUSED_SUPPRESSION = "WS903"  # shown faded, as editors show unused code
DEFAULT_REPOSITORY = "https://github.com/wslint/wslint"

# The protocol ends lines at \n, \r\n and \r only (str.splitlines knows more).
_LINE_END = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=1)
def repository_url() -> str:
    """The project's repository, as the installed package's metadata names it (pyproject.toml's
    `Homepage`)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("wslint").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "homepage" and url.strip():
            return url.strip().rstrip("/")
    return DEFAULT_REPOSITORY


def rule_page(code: str) -> str:
    """The page of a built-in rule in the repository's docs/rules/."""
    return f"{repository_url()}/blob/main/docs/rules/{code}.md"


class Lines:
    """A text's lines, to turn wslint's positions (1-based lines, columns in characters) and
    offsets into the client's positions (0-based, columns in its encoding's code units)."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.text = text
        self.codec = codec
        self.starts = [0] + [match.end() for match in _LINE_END.finditer(text)]

    def line_text(self, line: int) -> str:
        """Line `line` (0-based) without its ending."""
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def position(self, line: int, column: int) -> types.Position:
        """The client position of 1-based `line` and `column`, kept within the text."""
        line = min(max(line, 1), len(self.starts)) - 1
        text = self.line_text(line)
        return types.Position(line, self.codec.client_num_units(text[:max(column - 1, 0)]))

    def at_offset(self, offset: int) -> types.Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        return self.position(line + 1, offset - self.starts[line] + 1)

    def token_range(self, line: int, column: int) -> types.Range:
        """From `line`:`column` to the end of the key or value written there."""
        start = self.position(line, column)
        text = self.line_text(start.line)
        end = min(token_end(text, column), len(text) + 1)
        if end <= column:  # past the end of the line (a syntax error at its end): its last character
            column, end = max(len(text), 1), max(len(text), 1) + 1
            start = self.position(line, column)
        return types.Range(start, self.position(line, end))


def contains(range_: types.Range, position: types.Position) -> bool:
    return (range_.start.line, range_.start.character) <= (position.line, position.character) \
        <= (range_.end.line, range_.end.character)


def diagnostic(finding: Finding, uri: str, lines: Lines, related_lines,
               built_in: bool) -> types.Diagnostic:
    """The diagnostic of a finding in the document `uri` whose text `lines` holds;
    `related_lines(source)` gives the Lines of another file a related object is in."""
    related = []
    location = types.Location(uri, lines.token_range(finding.line, finding.column))
    if finding.fix is not None:
        text = f"fix: {finding.fix.description}"
        if finding.fix.snippet:
            text += "\n" + finding.fix.snippet.rstrip("\n")
        related.append(types.DiagnosticRelatedInformation(location, text))
    for item in finding.related:
        where = _object_location(item.obj, item.position(), related_lines(item.obj.source))
        related.append(types.DiagnosticRelatedInformation(
            where, item.message or f"{item.obj.ref} ({item.obj.source.path})"))
    return types.Diagnostic(
        range=location.range,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(rule_page(finding.code)) if built_in else None,
        source=SOURCE,
        message=finding.message,
        related_information=related or None,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == UNUSED_SUPPRESSION else None,
    )


def _object_location(obj: KObject, position: tuple[int, int], lines: Lines) -> types.Location:
    line, column = position
    uri = from_fs_path(obj.source.path) or obj.source.path
    return types.Location(uri, lines.token_range(line, column))


def text_edit(old: str, new: str, lines: Lines) -> types.TextEdit | None:
    """One edit that turns `old` (the text of `lines`) into `new`: the span between their common
    start and common end, so the editor moves as little as it can. None when they are equal."""
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    # Never split a \r\n: the client counts it as one line end.
    if start and old[start - 1] == "\r" and start < len(old) and old[start] == "\n":
        start -= 1
    if end and old[len(old) - end] == "\n" and len(old) - end > 0 and old[len(old) - end - 1] == "\r":
        end = max(end - 1, 0)
    return types.TextEdit(types.Range(lines.at_offset(start), lines.at_offset(len(old) - end)),
                          new[start:len(new) - end])
