"""What the original text looks like: its lines and line endings, where its documents start, its
comments, the lines inside multi-line scalars, and its indentation style (read with libyaml)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import re
from typing import Any, Callable, TypeVar

from ruamel.yaml.cyaml import CBaseLoader
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentStartEvent
from ruamel.yaml.loader import BaseLoader
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

T = TypeVar("T")


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


class _PureLoader(BaseLoader):
    """ruamel.yaml's pure-Python reader, for the documents libyaml 0.1 refuses although they are
    valid (a `:` inside a plain scalar of a flow collection: `args: [--listen=0.0.0.0:8080]`)."""

    max_depth = None  # the text was read with its depth bounded before it came here


# A `---` line starts a document: libyaml and the pure-Python reader agree on where one ends.
# Looked for after a line break: a pattern that starts with text is found fast.
_DOCUMENT_START = re.compile(r"\n---(?=[ \t\n]|\Z)")


def _document_markers(text: str) -> list[int]:
    """Where each `---` line of the text starts."""
    first = [0] if text.startswith("---") and text[3:4] in ("", " ", "\t", "\n") else []
    return first + [marker.start() + 1 for marker in _DOCUMENT_START.finditer(text)]


def _read(text: str, read: Callable[[Any], list[T]]) -> list[tuple[int, T]]:
    """`read(loader)` over the text, with the line each result's positions count from: libyaml
    reads the whole text; when it refuses it, each document (from one `---` line to the next) is
    read by libyaml, or by the pure-Python reader where libyaml refuses it (YAMLError when
    that refuses it too)."""
    try:
        return [(0, result) for result in _with(CBaseLoader(text), read)]
    except YAMLError:
        pass
    results: list[tuple[int, T]] = []
    cuts = [0] + [offset for offset in _document_markers(text) if offset] + [len(text)]
    first_line = 0
    for start, end in zip(cuts, cuts[1:]):
        part = text[start:end]
        try:
            read_part = _with(CBaseLoader(part), read)
        except YAMLError:
            read_part = _with(_PureLoader(part), read)
        results += [(first_line, result) for result in read_part]
        first_line += part.count("\n")
    return results


def _with(loader: Any, read: Callable[[Any], list[T]]) -> list[T]:
    try:
        return read(loader)
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()


def _nodes(loader: Any) -> list[Any]:
    nodes = []
    while loader.check_node():
        node = loader.get_node()
        if node is not None:
            nodes.append(node)
    return nodes


def scan(text: str) -> Scan:
    """Comments, multi-line scalars and the indentation style of a valid YAML text."""
    spans: dict[int, list[tuple[int, int]]] = {}
    in_scalar: set[int] = set()
    mapping_votes: Counter = Counter()
    sequence_votes: Counter = Counter()
    seen: set[int] = set()
    stack = _read(text, _nodes)
    while stack:
        offset, node = stack.pop()
        if id(node) in seen:
            continue  # an alias: the anchored node was walked where it is written
        seen.add(id(node))
        start, end = node.start_mark, node.end_mark
        if type(node) is ScalarNode:
            first, last = start.line + offset, end.line + offset
            if first == last:
                spans.setdefault(first, []).append((start.column, end.column))
            else:
                spans.setdefault(first, []).append((start.column, 1 << 30))
                in_scalar.update(range(first + 1, last))
                if end.column > 0:
                    in_scalar.add(last)
                    spans.setdefault(last, []).append((0, end.column))
            continue
        if type(node) is MappingNode:
            for key, value in node.value:
                stack += ((offset, key), (offset, value))
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
            stack += ((offset, item) for item in node.value)
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


def scan_dump(text: str) -> Scan:
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


_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def split_lines(text: str) -> list[tuple[str, str]]:
    """(content, line ending) pairs, the ending LF, CRLF or CR; the last line may have none."""
    if "\r" not in text:
        pieces = text.split("\n")
        lines = [(p, "\n") for p in pieces[:-1]]
    else:
        pieces = _LINE_BREAK.split(text)
        lines = list(zip(pieces[:-1:2], pieces[1::2]))
    if pieces[-1]:
        lines.append((pieces[-1], ""))
    return lines


def normalized(text: str) -> str:
    """The text with every line ending LF: libyaml counts a CR alone as a line break, and the
    lines here are counted by LF."""
    return text if "\r" not in text else _LINE_BREAK.sub("\n", text)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dominant_ending(lines: list[tuple[str, str]]) -> str:
    """The line ending of inserted lines: CRLF or CR where more than half the lines have it."""
    endings = Counter(ending for _, ending in lines)
    for ending in ("\r\n", "\r"):
        if endings[ending] * 2 > len(lines):
            return ending
    return "\n"


def join_lines(lines: list[tuple[str, str]]) -> str:
    return "".join(line + ending for line, ending in lines)


def document_starts(text: str, count: int | None = None) -> list[int]:
    """The 0-based line where each document of a (valid) stream starts: its `---`, or its first
    token when it has none. The `---` lines say it without reading the text, unless a `...` or
    a directive may start a document otherwise, or they do not make `count` documents."""
    if "\n..." not in text and "\n%" not in text and not text.startswith(("...", "%")):
        markers = _document_markers(text)
        starts, number, counted = [], 0, 0
        for offset in markers:
            number += text.count("\n", counted, offset)
            counted = offset
            starts.append(number)
        head = text[:markers[0]] if markers else text
        first = next((number for number, line in enumerate(head.split("\n"))
                      if line.strip() and not line.lstrip().startswith("#")), None)
        if first is not None:
            starts.insert(0, first)
        if count is None or len(starts) == count:
            return starts
    return [offset + line for offset, line in _read(text, _start_lines)]


def _start_lines(loader: Any) -> list[int]:
    starts = []
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, DocumentStartEvent):
            starts.append(event.start_mark.line)
    return starts
