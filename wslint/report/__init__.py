"""Output formats. Each is a reporter plugin: `Reporter(stream, settings).report(result)`."""

from __future__ import annotations

from dataclasses import dataclass, field


def _visible(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def escape_text(text: str) -> str:
    """Make manifest-derived text safe to print on a terminal or in a CI log: every character
    Unicode does not call printable becomes a visible escape (`\\n`, `\\t`, `\\x1b`, `\\u202e`).
    That is the controls (escape sequences start with ESC or CSI; CR rewrites the line), the
    invisible format characters (bidirectional overrides that reorder displayed text, zero-width
    characters), the line and paragraph separators, lone surrogates and unassigned code points.
    Every reporter that writes text a person or a log reads passes manifest text through here."""
    if text.isprintable():
        return text
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return "".join(character if character.isprintable() else _visible(character)
                   for character in text)


@dataclass
class ReportSettings:
    color: bool = False
    quiet: bool = False  # findings only: no summary
    statistics: bool = False  # counts per rule after the findings
    tool_version: str = ""
    rules: list = field(default_factory=list)  # every loaded rule, for formats that describe them


class Reporter:
    """Base class: a reporter writes one run's result to a text stream."""

    def __init__(self, stream, settings: ReportSettings) -> None:
        self.stream = stream
        self.settings = settings

    def report(self, result) -> None:  # pragma: no cover - interface
        raise NotImplementedError
