"""From an edited round-trip tree back to the original text: the line diff between ruamel.yaml's
dumps of a document as loaded and as edited, applied to the document's own lines."""

from __future__ import annotations

import difflib
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from wslint.fix.errors import FixError
from wslint.fix.scan import Indentation, Scan, indent_of, scan, scan_dump


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


class Patcher:
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
        self.after_scan = scan_dump(after)
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
        return comment is not None and comment[0] == indent_of(line) <= max_indent

    def _above_trailing_comments(self, at: int, floor: int, first_line: str) -> int:
        """ruamel.yaml keeps the comments after a mapping's last entry with that entry, so what
        it appends lands below them. Comments at the new lines' level or outside it belong to
        what follows, so the new lines go above them."""
        indent = indent_of(first_line)
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
                    and self.before_scan.comments[index][0] == indent_of(line)):
                continue
            if not _above_level(line, indent, entry):
                continue
            if index in self.twin:
                return indent_of(self.original[self.twin[index]][0]) - indent_of(line)
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
            indent = indent_of(line)
            entry = _is_entry(line)
            delta = next((d for above, d in reversed(placed) if _above_level(above, indent, entry)),
                         None)
            twin = standing_for.get(_key_of(line))
            if twin is not None:
                delta = indent_of(self.original[self.twin[twin]][0]) - indent
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
            if comment and comment[0] > indent_of(line):
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
                if comment and comment[1] in gaps and indent_of(line) < comment[0]:
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
            if comment[0] == indent_of(line):
                lost.append((line, ending))
            else:
                lost.append((" " * indent_of(line) + comment[1], ending))
        if lost and lines and indent_of(lines[0][0]) < min(indent_of(line) for line, _ in lost):
            return lines + lost  # the replacement is their parent: they stay inside it
        return lost + lines


def _key_of(line: str) -> tuple[int, str]:
    """A line's indentation and what it starts with up to its first colon (its key)."""
    stripped = line.strip()
    return indent_of(line), stripped.split(":", 1)[0]


def _is_entry(line: str) -> bool:
    stripped = line.lstrip(" ")
    return stripped.startswith("- ") or stripped == "-"


def _above_level(line: str, indent: int, entry: bool) -> bool:
    """Whether `line` is at the level of a line of indentation `indent` or outside it. A flush
    sequence's entries share their key's indentation but are inside it: for a key, an entry at
    its indentation is deeper."""
    other = indent_of(line)
    return other < indent or (other == indent and (entry or not _is_entry(line)))


def _eol_comment_gap(line: str, column: int) -> int:
    return column - len(line[:column].rstrip())


def _round_trip(indentation: Indentation) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long line
    yaml.indent(mapping=indentation.mapping, sequence=indentation.sequence,
                offset=indentation.offset)
    return yaml


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


class RoundTrip:
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
            raise FixError(f"ruamel.yaml cannot read it ({first_line(error)})") from None
        self.before_scan = scan_dump(self.before)

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.tree, out)
        return out.getvalue()

    def patched(self, ending: str) -> list[tuple[str, str]]:
        try:
            after = self.dump()
        except Exception as error:
            raise FixError(f"ruamel.yaml cannot write it edited ({first_line(error)})") from None
        return Patcher(self.lines, self.scan, self.before, self.before_scan, after,
                        ending).patch()
