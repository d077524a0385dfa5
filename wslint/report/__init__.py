"""Output formats. Each is a reporter plugin: `Reporter(stream, settings).report(result)`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters that must never reach a terminal or a CI log raw: the controls (C0 and C1: escape
# sequences start with ESC or CSI; CR rewrites the line), DEL, the invisible format characters
# (bidirectional overrides that reorder displayed text, zero-width characters, Unicode tags),
# the line and paragraph separators, and lone surrogates (Unicode categories Cc, Cf, Zl, Zp, Cs).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def escape_text(text: str) -> str:
    """Make manifest-derived text safe to print on a terminal or in a CI log: newlines, tabs and
    every character above become visible escapes (`\\n`, `\\x1b`, `\\u202e`). Every reporter
    that writes text a person or a log reads passes manifest text through here."""
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _UNSAFE.sub(_visible, text)


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
