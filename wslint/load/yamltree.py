"""YAML documents as plain dicts and lists that remember where each key came from.

Parsing uses libyaml through ruamel.yaml's C extension, into `Map`/`Seq` (dict/list subclasses
holding the 1-based position of every key and item). Nearly every manifest is built straight from
libyaml's events (`_read_simple`); a text with anchors, merge keys, collections as keys or errors
goes the other way: the C composer builds node trees with line/column marks, and one pass
(`_Builder`) turns them into `Map`/`Seq`, with the same result where both apply. Nothing is
constructed from tags, so a manifest cannot make the parser run code; aliases become shared
objects (an anchor is converted once, however often it is used); deep nesting is refused before
libyaml's recursive composer could overflow the C stack.
Downstream code may still walk a document as if its aliases were copies, so a document whose
aliases would expand it past `max_alias_expansion` nodes (a "billion laughs") is refused, as
Kubernetes' own YAML reader refuses it, and so is one that aliases nest deeper than `max_depth`.
ruamel.yaml's round-trip loader, which keeps comments, is used only by `--fix`.
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from _ruamel_yaml import CParser
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.loader import SafeLoader
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.tag import Tag

from wslint.load.k8svalues import PLAIN_VALUES, plain_scalar as resolve_plain, tagged_scalar
from wslint.load.yamlevents import (ALIAS, DOCUMENT_END, END, MAPPING_START, SCALAR,
                                    SEQUENCE_START, STREAM_END, tuple_events)

assert (SCALAR, MAPPING_START, SEQUENCE_START) == (0, 1, 2)  # as `_build_simple` tests them

DEFAULT_MAX_DEPTH = 1000
# The most `max_depth` may be: deeper documents overflow the C stack in libyaml's recursive
# composer (at some 30,000 levels with an 8 MB stack).
MAX_DEPTH_CEILING = 10_000
# Nodes that aliases and merge keys may add to one document when it is expanded.
DEFAULT_MAX_ALIAS_EXPANSION = 100_000
# What repr() and str() of a Map or Seq show at most: a small document that reuses anchors
# can expand to more text than there is memory.
REPR_LIMIT = 1000


class Map(dict):
    """A YAML mapping. `line`/`column`: where it starts (its first key for a block mapping);
    `key_pos[key]`: where each key is written (for merged keys, in the anchor they came from)."""

    __slots__ = ("line", "column", "key_pos")

    def pos_of(self, key: Any) -> tuple[int, int]:
        return self.key_pos.get(key, (self.line, self.column))

    def __repr__(self) -> str:
        return bounded_repr(self)


class Seq(list):
    """A YAML sequence. `item_pos[i]`: where item i starts (its first key for a mapping item)."""

    __slots__ = ("line", "column", "item_pos")

    def pos_of(self, index: int) -> tuple[int, int]:
        if 0 <= index < len(self.item_pos):
            return self.item_pos[index]
        return (self.line, self.column)

    def __repr__(self) -> str:
        return bounded_repr(self)


# What a finding may quote from a manifest at most: a string (a name, an annotation) can be
# megabytes, and an alias can repeat it in every object of a file.
MAX_TEXT = 2000
MAX_NAME = 253  # the longest name Kubernetes accepts


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


class _Full(Exception):
    pass


def bounded_repr(value: Any, limit: int = REPR_LIMIT) -> str:
    """`repr(value)` cut after about `limit` characters (marked with `...`), computed in time
    proportional to what it shows: aliases make a document's full repr exponentially long."""
    parts: list[str] = []
    room = [limit]

    def add(text: str) -> None:
        if len(text) >= room[0]:
            parts.append(text[:room[0]])
            raise _Full
        parts.append(text)
        room[0] -= len(text)

    def show(node: Any) -> None:
        if isinstance(node, dict):
            add("{")
            for index, (key, item) in enumerate(dict.items(node)):
                add(", " if index else "")
                show(key)
                add(": ")
                show(item)
            add("}")
        elif isinstance(node, list):
            add("[")
            for index, item in enumerate(node):
                add(", " if index else "")
                show(item)
            add("]")
        else:
            add(repr(node[:room[0]] if isinstance(node, str) else node))

    try:
        show(value)
    except (_Full, RecursionError):
        return "".join(parts) + "..."
    return "".join(parts)


@dataclass
class YamlProblem:
    """Why a stream could not be parsed (or was refused), at a 1-based position."""

    message: str
    line: int
    column: int
    limit: str | None = None  # the option that refused the input, when a limit did


class DuplicateKey(NamedTuple):
    """A key written twice in one mapping (the later value wins), in document `document`."""

    key: str
    line: int
    column: int
    first_line: int
    first_column: int
    document: int


@dataclass
class ParsedStream:
    documents: list[Any] = field(default_factory=list)
    problem: YamlProblem | None = None
    # Positions of mapping keys that are themselves collections: `{{ .Values.x }}` parses that way.
    complex_keys: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    @property
    def duplicate_keys(self) -> list[tuple[str, int, int]]:
        """(key, line, column) of each repeated key."""
        return [(d.key, d.line, d.column) for d in self.duplicates]


# The tag `_Composer.resolve` gives every untagged node; explicit tags are URIs or "!".
_UNRESOLVED = "?"
# Given as a Tag object: a node given a string wraps it in a new Tag, and reading `node.tag`
# back decodes it again, which cost more than the whole C parse. Untagged nodes share this one.
_UNRESOLVED_TAG = Tag(suffix=_UNRESOLVED)

class _Composer(CParser):
    """libyaml's composer with tag resolution deferred to `_Builder` (one cheap pass)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Tag:
        return _UNRESOLVED_TAG

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def _first_key_mark(node: Any) -> Any:
    """Where a node starts for a reader: a block mapping at its first key (past any `&anchor`
    or tag written before it), anything else at its own start."""
    if type(node) is MappingNode and node.value and node.flow_style is not True:
        return node.value[0][0].start_mark
    return node.start_mark


class _Refused(Exception):
    """A document the builder will not finish, and why (a YamlProblem)."""

    def __init__(self, problem: YamlProblem) -> None:
        self.problem = problem


class _Builder:
    """Turns one composed node tree into Map/Seq/scalars, converting each anchored node once.

    It also measures the document as a reader that copies every alias would see it: `shape[id]`
    is how many nodes a collection's expansion holds under it and how deeply they nest. Each use
    of an alias adds its anchor's expansion to `expansion` and may nest deeper than the text
    does; past `max_expansion` or `max_depth` the document is refused."""

    def __init__(self, stream: ParsedStream, document: int, max_depth: int,
                 max_expansion: int) -> None:
        self.stream = stream
        self.document = document
        self.done: dict[int, Any] = {}
        self.building: set[int] = set()
        self.shape: dict[int, tuple[int, int]] = {}  # nodes under a collection, its height
        self.nodes = 0  # nodes under the collections built so far, aliases expanded
        self.expansion = 0
        self.depth = 0  # of the collection being built
        self.deepest = 0  # the deepest level reached under it, aliases expanded
        self.max_depth = max_depth
        self.max_expansion = max_expansion
        self.current: Any = None  # the collection being built: where an alias is used

    def build(self, node: Any) -> Any:
        if type(node) is ScalarNode:
            if node.ctag is _UNRESOLVED_TAG:
                return resolve_plain(node.value) if node.style == "" else node.value
            if node.tag == "!":
                return node.value
            return tagged_scalar(node.tag, node.value)
        key = id(node)
        built = self.done.get(key)
        if built is not None:
            if key in self.building:
                raise _Refused(_at(self.current, "an alias refers to the collection that "
                                                 "contains it"))
            self._alias(node, key)
            return built
        self.building.add(key)
        outer, self.current = self.current, node
        depth = self.depth = self.depth + 1
        outer_deepest, self.deepest = self.deepest, depth
        nodes_before = self.nodes
        if type(node) is MappingNode:
            built = self._mapping(node, key)
        else:
            built = Seq()
            self.done[key] = built
            built.line = node.start_mark.line + 1
            built.column = node.start_mark.column + 1
            self.nodes += len(node.value)
            positions = []
            for item in node.value:
                built.append(self.build(item))
                mark = _first_key_mark(item)
                positions.append((mark.line + 1, mark.column + 1))
            built.item_pos = positions
        deepest = self.deepest
        self.shape[key] = (self.nodes - nodes_before, deepest - depth + 1)
        if outer_deepest > deepest:
            self.deepest = outer_deepest
        self.depth = depth - 1
        self.current = outer
        self.building.discard(key)
        return built

    def _alias(self, node: Any, key: int) -> None:
        """Account for one more use of an anchored collection (a refusal points at the
        collection that uses it: the composer keeps no position for the alias itself)."""
        below, height = self.shape[key]
        self.nodes += below
        self.expansion += below
        reached = self.depth + height
        self.deepest = max(self.deepest, reached)
        if self.expansion > self.max_expansion:
            raise _Refused(_at(self.current, f"aliases expand this document by more than "
                                             f"{self.max_expansion} nodes; not linted (limit: "
                                             f"max-alias-expansion)", "max-alias-expansion"))
        if reached > self.max_depth:
            raise _Refused(_at(self.current, f"aliases nest this document deeper than "
                                             f"{self.max_depth} levels; not linted (limit: "
                                             f"max-depth)", "max-depth"))

    def _mapping(self, node: Any, key: int) -> Map:
        mapping = Map()
        self.done[key] = mapping
        mark = _first_key_mark(node)
        mapping.line = mark.line + 1
        mapping.column = mark.column + 1
        self.nodes += 2 * len(node.value)
        positions: dict[Any, tuple[int, int]] = {}
        merges = []
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            pos = (mark.line + 1, mark.column + 1)
            if type(key_node) is ScalarNode:
                if key_node.style == "" and key_node.value == "<<" and key_node.ctag is _UNRESOLVED_TAG:
                    merges.append(value_node)
                    continue
                name = self.build(key_node)
            else:
                # A collection as a key: not valid in Kubernetes; typical of `{{ ... }}`.
                self.stream.complex_keys.append(pos)
                name = ("<complex key>",) + pos
            if name in positions:
                first = positions[name]
                self.stream.duplicates.append(DuplicateKey(
                    str(name), pos[0], pos[1], first[0], first[1], self.document))
            mapping[name] = self.build(value_node)
            positions[name] = pos
        mapping.key_pos = positions
        # Merge keys (`<<: *defaults`): the mapping's own keys win, then earlier sources win.
        # Building a source counts its keys as an expansion, so copying them stays in budget.
        for source_node in merges:
            sources = self.build(source_node)
            for source in sources if isinstance(sources, Seq) else [sources]:
                if isinstance(source, Map):
                    for name, value in source.items():
                        if name not in positions:
                            mapping[name] = value
                            positions[name] = source.key_pos[name]
        return mapping


def _at(node: Any, message: str, limit: str | None = None) -> YamlProblem:
    mark = node.start_mark
    return YamlProblem(message, mark.line + 1, mark.column + 1, limit)


def _depth_bound(text: str) -> int:
    """A cheap upper bound on how deeply `text` can nest collections: block nesting needs a
    growing column (a flush sequence under a key shares its parent's), flow nesting a bracket.
    Taken per document: a stream of thousands of documents would otherwise add up their
    brackets and pay for the exact count, a second pass over all of it. A `---` or `...` line
    ends whatever libyaml was scanning, so no nesting goes across one (it starts or ends a
    document, or it is a syntax error)."""
    bound = 0
    for part in _DOCUMENT_START.split(text):
        brackets = part.count("[") + part.count("{")
        longest = max(map(len, part.split("\n"))) if part else 0
        bound = max(bound, 2 * brackets + 2 * (longest + 1))
    return bound


def _exact_depth(text: str, limit: int) -> tuple[int, int, int] | None:
    """Walk the event stream (iterative in libyaml) and return the position where nesting
    first exceeds `limit`, or None. Parse errors are left to the composer."""
    parser = _Composer(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return None
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    return depth, mark.line + 1, mark.column + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return None


def _problem_from(error: Exception, text: str, first_line: int = 0) -> YamlProblem:
    """The problem `error` describes; `first_line`: how many lines of the file precede `text`
    (a message names a line of the file)."""
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        context = error.context
        if context and error.context_mark is not None and error.problem_mark is not None:
            context += (f" started at line {first_line + error.context_mark.line + 1}, "
                        f"column {error.context_mark.column + 1}")
        parts = [p for p in (context, error.problem) if p]
        message = ": ".join(parts) if parts else str(error)
        if mark is None:
            return YamlProblem(message, 1, 1)
        line, column = mark.line + 1, mark.column + 1
    else:
        # ReaderError (a character YAML does not allow) gives a character offset.
        position = getattr(error, "position", None)
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if not (isinstance(position, int) and 0 <= position <= len(text)):
            return YamlProblem(message, 1, 1)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
    return YamlProblem(message, line, column)


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """The position, moved inside the text: libyaml reports an error at the end of a text that
    lacks a final newline on the line after it."""
    lines = text.count("\n") + 1
    if line > lines:
        return lines, len(text) - text.rfind("\n")
    return max(line, 1), max(column, 1)


def _character_at(text: str, line: int, column: int) -> str:
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    return text[start + column - 1:start + column]


def parse_stream(text: str, max_depth: int = DEFAULT_MAX_DEPTH,
                 max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION) -> ParsedStream:
    """Parse every document of `text`. Documents before a syntax error (or a refused document)
    are kept; the error is in `problem`. Empty documents come back as None.

    libyaml reads nearly everything. The one valid construct the version it is built with
    (0.1.x) refuses is a `:` inside a plain scalar of a flow collection (`args: [--listen=:80]`,
    `scopes: [read:hub]`), which YAML 1.2 and Kubernetes accept: that document is read again
    by ruamel.yaml's pure-Python composer, and libyaml goes on after it."""
    stream = _parse_libyaml(text, max_depth, max_alias_expansion)
    if stream.problem is None or not stream.problem.message.endswith(_FLOW_COLON):
        return stream
    rereader = _FlowColonRereader(text, max_depth, max_alias_expansion)
    while stream.problem is not None and stream.problem.message.endswith(_FLOW_COLON):
        if not rereader.reread(stream):
            if rereader.spent:
                stream.problem.message += (
                    f" (wslint reads documents with ':' inside a plain scalar of a flow "
                    f"collection only up to {MAX_FLOW_COLON_DOCUMENTS} documents and "
                    f"{MAX_FLOW_COLON_BYTES // 1024 // 1024} MiB a file: quote the value)")
            break
    return stream


def parse_part(text: str, lines_before: int, max_depth: int = DEFAULT_MAX_DEPTH,
               max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION) -> ParsedStream:
    """`parse_stream` of part of a text: whole documents (from a `---` line) that `lines_before`
    lines precede, their positions counted as lines of the whole text. Lines must break at LF
    or CRLF only (see `other_line_breaks`)."""
    stream = _read_simple(text, max_depth, max_alias_expansion, lines_before)
    if stream is None:
        stream = parse_stream(text, max_depth, max_alias_expansion)
        if lines_before:
            _move_positions(stream, lambda line, column: (line + lines_before, column), True)
    return stream


# What libyaml 0.1.x says about a `:` in a flow collection's plain scalar.
_FLOW_COLON = "found unexpected ':'"
# How many such documents a file may have read again, and how many bytes: the pure-Python
# composer is some 15 times slower than libyaml.
MAX_FLOW_COLON_DOCUMENTS = 1000
MAX_FLOW_COLON_BYTES = 2 * 1024 * 1024
# After such a document, libyaml reads on this much at a time (to the next document marker).
_WINDOW = 64 * 1024


class _FlowColonRereader:
    """Reads the documents libyaml refused for a flow colon again with the pure-Python
    composer, and has libyaml read on after each."""

    def __init__(self, text: str, max_depth: int, max_alias_expansion: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.max_alias_expansion = max_alias_expansion
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.start = 0  # where the part of the text the stream's problem is in begins
        self.documents_left = MAX_FLOW_COLON_DOCUMENTS
        self.bytes_left = MAX_FLOW_COLON_BYTES
        self.spent = False  # whether the budget stopped the reading

    def reread(self, stream: ParsedStream) -> bool:
        """Read the document holding `stream.problem`, and what follows it, into `stream`;
        False (`stream` unchanged) when it does not read that way either or the budget is spent."""
        text, problem = self.text, stream.problem
        if problem.line > len(self.line_starts):
            return False
        offset = self.line_starts[problem.line - 1] + problem.column - 1
        begin = self.start
        for marker in _DOCUMENT_START.finditer(text, self.start, offset):
            begin = marker.start()
        after = _DOCUMENT_START.search(text, offset)
        end = after.start() if after else len(text)
        if self.documents_left <= 0 or end - begin > self.bytes_left:
            self.spent = True
            return False
        document = _parse_pure(text[begin:end], self.max_depth, self.max_alias_expansion,
                               self._line(begin))
        if document.problem is not None:
            return False
        self.documents_left -= 1
        self.bytes_left -= end - begin
        stream.problem = None
        self._append(stream, document, begin)
        self._read_on(stream, end)
        return True

    def _read_on(self, stream: ParsedStream, position: int) -> None:
        """libyaml reads the text from `position` a window at a time (up to a document marker),
        so that each document read again costs its own size, not the rest of the file's."""
        text = self.text
        while position < len(text):
            after = _DOCUMENT_START.search(text, min(position + _WINDOW, len(text)))
            window_end = after.start() if after else len(text)
            part = _parse_libyaml(text[position:window_end], self.max_depth,
                                  self.max_alias_expansion, self._line(position))
            if part.problem is not None and window_end < len(text) \
                    and not part.problem.message.endswith(_FLOW_COLON):
                # A window may end where a directive line (`%YAML`) is cut from its document:
                # the rest read whole says what is really wrong.
                part = _parse_libyaml(text[position:], self.max_depth, self.max_alias_expansion,
                                      self._line(position))
            self._append(stream, part, position)
            self.start = position
            if part.problem is not None:
                return
            position = window_end

    def _line(self, offset: int) -> int:
        """How many lines precede `offset`."""
        return bisect.bisect_right(self.line_starts, offset) - 1

    def _append(self, stream: ParsedStream, part: ParsedStream, offset: int) -> None:
        """Add `part`, read from `offset` (a line start) of the text, to `stream`."""
        shift = self._line(offset)
        if shift:
            _move_positions(part, lambda line, column: (line + shift, column), True)
        first = len(stream.documents)
        stream.documents += part.documents
        stream.complex_keys += part.complex_keys
        stream.duplicates += [d._replace(document=d.document + first) for d in part.duplicates]
        stream.problem = part.problem


class _PureComposer(SafeLoader):
    """ruamel.yaml's pure-Python reader, scanner, parser and composer, with tags deferred as in
    `_Composer` and nodes shaped as libyaml's (a plain scalar's style is "")."""

    def __init__(self, text: str, max_depth: int) -> None:
        super().__init__(text)
        self.max_depth = max_depth  # the composer refuses deeper nesting (it is recursive)
        self.warn_double_anchors = False

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Tag:
        return _UNRESOLVED_TAG

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def compose_scalar_node(self, anchor: Any) -> Any:
        node = super().compose_scalar_node(anchor)
        if node.style is None:
            node.style = ""
        return node


def _build_documents(stream: ParsedStream, composer: Any, max_depth: int,
                     max_alias_expansion: int) -> None:
    """Compose each document and build it into `stream`; a refused document is its problem.
    The composer's own errors (YAMLError) are the caller's to place."""
    try:
        while composer.check_node():
            node = composer.get_node()
            builder = _Builder(stream, len(stream.documents), max_depth, max_alias_expansion)
            stream.documents.append(None if node is None else builder.build(node))
    except _Refused as refusal:
        stream.problem = refusal.problem


def _read_simple(text: str, max_depth: int, max_alias_expansion: int,
                 lines_before: int = 0) -> ParsedStream | None:
    """The stream of `text` built straight from libyaml's events, or None when the text is not
    of the kind this handles, which `_Builder` does: collections as keys (and aliases as keys),
    merge keys whose value is not an alias, anything the limits refuse, line breaks other than
    LF and CRLF, or any error. Those go to the composer and `_Builder`, which give the same
    result for the rest; this way makes no node objects and walks nothing twice, and is what
    nearly every manifest takes."""
    if other_line_breaks(text):
        return None
    with tuple_events(starts_no_thread=True) as ready:
        if not ready:
            return None
        parser = CParser(text)
        try:
            return _build_simple(parser.get_event, max_depth, max_alias_expansion, lines_before)
        except Exception:
            return None  # the composer says what is wrong, and where
        finally:
            parser.dispose()


_MERGE = object()  # the key of a merge (`<<`) whose value is being read


def _build_simple(get_event: Any, max_depth: int, max_expansion: int,
                  lines_before: int) -> ParsedStream | None:
    """See `_read_simple`. As `_Builder` does, it measures what aliases would expand each
    document to (`nodes` counted as there, each anchored collection's shape taken when it
    ends), but where a limit would refuse the document it gives up instead."""
    line_base = lines_before + 1  # libyaml counts lines from 0
    stream = ParsedStream()
    documents, duplicates = stream.documents, stream.duplicates
    lookup, cache, resolve = PLAIN_VALUES.get, PLAIN_VALUES, resolve_plain
    new_map, new_seq = Map, Seq
    # The collection being filled and its positions (key_pos or item_pos), in `mode`: 0 at the
    # document's top, 1 a mapping before a key, 2 a mapping before the value of `key` (or of a
    # merge), 3 a sequence. A block mapping is placed at its first key: `first` says it has
    # none yet, and `fix` is the item_pos of the sequence it is the last item of. `merges`:
    # the mapping's merge sources; `anchored`: its entry in `anchors` if it has an anchor.
    node = positions = key = root = fix = merges = anchored = None
    mode, first, depth = 0, False, 0
    stack: list[tuple] = []
    # Per document: anchors (collections as [object, shape or None while being read], scalars
    # as (value, position)), and the expansion measures of `_Builder`.
    anchors: dict[str, Any] = {}
    nodes = expansion = deepest = 0
    while True:
        event = get_event()
        code = event[0]
        if code == 0:  # SCALAR
            _, anchor, tag, value, mark, style = event
            if tag is None or tag == "!":
                if style == "":
                    if mode == 1 and value == "<<":
                        if anchor is not None:
                            return None
                        nodes += 2
                        if first:
                            node.line, node.column = at = (mark.line + line_base, mark.column + 1)
                            if fix is not None:
                                fix[-1] = at
                            first = False
                        if merges is None:
                            merges = []
                        key = _MERGE
                        mode = 2
                        continue
                    resolved = lookup(value, cache)
                    value = resolve(value) if resolved is cache else resolved
            else:
                value = tagged_scalar(str(Tag(suffix=tag)), value)
            if anchor is not None:
                if anchor in anchors:
                    return None  # the composer's error
                anchors[anchor] = (value, (mark.line + line_base, mark.column + 1))
            if mode == 2:
                if key is _MERGE:
                    return None  # a merge of a scalar: the composer's way
                node[key] = value
                mode = 1
            elif mode == 1:
                nodes += 2
                at = (mark.line + line_base, mark.column + 1)
                if first:
                    node.line, node.column = at
                    if fix is not None:
                        fix[-1] = at
                    first = False
                if value in positions:
                    earlier = positions[value]
                    duplicates.append(DuplicateKey(str(value), at[0], at[1],
                                                   earlier[0], earlier[1], len(documents)))
                positions[value] = at
                key = value
                mode = 2
            elif mode == 3:
                nodes += 1
                node.append(value)
                positions.append((mark.line + line_base, mark.column + 1))
            else:
                root = value
        elif event is END:
            if merges:
                _merge(node, merges)
            if anchored is not None:
                anchored[1] = (nodes - stack[-1][8], deepest - depth + 1)
            done_deepest = deepest
            node, positions, mode, key, first, fix, merges, anchored, _, deepest = stack.pop()
            if done_deepest > deepest:
                deepest = done_deepest
            if mode == 2:
                mode = 1
            depth -= 1
        elif code == 1 or code == 2:  # MAPPING_START, SEQUENCE_START
            _, anchor, tag, flow_style, mark = event
            if mode == 1 or mode == 2 and key is _MERGE:
                return None  # a collection as a key, or merged where it is written
            depth += 1
            if depth > max_depth:
                return None
            if code == 1:
                new = new_map()
                new.key_pos = new_positions = {}
            else:
                new = new_seq()
                new.item_pos = new_positions = []
            at = new.line, new.column = mark.line + line_base, mark.column + 1
            if mode == 2:
                node[key] = new
            elif mode == 3:
                nodes += 1
                node.append(new)
                positions.append(at)
            else:
                root = new
            stack.append((node, positions, mode, key, first, fix, merges, anchored, nodes,
                          deepest))
            first = code == 1 and flow_style is not True
            fix = positions if first and mode == 3 else None
            node, positions, mode = new, new_positions, 1 if code == 1 else 3
            merges = None
            deepest = depth
            if anchor is None:
                anchored = None
            elif anchor in anchors:
                return None  # the composer's error
            else:
                anchored = anchors[anchor] = [new, None]
        elif event is DOCUMENT_END:
            documents.append(root)
            root = None
            anchors.clear()
            nodes = expansion = deepest = 0
        elif event is STREAM_END:
            return stream
        elif code == ALIAS:
            entry = anchors.get(event[1])
            if entry is None or mode == 1 or mode == 0:
                return None  # the composer's error, or an alias as a key
            if type(entry) is tuple:  # a scalar
                if mode == 3:
                    nodes += 1
                    node.append(entry[0])
                    positions.append(entry[1])
                elif key is _MERGE:
                    return None
                else:
                    node[key] = entry[0]
                    mode = 1
                continue
            value, shape = entry
            if shape is None:
                return None  # an alias inside its own anchor: `_Builder` refuses it
            below, height = shape
            nodes += below
            expansion += below
            if depth + height > deepest:
                deepest = depth + height
            if expansion > max_expansion or depth + height > max_depth:
                return None  # refused: `_Builder` says where
            if mode == 3:
                nodes += 1
                node.append(value)
                positions.append((value.line, value.column))
            elif key is _MERGE:
                merges.append(value)
                mode = 1
            else:
                node[key] = value
                mode = 1


def _merge(mapping: Map, sources: list) -> None:
    """Merge keys (`<<: *defaults`), as `_Builder` applies them once the mapping's own keys are
    read: those win, then earlier sources win."""
    positions = mapping.key_pos
    for merged in sources:
        for source in merged if isinstance(merged, Seq) else [merged]:
            if isinstance(source, Map):
                for name, value in source.items():
                    if name not in positions:
                        mapping[name] = value
                        positions[name] = source.key_pos[name]


def _parse_pure(text: str, max_depth: int, max_alias_expansion: int,
                first_line: int = 0) -> ParsedStream:
    stream = ParsedStream()
    try:
        _build_documents(stream, _PureComposer(text, max_depth), max_depth, max_alias_expansion)
    except YAMLError as error:
        stream.problem = _problem_from(error, text, first_line)
    lines = _line_mapper(text)
    if lines is not _same_lines:
        _move_positions(stream, lines, True)
    return stream


def _parse_libyaml(text: str, max_depth: int, max_alias_expansion: int,
                   first_line: int = 0) -> ParsedStream:
    stream = ParsedStream()
    max_depth = min(max_depth, MAX_DEPTH_CEILING)
    if not text.strip(" \t\r\n"):
        return stream  # blank: no documents (libyaml would take a tab here for indentation)
    simple = _read_simple(text, max_depth, max_alias_expansion)
    if simple is not None:
        return simple
    lines = _line_mapper(text)
    if _depth_bound(text) > max_depth:
        too_deep = _exact_depth(text, max_depth)
        if too_deep is not None:
            _, line, column = too_deep
            stream.problem = YamlProblem(
                f"nesting deeper than {max_depth} levels; not parsed (limit: max-depth)",
                *lines(line, column), limit="max-depth")
            return stream
    needed = 4 * max_depth + 1000
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)
    composer = _Composer(text)
    stopped_at = None  # where the reader met a character YAML does not allow
    try:
        _build_documents(stream, composer, max_depth, max_alias_expansion)
    except YAMLError as error:
        stream.problem = _problem_from(error, text, first_line)
        position = getattr(error, "position", None)
        if not isinstance(error, MarkedYAMLError) and isinstance(position, int):
            stopped_at = position  # its line and column count lines by "\n" already
    finally:
        composer.dispose()
    if lines is not _same_lines:
        _move_positions(stream, lines, stopped_at is None)
    if stream.problem is not None:
        problem = stream.problem
        problem.line, problem.column = _inside(text, problem.line, problem.column)
        at = _character_at(text, problem.line, problem.column)
        if at == "\t" and "tab" not in problem.message:
            problem.message += " (a tab: YAML indents with spaces only)"
    if stopped_at is not None:
        _keep_documents_before(stream, text, stopped_at, max_depth, max_alias_expansion)
    return stream


_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def other_line_breaks(text: str) -> bool:
    """Whether `text` breaks lines other than by LF and CRLF: YAML 1.1 also breaks them at a
    lone CR, NEL, LS and PS, and libyaml counts lines by those, editors and reports by "\n"."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return True
    return "\x85" in text or "\u2028" in text or "\u2029" in text


def _same_lines(line: int, column: int) -> tuple[int, int]:
    return line, column


def _line_mapper(text: str):
    """A function from libyaml's (line, column) to lines counted by "\n" (the identity when the
    text has no other line breaks, as nearly every file)."""
    if not other_line_breaks(text):
        return _same_lines
    yaml_starts = [0] + [m.end() for m in _YAML_BREAKS.finditer(text)]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def lines(line: int, column: int) -> tuple[int, int]:
        offset = yaml_starts[min(line, len(yaml_starts)) - 1] + column - 1
        index = bisect.bisect_right(starts, offset)
        return index, offset - starts[index - 1] + 1

    return lines


def _move_positions(stream: ParsedStream, lines: Any, problem_too: bool) -> None:
    """Recount every position of the stream with `lines`."""
    seen: set[int] = set()
    todo = [d for d in stream.documents if isinstance(d, (Map, Seq))]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.line, node.column = lines(node.line, node.column)
        if isinstance(node, Map):
            node.key_pos = {key: lines(*pos) for key, pos in node.key_pos.items()}
            todo += [value for value in node.values() if isinstance(value, (Map, Seq))]
        else:
            node.item_pos = [lines(*pos) for pos in node.item_pos]
            todo += [value for value in node if isinstance(value, (Map, Seq))]
    stream.complex_keys = [lines(*pos) for pos in stream.complex_keys]
    stream.duplicates = [d._replace(**dict(zip(("line", "column"), lines(d.line, d.column))),
                                    **dict(zip(("first_line", "first_column"),
                                               lines(d.first_line, d.first_column))))
                         for d in stream.duplicates]
    if problem_too and stream.problem is not None:
        stream.problem.line, stream.problem.column = lines(stream.problem.line,
                                                           stream.problem.column)


_DOCUMENT_START = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.M)


def document_boundary(text: str, offset: int) -> int:
    """Where the last document marker line (`---` or `...`) before `offset` starts; 0 if none."""
    last = 0
    for marker in _DOCUMENT_START.finditer(text, 0, offset):
        last = marker.start()
    return last


def _keep_documents_before(stream: ParsedStream, text: str, position: int, max_depth: int,
                           max_alias_expansion: int) -> None:
    """libyaml checks characters a buffer at a time, so a character it refuses (a NUL) can stop
    the stream before the documents ahead of it were read: read those again, up to the document
    marker before the character, as a syntax error would have left them."""
    cut = document_boundary(text, position)
    if cut and not stream.documents:
        before = parse_stream(text[:cut], max_depth, max_alias_expansion)
        if before.problem is None:
            stream.documents, stream.duplicates = before.documents, before.duplicates
            stream.complex_keys = before.complex_keys


def walk_path(root: Any, path: tuple) -> Iterator[tuple[Any, tuple[int, int] | None]]:
    """Yield (value, position of the key or item that holds it) along `path` while it exists."""
    node = root
    for step in path:
        if isinstance(node, Map):
            if step not in node:
                return
            pos = node.key_pos.get(step)
        elif isinstance(node, Seq) and type(step) is int and 0 <= step < len(node):
            pos = node.item_pos[step]
        else:
            return
        node = node[step]
        yield node, pos


def locate(root: Any, path: tuple) -> tuple[int, int]:
    """The 1-based position a finding about `path` should point at: the key (or list item) of the
    deepest part of the path that exists. A missing field thus points at the key of its nearest
    existing parent, and a missing container field at the container's first key."""
    best = (root.line, root.column) if isinstance(root, (Map, Seq)) else (1, 1)
    for _value, pos in walk_path(root, path):
        if pos is not None:
            best = pos
    return best
