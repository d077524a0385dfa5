"""One file being fixed: read again and checked, its edited documents patched into its text, the
result verified before anything is written."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from wslint.fix.diff import unified_diff
from wslint.fix.edit import apply_edit, object_root
from wslint.fix.errors import FixError
from wslint.fix.patch import RoundTrip
from wslint.fix.place import Placer, Unplaceable
from wslint.fix.scan import (comment_texts, document_starts, dominant_ending, join_lines,
                             normalized, split_lines)
from wslint.fix.write import read_regular, replace_file, unwritable
from wslint.load.sources import LoadedSource, decode, wide_encoding
from wslint.load.yamltree import (DEFAULT_MAX_ALIAS_EXPANSION, DEFAULT_MAX_DEPTH, ParsedStream,
                                   parse_stream)
from wslint.model import Edit, Source

# What loading may have found that makes a file unfit for fixing (a YAML error, a limit, a
# repeated key, a collection as a key): the whole text is read again to say which.
_MAY_REFUSE = ("WS901", "WS904", "WS905", "WS907")

# Line breaks of YAML 1.1 besides LF and CR, which libyaml counts as lines and the lines here do
# not: such a file is not fixed.
_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")


def _comments(lines: list[tuple[str, str]]) -> Counter:
    """The comments of a document's lines, as a multiset of their texts."""
    return comment_texts("".join(line + "\n" for line, _ in lines))


def _plain(value: Any) -> Any:
    """A comparable copy of a parsed document (NaN equals itself here)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    return value


def _copy(node: Any, copies: set[int]) -> Any:
    copied = dict(node) if isinstance(node, dict) else list(node)
    copies.add(id(copied))
    return copied


def _copied_along(root: Any, path: tuple, copies: set[int]) -> Any:
    """`root` (a copy), with each mapping and list on `path` replaced by a copy of its own (those
    in `copies` are copies already): an edit along the path then leaves the parsed document as
    it was, without copying the rest of it."""
    node = root
    for step in path:
        if isinstance(node, dict):
            child = node.get(step)
        elif isinstance(node, list) and type(step) is int and 0 <= step < len(node):
            child = node[step]
        else:
            break
        if not isinstance(child, (dict, list)):
            break
        if id(child) not in copies:
            child = node[step] = _copy(child, copies)
        node = child
    return root


# What a settled fix keeps (`FileFix.settled`).
_SETTLED = ("source", "raw", "bom", "mtime_ns", "text", "ending", "fixed", "replaced", "refused",
            "round_tripped")


class FileFix:
    """One file being fixed: its original text and bytes, its edited documents (placed from
    positions, or round-tripped), and the fixed text, parsed with the run's limits."""

    def __init__(self, source: Source, max_depth: int = DEFAULT_MAX_DEPTH,
                 max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION,
                 loaded: LoadedSource | None = None) -> None:
        """`loaded`: the source as the run loaded it, with the same limits: its documents are
        not read again, and what loading found (WS9xx) says whether the file may be fixed;
        without it, or when that says it may not, the whole text is read again here."""
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
        if any(character in self.text for character in _OTHER_BREAKS):
            raise FixError("it has line breaks other than LF, CRLF and CR (NEL, LS or PS)")
        self.limits = {"max_depth": max_depth, "max_alias_expansion": max_alias_expansion}
        self.lines = split_lines(self.text)
        self.ending = dominant_ending(self.lines) if "\r" in self.text else "\n"
        # The documents as parsed, each read when an edit first goes to it (all of them when the
        # whole text was read), with the file line its positions' first line is.
        self.documents: dict[int, tuple[Any, int]] = {}
        text = normalized(self.text)
        count = None
        if loaded is None or any(p.code in _MAY_REFUSE for p in loaded.problems):
            whole = self._read_whole()
            count = len(whole)
        # Each document owns the lines from its start to the next one's (comments between
        # documents included), so the documents' lines tile the file.
        self.starts = document_starts(text, count)
        if count is not None:
            if len(self.starts) != count:
                raise FixError("its documents cannot be told apart")
            self.documents = {index: (document, 0) for index, document in enumerate(whole)}
        else:  # the documents of its objects (a List's items are not a whole document)
            self.documents = {obj.doc_index: (obj.data, 0) for obj in loaded.objects
                              if obj.item_index is None and obj.source is source}
        self.comments: dict[int, Counter] = {}  # of the edited documents, as written
        # Edited documents: placed from positions, or (where they cannot place an edit) by the
        # round trip; `round_tripped` counts the latter.
        self.placers: dict[int, Placer] = {}
        self.round_trips: dict[int, RoundTrip] = {}
        self.round_tripped = 0
        # Positions count lines by LF (and CRLF): a file with CR line breaks is round-tripped.
        self._placeable = "\r" not in self.text.replace("\r\n", "")
        self.edits: list[Edit] = []
        # Documents left as written, and why; those since the fixer last asked (`take_refused`).
        self.refused: dict[int, str] = {}
        self._refused_now: list[int] = []
        self.fixed = self.text
        self.parsed: ParsedStream | None = None  # the fixed text's
        # (start, end) of each edited document's original lines, where it starts in the fixed
        # text, and how many lines it has there (enough for a diff, and light to send)
        self.replaced: list[tuple[int, int, int, int]] = []

    def _read_whole(self) -> list[Any]:
        """The original text's documents; FixError when it may not be fixed."""
        parsed = parse_stream(self.text, **self.limits)
        if parsed.problem is not None:
            raise FixError(f"it has a YAML error (line {parsed.problem.line}: "
                           f"{parsed.problem.message})")
        if parsed.duplicate_keys:
            key, line, _ = parsed.duplicate_keys[0]
            raise FixError(f"the key {key!r} is repeated (line {line})")
        if parsed.complex_keys:
            raise FixError(f"a mapping key is a collection (line {parsed.complex_keys[0][0]})")
        return parsed.documents

    def _document(self, index: int) -> tuple[Any, int]:
        """A document as parsed, and the file line (0-based) its positions count from."""
        if index not in self.documents:
            start, end = self._lines_of(index)
            parsed = parse_stream("".join(line + "\n" for line, _ in self.lines[start:end]),
                                  **self.limits)
            if parsed.problem is not None or parsed.duplicate_keys or parsed.complex_keys \
                    or len(parsed.documents) != 1:
                self._read_whole()  # says why, if the whole text does
                raise FixError("its documents cannot be told apart")
            self.documents[index] = (parsed.documents[0], start)
        return self.documents[index]

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
        index = obj.doc_index
        if index in self.refused:
            raise FixError(self.refused[index])
        if index not in self.round_trips and self._placeable:
            placer = self.placers.get(index)
            try:
                if placer is None:
                    start, end = self._lines_of(index)
                    document, origin = self._document(index)
                    placer = self.placers[index] = Placer(self.lines[start:end], start - origin,
                                                          document, self.ending)
                changed = placer.apply(edit, () if obj.item_index is None
                                       else ("items", obj.item_index))
            except Unplaceable:
                self.placers.pop(index, None)
                self._round_trip(index, placer.edits if placer is not None else [])
            else:
                if changed:
                    self.edits.append(edit)
                return changed
        if index not in self.round_trips:
            self._round_trip(index, [])
        tree = self.round_trips[index].tree
        if not apply_edit(object_root(tree, obj.item_index), edit, round_trip=True):
            return False
        self.edits.append(edit)
        return True

    def _round_trip(self, index: int, placed: list[Edit]) -> None:
        """Read a document with ruamel.yaml's round trip, with the edits placed so far."""
        start, end = self._lines_of(index)
        try:
            round_trip = RoundTrip(self.lines[start:end])
            for edit in placed:
                apply_edit(object_root(round_trip.tree, edit.obj.item_index), edit,
                           round_trip=True)
        except FixError as error:
            if placed:  # the edits placed before cannot be kept either
                self._refuse(index, str(error))
            raise
        self.round_trips[index] = round_trip
        self.round_tripped += 1

    def _refuse(self, index: int, reason: str) -> None:
        self.refused[index] = reason
        self._refused_now.append(index)
        self.edits = [e for e in self.edits if e.obj.doc_index != index]

    def render(self) -> str:
        """The original text with the edits so far, checked; FixError when it fails a check."""
        lines: list[tuple[str, str]] = []
        replaced = []
        edited = {}
        done = 0
        for index in sorted({*self.placers, *self.round_trips}):
            start, end = self._lines_of(index)
            try:
                patched = (self.placers[index].patched() if index in self.placers
                           else self.round_trips[index].patched(self.ending))
            except FixError as error:  # this document stays as written; the others are fixed
                del self.round_trips[index]
                self._refuse(index, str(error))
                continue
            lines += self.lines[done:start]
            replaced.append((start, end, len(lines), len(patched)))
            edited[index] = patched
            lines += patched
            done = end
        lines += self.lines[done:]
        text = join_lines(lines)
        self.parsed = self._verify(text, edited)
        self.fixed, self.replaced = text, replaced
        return text

    def _verify(self, text: str, edited: dict[int, list[tuple[str, str]]]) -> ParsedStream:
        """The fixed text, parsed: it must parse to the original documents with exactly the
        edits applied, and each edited document must hold the comments it had (the others are
        the same lines, read the same way)."""
        parsed = parse_stream(text, **self.limits)
        if parsed.problem is not None or parsed.duplicate_keys:
            self._read_whole()  # the original's own problem, if it has one
            raise FixError("the fixed text would not be valid YAML")
        if len(parsed.documents) != len(self.starts) or parsed.complex_keys:
            raise FixError("the fixed text would change more than the fixes")
        expected: dict[int, Any] = {}
        copies: set[int] = set()
        for edit in self.edits:
            obj = edit.obj
            index = obj.doc_index
            if index not in expected:
                expected[index] = _copy(self._document(index)[0], copies)
            prefix = () if obj.item_index is None else ("items", obj.item_index)
            apply_edit(object_root(_copied_along(expected[index], prefix + edit.path, copies),
                                   obj.item_index), edit)
        # The edited documents must read as the original ones with the edits; the others are
        # the same lines between the same document markers (compared too when read already).
        for index, document in enumerate(parsed.documents):
            if index in expected:
                wanted = expected[index]
            elif index in self.documents:
                wanted = self.documents[index][0]
            else:
                continue
            # Compared as they are first (fast), as plain copies where that fails (NaN).
            if document != wanted and _plain(document) != _plain(wanted):
                raise FixError("the fixed text would change more than the fixes")
        for index, patched in edited.items():
            if index in self.placers:
                before, after = self.placers[index].changed_comments()
                if before != after:
                    raise FixError("the fixed text would lose or repeat a comment")
                continue
            if index not in self.comments:
                start, end = self._lines_of(index)
                self.comments[index] = _comments(self.lines[start:end])
            if _comments(patched) != self.comments[index]:
                raise FixError("the fixed text would lose or repeat a comment")
        return parsed

    def settled(self) -> "FileFix":
        """This file's fix as writing it, its diff and its counts need it, without what fixing
        it needed (its lines, documents, their placers and round trips): light enough to send
        to another process."""
        light = object.__new__(FileFix)
        light.__dict__.update({name: getattr(self, name) for name in _SETTLED})
        light.placers = dict.fromkeys(self.placers)
        return light

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
        return unified_diff(shown or self.source.path, split_lines(self.text),
                            split_lines(self.fixed), self.replaced)

    def write(self) -> None:
        """Replace the file atomically, keeping its permission bits; refuse (FixError) when it
        changed on disk since it was read."""
        replace_file(self.source.path, self.data(), self.raw, self.mtime_ns)
