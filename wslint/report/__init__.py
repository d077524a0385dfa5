"""Output formats. Each is a reporter plugin: `Reporter(stream, settings).report(result)`.

What reaches a terminal or a CI log is neutralised by one function per channel: `escape_text`
for text (the text format, standard error, diff headers), `workflow_escape` in
`wslint.report.github` for workflow commands (built on it); JSON and SARIF escape as JSON does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from wslint.model import Finding


def _visible(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def visible_text(text: str) -> str:
    """`text` with every character Unicode does not call printable made a visible escape
    (`\\n`, `\\t`, `\\x1b`, `\\u202e`): the controls (escape sequences start with ESC or
    CSI; CR rewrites the line), the invisible format characters (bidirectional overrides that
    reorder displayed text, zero-width characters), the line and paragraph separators, lone
    surrogates and unassigned code points."""
    if text.isprintable():
        return text
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return "".join(character if character.isprintable() else _visible(character)
                   for character in text)


def break_legacy_commands(text: str) -> str:
    """GitHub's runner reads a workflow command `##[command]...` anywhere in a line."""
    return text.replace("##[", "##\\x5b") if "##[" in text else text


def escape_text(text: str) -> str:
    """Make manifest-derived or path-derived text safe to print on a terminal or in a CI log:
    `visible_text`, and CI workflow commands broken: `##[` anywhere becomes `##\\x5b`, and a
    leading `::` (a command when a line starts with it, after blanks) `\\x3a:`; lines are
    only ever started by such a text or by wslint's own words. Every text a person or a log
    reads in the text format, on standard error and in diff headers passes manifest text and
    file names through here."""
    text = break_legacy_commands(visible_text(text))
    if text.lstrip(" ").startswith("::"):
        blanks = len(text) - len(text.lstrip(" "))
        text = text[:blanks] + "\\x3a" + text[blanks + 1:]
    return text


@dataclass
class ReportSettings:
    color: bool = False
    quiet: bool = False  # findings only: no summary
    statistics: bool = False  # counts per rule after the findings
    tool_version: str = ""
    rules: list = field(default_factory=list)  # every loaded rule, for formats that describe them


class Reporter:
    """Base class: a reporter writes one run's result to a text stream. `finding_text`, where
    a format writes each finding on its own, is that writing (a function of the finding alone):
    a run in several processes then has each write its own findings, and the report uses what
    they wrote (`LintResult.text_of`)."""

    finding_text: Callable[[Finding], str] | None = None

    def __init__(self, stream, settings: ReportSettings) -> None:
        self.stream = stream
        self.settings = settings

    def report(self, result) -> None:  # pragma: no cover - interface
        raise NotImplementedError
