"""`wslint --fix` and `--diff`: apply the edits of fixes and change nothing else.

Only files with an applicable fix are touched, in four steps:

1. Each document with an edit is loaded with ruamel.yaml's round trip (comments, quoting, flow
   and block style), and the edits (`wslint.model.Edit`: set, remove, append at a path of an
   object) change that tree.
2. The tree is dumped twice, as loaded and as edited. The line diff between the two dumps is what
   the edits change, and only that diff is applied to the original text: the lines ruamel.yaml
   would re-format (spacing, indentation it does not keep) are never written from its output,
   and documents without edits are not even read by it. Inserted lines take the indentation of their neighbours in the original, the
   file's style for nested blocks (2 or 4 spaces, flush or indented sequences) and its line
   endings; comments of removed lines are kept.
3. The result must parse, must parse to the original objects with exactly the edits applied, and
   must hold every comment of the original; otherwise the file is left alone, with a message.
4. Apply, re-lint, repeat until no fix applies (at most `MAX_ROUNDS` rounds): one fix can call for
   another (a preStop sleep lengthens the shutdown, so the grace period may become too short).

Writing is atomic (a temporary file in the same directory, the permission bits copied, then
`os.replace`) and refused when the file changed on disk after wslint read it.
"""

from __future__ import annotations

import difflib
import io
import math
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.cyaml import CBaseLoader
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from wslint.model import Applicability, Edit, EditOp, Finding, LintResult, Source
from wslint.load.sources import LoadedSource, decode, load_source, wide_encoding
from wslint.load.yamltree import parse_stream, resolve_plain

MAX_ROUNDS = 10


class FixError(Exception):
    """A file, or one edit, that cannot be fixed: the message says why."""


# --- what the original text looks like ----------------------------------------------------------

@dataclass(frozen=True)
class Indentation:
    """A file's block style, as ruamel.yaml's `indent()` takes it: `mapping` spaces per nested
    mapping; a sequence's dash `offset` spaces in from its key and its items `sequence` spaces
    in (flush sequences: offset 0, sequence 2)."""

    mapping: int = 2
    sequence: int = 2
    offset: int = 0


@dataclass
class Scan:
    """What libyaml tells about a text that ruamel.yaml's tree does not: the comment of each line
    (0-based line -> column, text), the lines inside multi-line scalars (where `#` and blank lines
    are content), and the indentation style."""

    comments: dict[int, tuple[int, str]]
    in_scalar: set[int]
    indentation: Indentation


def _nodes(text: str) -> Iterable[Any]:
    loader = CBaseLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def scan(text: str) -> Scan:
    """Comments, multi-line scalars and the indentation style of a valid YAML text."""
    spans: dict[int, list[tuple[int, int]]] = {}
    in_scalar: set[int] = set()
    mapping_votes: Counter = Counter()
    sequence_votes: Counter = Counter()
    seen: set[int] = set()
    stack = list(_nodes(text))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue  # an alias: the anchored node was walked where it is written
        seen.add(id(node))
        start, end = node.start_mark, node.end_mark
        if type(node) is ScalarNode:
            if start.line == end.line:
                spans.setdefault(start.line, []).append((start.column, end.column))
            else:
                spans.setdefault(start.line, []).append((start.column, 1 << 30))
                in_scalar.update(range(start.line + 1, end.line))
                if end.column > 0:
                    in_scalar.add(end.line)
                    spans.setdefault(end.line, []).append((0, end.column))
            continue
        if type(node) is MappingNode:
            for key, value in node.value:
                stack += (key, value)
                # Votes come from block collections under a key (a scalar has no flow_style).
                if node.flow_style or not value.value or getattr(value, "flow_style", True):
                    continue
                column = key.start_mark.column
                if type(value) is MappingNode:
                    mapping_votes[value.value[0][0].start_mark.column - column] += 1
                elif type(value) is SequenceNode:
                    first = value.value[0]
                    if first.start_mark.line == value.start_mark.line:
                        sequence_votes[(first.start_mark.column - column,
                                        value.start_mark.column - column)] += 1
        else:
            stack += node.value
    lines = text.split("\n")
    comments = {}
    for number, line in enumerate(lines):
        if number in in_scalar or "#" not in line:
            continue
        covered = spans.get(number, ())
        at = line.find("#")
        while at >= 0:
            if (at == 0 or line[at - 1] in " \t") and not any(a <= at < b for a, b in covered):
                comments[number] = (at, line[at:].rstrip("\r").rstrip())
                break
            at = line.find("#", at + 1)
    mapping = max((m for m in mapping_votes if m > 0), key=lambda m: mapping_votes[m], default=2)
    sequence, offset = max((v for v in sequence_votes if v[0] > v[1] >= 0),
                           key=lambda v: sequence_votes[v], default=(2, 0))
    return Scan(comments, in_scalar, Indentation(mapping, sequence, offset))


def _scan_dump(text: str) -> Scan:
    """`scan` of a ruamel.yaml dump. ruamel.yaml can write a line it cannot read back (a comment
    moved into a flow item); then only whole-line comments are known. Whether the fixed text
    parses is checked on its own."""
    try:
        return scan(text)
    except YAMLError:
        comments = {number: (len(line) - len(line.lstrip()), line.strip())
                    for number, line in enumerate(text.split("\n")) if line.lstrip().startswith("#")}
        return Scan(comments, set(), Indentation())


def comment_texts(text: str) -> Counter:
    """The comments of a text, as a multiset of their texts."""
    return Counter(text for _, text in scan(text).comments.values())


def split_lines(text: str) -> list[tuple[str, str]]:
    """(content, line ending) pairs; the last line may have no ending."""
    pieces = text.split("\n")
    lines = [(p[:-1], "\r\n") if p.endswith("\r") else (p, "\n") for p in pieces[:-1]]
    if pieces[-1]:
        lines.append((pieces[-1], ""))
    return lines


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# --- edits on a tree ------------------------------------------------------------------------------

def _anchored(node: Any) -> bool:
    anchor = getattr(node, "anchor", None)
    return anchor is not None and getattr(anchor, "value", None) is not None


def _check_not_shared(node: Any, step: Any) -> None:
    """An anchored node, or a key that comes from a merge (`<<: *base`), may be used in other
    places: editing it would change them too."""
    if _anchored(node):
        raise FixError(f"the path goes through an anchor (&{node.anchor.value}) that other "
                       f"places may share")
    if isinstance(node, CommentedMap) and node.merge and step in node and \
            not node._unmerged_contains(step):
        raise FixError(f"{step!r} comes from a merge key (<<) that other places may share")


class _Styler:
    """Turns an edit's plain value into what the round-trip tree holds: strings quoted like their
    siblings, and always quoted where Kubernetes' YAML 1.1 reader would see another type."""

    def __init__(self, round_trip: bool) -> None:
        self.round_trip = round_trip

    def __call__(self, value: Any, container: Any = None, replacing: Any = None) -> Any:
        if not self.round_trip:
            return _plain_copy(value)
        if isinstance(value, dict):
            result = CommentedMap()
            for key, item in value.items():
                result[key] = self(item, value)
            return result
        if isinstance(value, list):
            return CommentedSeq(self(item, value) for item in value)
        if isinstance(value, str):
            quote = _quote_of(replacing) or _sibling_quote(container)
            if quote is None and (resolve_plain(value) != value or not _PLAIN.fullmatch(value)):
                quote = '"'
            if quote == '"':
                return DoubleQuotedScalarString(value)
            if quote == "'":
                return SingleQuotedScalarString(value)
        return value


# Strings written plain when nothing says otherwise: a plain scalar in block or flow context.
_PLAIN = re.compile(r"[A-Za-z0-9_./=+-]+")


def _quote_of(value: Any) -> str | None:
    if isinstance(value, DoubleQuotedScalarString):
        return '"'
    if isinstance(value, SingleQuotedScalarString):
        return "'"
    return None


def _sibling_quote(container: Any) -> str | None:
    values = container.values() if isinstance(container, dict) else container or ()
    styles = Counter(_quote_of(v) for v in values if isinstance(v, str))
    quoted = [(count, style) for style, count in styles.items() if style]
    return max(quoted)[1] if quoted else None


def _plain_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value


def apply_edit(root: Any, edit: Edit, round_trip: bool = False) -> bool:
    """Apply one edit to the object `root` (a round-trip tree when `round_trip`, else plain dicts
    and lists); True when something changed. Missing mappings on the way are created; a step
    through something else than a mapping or an existing list item is refused (FixError)."""
    style = _Styler(round_trip)
    *steps, last = edit.path
    node = root
    for index, step in enumerate(steps):
        if round_trip:
            _check_not_shared(node, step)
        if isinstance(node, dict):
            child = node.get(step)
            if child is None:
                if edit.op is EditOp.REMOVE:
                    return False
                if type(edit.path[index + 1]) is int:
                    raise FixError(f"{step!r} is not a list")
                child = node[step] = style({}, node)
            node = child
        elif isinstance(node, list) and type(step) is int and 0 <= step < len(node):
            node = node[step]
        else:
            raise FixError(f"cannot reach {step!r}: its parent is not a mapping or list")
    if round_trip:
        _check_not_shared(node, last)
    if isinstance(node, list) and type(last) is int and 0 <= last < len(node) \
            and edit.op is EditOp.SET:
        if _same(node[last], edit.value):
            return False
        node[last] = style(edit.value, node, node[last])
        return True
    if not isinstance(node, dict):
        raise FixError(f"cannot edit {last!r}: its parent is not a mapping")
    current = node.get(last)
    if round_trip and _anchored(current):
        raise FixError(f"{last!r} has an anchor (&{current.anchor.value}) that other places may use")
    if edit.op is EditOp.SET:
        if last in node and _same(current, edit.value):
            return False
        node[last] = style(edit.value, node, current)
        return True
    if edit.op is EditOp.REMOVE:
        if last not in node:
            return False
        del node[last]
        if round_trip and not node and isinstance(node, CommentedMap):
            # ruamel.yaml writes an emptied mapping's own comments where `{}` cannot go; the
            # patcher keeps the comments of the lines it replaces.
            node.ca.comment = None
        return True
    if current is None:
        node[last] = style([edit.value], node)
        return True
    if not isinstance(current, list):
        raise FixError(f"{last!r} is not a list")
    if edit.value in current:
        return False
    current.append(style(edit.value, current))
    return True


def _same(current: Any, value: Any) -> bool:
    """Whether a value in a tree already is `value` (a quoted "1.1" is "1.1"; `true` is not 1)."""
    return current == value and isinstance(current, bool) == isinstance(value, bool) \
        and isinstance(current, str) == isinstance(value, str)


def object_root(document: Any, item_index: int | None) -> Any:
    """The object within its document: the document itself, or an item of a `kind: List`."""
    return document if item_index is None else document["items"][item_index]


# --- from the edited tree back to the original text ----------------------------------------------

@dataclass
class _Op:
    """Replace lines [start, end) of the dump as loaded with the lines of the edited dump that
    begin at `first`."""

    start: int
    end: int
    lines: list[str]
    first: int


# Why a document is not fixed when the lines an edit falls in are not written as ruamel.yaml
# writes them: its version of them (a flow collection joined onto one line, `[{a: 1}]` as
# `[a: 1]`) would replace what the author wrote.
REFORMATTED = ("the fix falls in lines ruamel.yaml would write differently (such as a flow "
               "collection over several lines); fix it by hand")


class _Patcher:
    """Applies the difference between two ruamel.yaml dumps (`before`: the tree as loaded,
    `after`: the edited tree) to the original text, whose lines ruamel.yaml may have re-formatted.
    The dump as loaded is aligned with the original on the lines' text without indentation, so
    that an indentation style ruamel.yaml does not keep (a flush sequence among indented ones)
    still lines up."""

    def __init__(self, original: list[tuple[str, str]], original_scan: Scan, before: str,
                 before_scan: Scan, after: str, ending: str) -> None:
        self.original = original
        self.ending = ending
        self.before = before.split("\n")[:-1]
        self.after = after.split("\n")[:-1]
        self.before_scan = before_scan
        self.after_scan = _scan_dump(after)
        self.original_scan = original_scan
        self._align()

    def _align(self) -> None:
        """`start[p]`/`end[p]`: the original line index a region starting/ending at dump line
        boundary p maps to; `inside[p]`: the re-formatted block (b1, b2) a boundary falls in."""
        # Compared without indentation and with runs of spaces as one (ruamel.yaml keeps an
        # end-of-line comment's column, not its distance from the text before it).
        original = [" ".join(line.split()) for line, _ in self.original]
        before = [" ".join(line.split()) for line in self.before]
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        self.inside: dict[int, tuple[int, int]] = {}
        self.twin: dict[int, int] = {}  # dump line -> original line with the same content
        if original == before:
            blocks = [("equal", 0, len(original), 0, len(before))]
        else:
            blocks = difflib.SequenceMatcher(None, original, before, autojunk=False).get_opcodes()
        self.start[0] = 0
        for tag, a1, a2, b1, b2 in blocks:
            if tag == "equal":
                for p in range(b1, b2 + 1):
                    # Where the original has lines the dump dropped, a region starts after
                    # them and ends before them: they stay.
                    self.start[p] = a1 + p - b1
                    self.end.setdefault(p, a1 + p - b1)
                for p in range(b1, b2):
                    self.twin[p] = a1 + p - b1
            else:
                for p in range(b1 + 1, b2):
                    self.inside[p] = (b1, b2)
        self.start.setdefault(len(before), len(original))
        self.end.setdefault(len(before), len(original))

    def _ops(self) -> list[_Op]:
        matcher = difflib.SequenceMatcher(None, self.before, self.after, autojunk=False)
        ops = [part for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
               for part in self._split(_Op(i1, i2, self.after[j1:j2], j1))]
        floor = 0
        for op in ops:
            if op.start == op.end and op.lines:
                op.start = op.end = self._above_trailing_comments(op.start, floor, op.lines[0])
            floor = op.end
        return ops

    def _split(self, op: _Op) -> list[_Op]:
        """A replacement that adds lines before or after the ones standing for the replaced
        lines (the same keys at the same indentation) is an insertion and a smaller replacement,
        so that the insertion can be placed on its own."""
        old = [_key_of(line) for line in self.before[op.start:op.end]]
        extra = len(op.lines) - len(old)
        if not old or extra <= 0:
            return [op]
        if [_key_of(line) for line in op.lines[extra:]] == old:
            return [_Op(op.start, op.start, op.lines[:extra], op.first),
                    _Op(op.start, op.end, op.lines[extra:], op.first + extra)]
        if [_key_of(line) for line in op.lines[:len(old)]] == old:
            return [_Op(op.start, op.end, op.lines[:len(old)], op.first),
                    _Op(op.end, op.end, op.lines[len(old):], op.first + len(old))]
        return [op]

    def _free_blank_or_comment(self, index: int, max_indent: int) -> bool:
        line = self.before[index]
        if index in self.before_scan.in_scalar:
            return False
        if not line.strip():
            return True
        comment = self.before_scan.comments.get(index)
        return comment is not None and comment[0] == _indent_of(line) <= max_indent

    def _above_trailing_comments(self, at: int, floor: int, first_line: str) -> int:
        """ruamel.yaml keeps the comments after a mapping's last entry with that entry, so what
        it appends lands below them. Comments at the new lines' level or outside it belong to
        what follows, so the new lines go above them."""
        indent = _indent_of(first_line)
        while at > floor and self._free_blank_or_comment(at - 1, indent):
            at -= 1
        return at

    def _shift(self, at: int, indent: int, entry: bool) -> int:
        """How far to move a dump line of indentation `indent` (a sequence entry or not) at dump
        position `at` to match the original: as far as the nearest line above at its level or
        outside it was moved."""
        for index in range(min(at, len(self.before) - 1), -1, -1):
            line = self.before[index]
            if not line.strip() or index in self.before_scan.in_scalar or (
                    index in self.before_scan.comments
                    and self.before_scan.comments[index][0] == _indent_of(line)):
                continue
            if not _above_level(line, indent, entry):
                continue
            if index in self.twin:
                return _indent_of(self.original[self.twin[index]][0]) - _indent_of(line)
        return 0

    def _moved(self, lines: list[str], at: int, replaced: range = range(0)) -> list[str]:
        """Dump lines placed after dump line `at` (in place of dump lines `replaced`), re-indented
        like the original there. A line moves as far as the replaced line it stands for, else
        the nearest line above it in the group at its level or outside it (the group's own
        structure is kept), else the nearest such line above in the dump."""
        standing_for = {_key_of(self.before[index]): index for index in replaced
                        if index in self.twin}
        placed: list[tuple[str, int]] = []  # (line in the dump, shift)
        moved = []
        for line in lines:
            if not line.strip():
                moved.append(line)
                continue
            indent = _indent_of(line)
            entry = _is_entry(line)
            delta = next((d for above, d in reversed(placed) if _above_level(above, indent, entry)),
                         None)
            twin = standing_for.get(_key_of(line))
            if twin is not None:
                delta = _indent_of(self.original[self.twin[twin]][0]) - indent
            elif delta is None:
                delta = max(self._shift(at, indent, entry), -indent)
            placed.append((line, delta))
            moved.append(" " * delta + line if delta >= 0 else line[-delta:])
        return moved

    def _comment_gaps(self, low: int, high: int) -> dict[str, tuple[int, int]]:
        """The end-of-line comments of original lines [low, high): text -> (column, gap)."""
        gaps = {}
        for index in range(low, high):
            comment = self.original_scan.comments.get(index)
            line = self.original[index][0]
            if comment and comment[0] > _indent_of(line):
                gaps[comment[1]] = (comment[0], _eol_comment_gap(line, comment[0]))
        return gaps

    @staticmethod
    def _respaced(line: str, comment: str, where: tuple[int, int]) -> str:
        """ruamel.yaml keeps an end-of-line comment at its column, or one space after a line that
        grew past it; keep the original spacing instead."""
        column, gap = where
        content = line[:line.rindex(comment)].rstrip()
        return content + " " * max(gap, column - len(content)) + comment

    def patch(self) -> list[tuple[str, str]]:
        regions: list[list[Any]] = []  # [start, end, ops]
        for op in self._ops():
            start, end = op.start, op.end
            if start in self.inside:
                start = self.inside[start][0]
            if end in self.inside:
                end = self.inside[end][1]
            if start == end and op.start in self.inside:
                start, end = self.inside[op.start]
            # Overlapping regions merge, and so does an insertion at the end of the region before
            # it: it lands there anyway, and the comments it carries count for that region.
            if regions and (start < regions[-1][1] or start == end == regions[-1][1]):
                regions[-1][1] = max(regions[-1][1], end)
                regions[-1][2].append(op)
            else:
                regions.append([start, end, [op]])
        replaced = []  # (low, high, lines) in the original
        kept: Counter = Counter()  # the comments the replacements still have
        for start, end, ops in regions:
            # An insertion goes before lines only the original has (a blank line ruamel.yaml
            # dropped at a document's end); a replacement leaves them where they are.
            low = self.start[start] if end > start else self.end[start]
            high = self.end[end] if end > start else low
            replaced.append((low, high, self._region(start, end, ops, low, high, kept)))
        output: list[tuple[str, str]] = []
        done = 0
        for low, high, lines in replaced:
            output += self.original[done:low] + self._keep_comments(low, high, lines, kept)
            done = max(done, high)
        output += self.original[done:]
        # A last line without a line break stays last or gets one.
        for index, (line, ending) in enumerate(output[:-1]):
            if not ending:
                output[index] = (line, self.ending)
        if output and self.original and not self.original[-1][1] and output[-1][1]:
            output[-1] = (output[-1][0], "")
        return output

    def _region(self, start: int, end: int, ops: list[_Op], low: int, high: int,
                kept: Counter) -> list[tuple[str, str]]:
        """The lines that replace original lines [low, high): dump lines [start, end) with the
        ops applied. The comments they hold are added to `kept`."""
        lines: list[tuple[str, str]] = []

        def keep_dump_line(index: int) -> None:
            if index in self.twin and low <= self.twin[index] < high:
                original_index = self.twin[index]
                lines.append(self.original[original_index])
                if original_index in self.original_scan.comments:
                    kept[self.original_scan.comments[original_index][1]] += 1
            else:
                if self.before[index].strip():
                    raise FixError(REFORMATTED)
                lines.append((self._moved([self.before[index]], index)[0], self.ending))
                if index in self.before_scan.comments:
                    kept[self.before_scan.comments[index][1]] += 1

        position = start
        gaps = self._comment_gaps(low, high)
        for op in ops:
            for index in range(position, op.start):
                keep_dump_line(index)
            if any(index not in self.twin for index in range(op.start, op.end)):
                raise FixError(REFORMATTED)
            new = self._moved(op.lines, op.start - 1, range(op.start, op.end))
            for offset, line in enumerate(new):
                comment = self.after_scan.comments.get(op.first + offset)
                if comment and comment[1] in gaps and _indent_of(line) < comment[0]:
                    line = self._respaced(line, comment[1], gaps[comment[1]])
                lines.append((line, self.ending))
            kept.update(self.after_scan.comments[index][1]
                        for index in range(op.first, op.first + len(op.lines))
                        if index in self.after_scan.comments)
            position = op.end
        for index in range(position, end):
            keep_dump_line(index)
        return lines

    def _keep_comments(self, low: int, high: int, lines: list[tuple[str, str]],
                       kept: Counter) -> list[tuple[str, str]]:
        """Comments of original lines [low, high) that no replacement holds (a removed key's
        end-of-line comment, the comment lines ruamel.yaml kept with it) stay, as comment lines.
        `kept` counts the comments all replacements hold: a comment a replacement elsewhere
        holds (its line was matched to another place) is not lost."""
        lost = []
        for original_index in range(low, high):
            comment = self.original_scan.comments.get(original_index)
            if comment is None:
                continue
            if kept[comment[1]] > 0:
                kept[comment[1]] -= 1
                continue
            line, ending = self.original[original_index]
            if comment[0] == _indent_of(line):
                lost.append((line, ending))
            else:
                lost.append((" " * _indent_of(line) + comment[1], ending))
        if lost and lines and _indent_of(lines[0][0]) < min(_indent_of(line) for line, _ in lost):
            return lines + lost  # the replacement is their parent: they stay inside it
        return lost + lines


def _key_of(line: str) -> tuple[int, str]:
    """A line's indentation and what it starts with up to its first colon (its key)."""
    stripped = line.strip()
    return _indent_of(line), stripped.split(":", 1)[0]


def _is_entry(line: str) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("- ") or stripped == "-"


def _above_level(line: str, indent: int, entry: bool) -> bool:
    """Whether `line` is at the level of a line of indentation `indent` or outside it. A flush
    sequence's entries share their key's indentation but are inside it: for a key, an entry at
    its indentation is deeper."""
    other = _indent_of(line)
    return other < indent or (other == indent and (entry or not _is_entry(line)))


def _eol_comment_gap(line: str, column: int) -> int:
    return column - len(line[:column].rstrip())


def _dominant_ending(lines: list[tuple[str, str]]) -> str:
    crlf = sum(1 for _, ending in lines if ending == "\r\n")
    return "\r\n" if crlf * 2 > len(lines) else "\n"


def join_lines(lines: list[tuple[str, str]]) -> str:
    return "".join(line + ending for line, ending in lines)


# --- one file ---------------------------------------------------------------------------------------

def _round_trip(indentation: Indentation) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long line
    yaml.indent(mapping=indentation.mapping, sequence=indentation.sequence,
                offset=indentation.offset)
    return yaml


def _plain(value: Any) -> Any:
    """A comparable copy of a parsed document (NaN equals itself here)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    return value


def document_starts(text: str) -> list[int]:
    """The 0-based line where each document of a (valid) stream starts: its `---`, or its first
    token when it has none."""
    loader = CBaseLoader(text)
    starts = []
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, DocumentStartEvent):
                starts.append(event.start_mark.line)
    finally:
        loader.dispose()
    return starts


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


def _merged(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """The opcodes without empty ones, consecutive equal ones joined."""
    merged: list[tuple[str, int, int, int, int]] = []
    for opcode in opcodes:
        tag, i1, i2, j1, j2 = opcode
        if i1 == i2 and j1 == j2:
            continue
        if merged and tag == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append(opcode)
    return merged


class _Opcodes(difflib.SequenceMatcher):
    """A matcher that knows its opcodes already (for its grouping into hunks)."""

    def __init__(self, opcodes: list[tuple[str, int, int, int, int]]) -> None:
        super().__init__(None, [], [])
        self.known = opcodes

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        return self.known


def _unified_range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _unified_diff(old: list[str], new: list[str], name: str,
                  opcodes: list[tuple[str, int, int, int, int]]) -> Iterator[str]:
    """`difflib.unified_diff(old, new, name, name)` from known opcodes."""
    for number, group in enumerate(_Opcodes(opcodes).get_grouped_opcodes(3)):
        if number == 0:
            yield f"--- {name}\n"
            yield f"+++ {name}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_unified_range(first[1], last[2])} +{_unified_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


class _RoundTrip:
    """One document's lines of the original, as ruamel.yaml's round trip reads them: the tree
    that edits change, and its dump as loaded."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self.lines = lines
        text = "".join(line + "\n" for line, _ in lines)
        self.scan = scan(text)
        self.yaml = _round_trip(self.scan.indentation)
        try:
            documents = list(self.yaml.load_all(text))
            if len(documents) != 1:
                raise FixError("ruamel.yaml reads its documents differently")
            self.tree = documents[0]
            if isinstance(self.tree, (CommentedMap, CommentedSeq)) and self.tree.fa.flow_style():
                # ruamel.yaml writes a flow collection on one line: a JSON file would come back
                # as one line of YAML.
                raise FixError("its document is written in flow style (JSON)")
            self.before = self.dump()
        except FixError:
            raise
        except Exception as error:  # ruamel.yaml's own limits: this file is left as it is
            raise FixError(f"ruamel.yaml cannot read it ({_first_line(error)})") from None
        self.before_scan = _scan_dump(self.before)

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.tree, out)
        return out.getvalue()

    def patched(self, ending: str) -> list[tuple[str, str]]:
        try:
            after = self.dump()
        except Exception as error:
            raise FixError(f"ruamel.yaml cannot write it edited ({_first_line(error)})") from None
        return _Patcher(self.lines, self.scan, self.before, self.before_scan, after,
                        ending).patch()


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
        self.ending = _dominant_ending(self.lines)
        normalized = self.text.replace("\r\n", "\n")
        # Each document owns the lines from its start to the next one's (comments between
        # documents included), so the documents' lines tile the file.
        self.starts = document_starts(normalized)
        if len(self.starts) != len(self.baseline):
            raise FixError("its documents cannot be told apart")
        self.comments = comment_texts(normalized)
        self.round_trips: dict[int, _RoundTrip] = {}
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
        try:
            with open(path, "rb") as handle:
                self.raw = handle.read()
            self.mtime_ns = os.stat(path).st_mtime_ns
        except OSError as error:
            raise FixError(f"cannot read it again: {error.strerror or error}") from None
        text, problem = decode(self.raw)
        if problem is not None or text != self.source.text:
            raise FixError("it changed on disk after wslint read it")

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
            self.round_trips[obj.doc_index] = _RoundTrip(self.lines[start:end])
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
        if comment_texts(text) != self.comments:
            raise FixError("the fixed text would lose or repeat a comment")

    def take_refused(self) -> list[tuple[int, str]]:
        """The documents refused since the last call: (first line, why)."""
        refused = [(self._lines_of(index)[0] + 1, self.refused[index]) for index in self._refused_now]
        self._refused_now = []
        return refused

    def data(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + self.fixed.encode("utf-8")

    def diff(self) -> str:
        """A unified diff from the original to the fixed text. Only the documents that were
        edited are compared line by line: difflib over a whole file of thousands of similar
        documents takes quadratic time."""
        name = self.source.path
        old = [line + ending for line, ending in self.lines]
        new = [line + ending for line, ending in split_lines(self.fixed)]
        opcodes: list[tuple[str, int, int, int, int]] = []
        done = 0
        for start, end, new_start, patched in self.replaced:
            opcodes.append(("equal", done, start, new_start - (start - done), new_start))
            matcher = difflib.SequenceMatcher(None, old[start:end],
                                              new[new_start:new_start + len(patched)], autojunk=False)
            opcodes += [(tag, start + i1, start + i2, new_start + j1, new_start + j2)
                        for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
            done = end
        opcodes.append(("equal", done, len(old), len(new) - (len(old) - done), len(new)))
        out = []
        for line in _unified_diff(old, new, name, _merged(opcodes)):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)

    def write(self) -> None:
        """Replace the file atomically, keeping its permission bits; refuse (FixError) when it
        changed on disk since it was read."""
        path = os.path.realpath(self.source.path)  # through a symlink: keep the link
        directory, name = os.path.split(path)
        try:
            info = os.stat(path)
            with open(path, "rb") as handle:
                current = handle.read()
        except OSError as error:
            raise FixError(f"cannot read it before writing: {error.strerror or error}") from None
        if current != self.raw or info.st_mtime_ns != self.mtime_ns:
            raise FixError("it changed on disk during the run")
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".wslint-fix",
                                             dir=directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(self.data())
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            if os.stat(path).st_mtime_ns != info.st_mtime_ns:
                raise FixError("it changed on disk during the run")
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


# --- the run: apply, re-lint, repeat ----------------------------------------------------------------

def applicable(finding: Finding, unsafe: bool) -> bool:
    """Whether `--fix` applies this finding's fix (`--unsafe-fixes`: `unsafe`)."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability is Applicability.SAFE or (
        unsafe and fix.applicability is Applicability.UNSAFE)


@dataclass
class FixOutcome:
    result: LintResult  # the findings left after fixing
    files: list[FileFix]  # the files whose text changed, in input order
    fixed: int  # findings whose fix was applied
    notices: list[str]  # fixes not applied, files not fixed: why
    rounds: int
    converged: bool


@dataclass
class _Session:
    linter: Any
    loaded: list[LoadedSource]
    context: list[LoadedSource]
    unsafe: bool
    files: dict[str, FileFix] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    notices: dict[str, None] = field(default_factory=dict)
    applied: list[tuple[Finding, frozenset[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.original = list(self.loaded)
        self.position = {item.source.path: index for index, item in enumerate(self.loaded)}

    def run(self, max_rounds: int) -> FixOutcome:
        for rounds in range(1, max_rounds + 1):
            result = self.linter.lint_loaded(self.loaded, self.context)
            changed = self._apply(result.findings)
            if not changed:
                return self._outcome(result, rounds, True)
            self._render(changed)
        result = self.linter.lint_loaded(self.loaded, self.context)
        left = [f for f in result.findings if applicable(f, self.unsafe)]
        if left:
            self.notices[f"fixes did not settle after {max_rounds} rounds; "
                         f"{len(left)} fixable finding(s) left"] = None
        return self._outcome(result, max_rounds, not left)

    def _file(self, path: str) -> FileFix | None:
        if path in self.failed:
            return None
        if path not in self.files:
            loaded = self.loaded[self.position[path]]
            try:
                self.files[path] = FileFix(loaded.source)
            except FixError as error:
                self.failed.add(path)
                self.notices[f"{path}: not fixed: {error}"] = None
                return None
        return self.files[path]

    def _apply(self, findings: list[Finding]) -> set[str]:
        changed: set[str] = set()
        for finding in findings:
            if not applicable(finding, self.unsafe):
                continue
            edits = finding.fix.edits
            if any(e.obj.source.real_path or e.obj.origin or e.obj.source.path not in self.position
                   for e in edits):
                continue  # a rendered object: its text is not in a file wslint read
            paths = frozenset(e.obj.source.path for e in edits)
            files = {path: self._file(path) for path in sorted(paths)}
            if None in files.values():
                continue
            did = False
            for edit in edits:
                path = edit.obj.source.path
                try:
                    if files[path].apply(edit):
                        did = True
                        changed.add(path)
                except FixError as error:
                    self.notices[f"{finding.file}:{finding.line}:{finding.column}: "
                                 f"{finding.code} not fixed: {error}"] = None
            if did:
                self.applied.append((finding, paths))
        return changed

    def _render(self, paths: set[str]) -> None:
        max_depth = self.linter.settings.max_depth
        for path in sorted(paths):
            file = self.files[path]
            try:
                text = file.render()
            except FixError as error:
                self.notices[f"{path}: not fixed: {error}"] = None
                self.failed.add(path)
                del self.files[path]
                self.loaded[self.position[path]] = self.original[self.position[path]]
                continue
            for line, reason in file.take_refused():
                self.notices[f"{path}:{line}: document not fixed: {reason}"] = None
            self.applied = [(finding, paths) for finding, paths in self.applied
                            if not any(e.obj.source.path == path and e.obj.doc_index in file.refused
                                       for e in finding.fix.edits)]
            source = file.source
            self.loaded[self.position[path]] = load_source(
                Source(source.path, text, is_stdin=source.is_stdin), max_depth=max_depth)

    def _outcome(self, result: LintResult, rounds: int, converged: bool) -> FixOutcome:
        applied = [f for f, paths in self.applied if not paths & self.failed]
        files = sorted((f for f in self.files.values() if f.fixed != f.text),
                       key=lambda f: self.position[f.source.path])
        return FixOutcome(result, files, len(applied), list(self.notices), rounds, converged)


def fix(linter: Any, loaded: list[LoadedSource], context: list[LoadedSource] = (),
        unsafe: bool = False, max_rounds: int = MAX_ROUNDS) -> FixOutcome:
    """Apply the fixes `--fix` may apply (with `unsafe`, also the unsafe ones) to the loaded
    inputs until none is left; `context` joins the graph and is never changed. Nothing is
    written here (see FileFix.write)."""
    return _Session(linter, list(loaded), list(context), unsafe).run(max_rounds)


def fix_text(linter: Any, text: str, path: str = "<string>", unsafe: bool = False) -> FixOutcome:
    """Fix YAML given as a string (tests, editors): the outcome's files hold the fixed text."""
    source = Source(path, text, is_stdin=True)
    return fix(linter, [load_source(source, max_depth=linter.settings.max_depth)], unsafe=unsafe)
