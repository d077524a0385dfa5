"""One file being fixed: read again and checked, its edited documents patched into its text, the
result verified before anything is written."""

from __future__ import annotations

import math
import re
from typing import Any

from wslint.fix.diff import unified_diff
from wslint.fix.edit import apply_edit, object_root
from wslint.fix.errors import FixError
from wslint.fix.patch import RoundTrip
from wslint.fix.scan import (comment_texts, document_starts, dominant_ending, join_lines,
                             normalized, split_lines)
from wslint.fix.write import read_regular, replace_file, unwritable
from wslint.load.sources import decode, wide_encoding
from wslint.load.yamltree import parse_stream
from wslint.model import Edit, Source

# Line breaks of YAML 1.1 besides LF and CR, which libyaml counts as lines and the lines here do
# not: such a file is not fixed.
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")


def _plain(value: Any) -> Any:
    """A comparable copy of a parsed document (NaN equals itself here)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    return value


class FileFix:
    """One file being fixed: its original text and bytes, the round trips of the documents that
    have edits, and the fixed text. Only documents with edits are read by ruamel.yaml."""

    def __init__(self, source: Source) -> None:
        if source.truncated:
            raise FixError("part of it is not valid text in its encoding (WS901); wslint fixes "
                           "only files it read whole")
        self.source = source
        self.raw: bytes | None = None
        self.bom = False
        self.mtime_ns: int | None = None
        if source.is_stdin:
            self.raw = source.raw
        else:
            self._read_disk()
        if self.raw is not None:
            self._check_encoding()
        self.text = source.text
        if _OTHER_BREAKS.search(self.text):
            raise FixError("it has line breaks other than LF, CRLF and CR (NEL, LS or PS)")
        parsed = parse_stream(self.text)
        if parsed.problem is not None:
            raise FixError(f"it has a YAML error (line {parsed.problem.line}: "
                           f"{parsed.problem.message})")
        if parsed.duplicate_keys:
            key, line, _ = parsed.duplicate_keys[0]
            raise FixError(f"the key {key!r} is repeated (line {line})")
        if parsed.complex_keys:
            raise FixError(f"a mapping key is a collection (line {parsed.complex_keys[0][0]})")
        self.baseline = parsed.documents
        self.lines = split_lines(self.text)
        self.ending = dominant_ending(self.lines)
        text = normalized(self.text)
        # Each document owns the lines from its start to the next one's (comments between
        # documents included), so the documents' lines tile the file.
        self.starts = document_starts(text)
        if len(self.starts) != len(self.baseline):
            raise FixError("its documents cannot be told apart")
        self.comments = comment_texts(text)
        self.round_trips: dict[int, RoundTrip] = {}
        self.edits: list[Edit] = []
        # Documents left as written, and why; those since the fixer last asked (`take_refused`).
        self.refused: dict[int, str] = {}
        self._refused_now: list[int] = []
        self.fixed = self.text
        # (start, end) of each edited document's original lines, where it starts in the fixed
        # text, and its lines there
        self.replaced: list[tuple[int, int, int, list[tuple[str, str]]]] = []

    def _read_disk(self) -> None:
        path = self.source.path
        # More bytes than the text can take (4 a character in UTF-8, and a byte-order mark)
        # means it changed.
        self.raw, info = read_regular(path, 4 * len(self.source.text) + 4)
        self.mtime_ns = info.st_mtime_ns
        text, problem = decode(self.raw)
        if problem is not None or text != self.source.text:
            raise FixError("it changed on disk after wslint read it")
        why = unwritable(path, info)
        if why is not None:
            raise FixError(why)

    def _check_encoding(self) -> None:
        """Fixed text is written as UTF-8 (with the byte-order mark if it had one)."""
        encoding = wide_encoding(self.raw)
        if encoding is not None:
            raise FixError(f"it is {encoding[:6].upper()}")
        self.bom = self.raw.startswith(b"\xef\xbb\xbf")

    def _lines_of(self, index: int) -> tuple[int, int]:
        start = 0 if index == 0 else self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        return start, end

    def apply(self, edit: Edit) -> bool:
        obj = edit.obj
        if obj.doc_index in self.refused:
            raise FixError(self.refused[obj.doc_index])
        if obj.doc_index not in self.round_trips:
            start, end = self._lines_of(obj.doc_index)
            self.round_trips[obj.doc_index] = RoundTrip(self.lines[start:end])
        tree = self.round_trips[obj.doc_index].tree
        if not apply_edit(object_root(tree, obj.item_index), edit, round_trip=True):
            return False
        self.edits.append(edit)
        return True

    def render(self) -> str:
        """The original text with the edits so far, checked; FixError when it fails a check."""
        lines: list[tuple[str, str]] = []
        replaced = []
        done = 0
        for index in sorted(self.round_trips):
            start, end = self._lines_of(index)
            try:
                patched = self.round_trips[index].patched(self.ending)
            except FixError as error:  # this document stays as written; the others are fixed
                del self.round_trips[index]
                self.refused[index] = str(error)
                self._refused_now.append(index)
                self.edits = [e for e in self.edits if e.obj.doc_index != index]
                continue
            lines += self.lines[done:start]
            replaced.append((start, end, len(lines), patched))
            lines += patched
            done = end
        lines += self.lines[done:]
        text = join_lines(lines)
        self._verify(text)
        self.fixed, self.replaced = text, replaced
        return text

    def _verify(self, text: str) -> None:
        parsed = parse_stream(text)
        if parsed.problem is not None or parsed.duplicate_keys:
            raise FixError("the fixed text would not be valid YAML")
        expected = [_plain(document) for document in self.baseline]
        for edit in self.edits:
            obj = edit.obj
            apply_edit(object_root(expected[obj.doc_index], obj.item_index), edit)
        if [_plain(document) for document in parsed.documents] != expected:
            raise FixError("the fixed text would change more than the fixes")
        if comment_texts(normalized(text)) != self.comments:
            raise FixError("the fixed text would lose or repeat a comment")

    def take_refused(self) -> list[tuple[int, str]]:
        """The documents refused since the last call: (first line, why)."""
        refused = [(self._lines_of(index)[0] + 1, self.refused[index]) for index in self._refused_now]
        self._refused_now = []
        return refused

    def data(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + self.fixed.encode("utf-8")

    def diff(self, shown: str | None = None) -> str:
        """A unified diff from the original to the fixed text, under the file name `shown` (the
        caller escapes the name for where it prints it), by default the file's path."""
        return unified_diff(shown or self.source.path, self.lines, split_lines(self.fixed),
                            self.replaced)

    def write(self) -> None:
        """Replace the file atomically, keeping its permission bits; refuse (FixError) when it
        changed on disk since it was read."""
        replace_file(self.source.path, self.data(), self.raw, self.mtime_ns)
