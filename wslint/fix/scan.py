"""What the original text looks like: its lines and line endings, where its documents start, its
comments, the lines inside multi-line scalars, and its indentation style (read with libyaml)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from ruamel.yaml.cyaml import CBaseLoader
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode


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


def split_lines(text: str) -> list[tuple[str, str]]:
    """(content, line ending) pairs; the last line may have no ending."""
    pieces = text.split("\n")
    lines = [(p[:-1], "\r\n") if p.endswith("\r") else (p, "\n") for p in pieces[:-1]]
    if pieces[-1]:
        lines.append((pieces[-1], ""))
    return lines


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dominant_ending(lines: list[tuple[str, str]]) -> str:
    crlf = sum(1 for _, ending in lines if ending == "\r\n")
    return "\r\n" if crlf * 2 > len(lines) else "\n"


def join_lines(lines: list[tuple[str, str]]) -> str:
    return "".join(line + ending for line, ending in lines)


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
