"""Output formats. Each is a reporter plugin: `Reporter(stream, settings).report(result)`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters that must never reach a terminal raw: C0 and C1 controls (escape sequences start
# with ESC or CSI), DEL, and the Unicode bidirectional overrides that reorder displayed text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def escape_text(text: str) -> str:
    """Make manifest-derived text safe to print: controls become visible escapes."""
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


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
