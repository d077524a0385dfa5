"""Edits placed on the original lines from the positions the parse kept: every key and item of a
`wslint.load.yamltree` document knows its line and column, so a changed value is rewritten on its
own line and new keys go after the last line of their mapping, written in the document's style:
its indentation (voted as `scan` votes), quoting (`edit.string_quote`) and line endings.

These are the lines ruamel.yaml's round trip and the patcher (`patch`) write, by the same rules,
without reading the document again (the round trip costs some 8 ms a document). Where the
positions cannot place an edit with that certainty (a flow mapping, an anchor, alias, tag or
merge key, a value over several lines, a layout the votes do not describe, a comment after the
new lines that is deeper than they are), `Unplaceable` says so and the document goes through the
round trip instead."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from wslint.fix.edit import same_value, string_quote
from wslint.fix.scan import Indentation, scan
from wslint.load.yamltree import Map, Seq, resolve_plain
from wslint.model import Edit, EditOp


class Unplaceable(Exception):
    """An edit the positions cannot place as the round trip would: the round trip places it."""


# Keys and plain strings written as they are (block context).
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
# Printable ASCII but `#`, starting with a letter, `_`, `/`, `$`, or `-` before a letter or `-`.
_PLAIN_TEXT = re.compile(r"(?:[A-Za-z_/$]|-[A-Za-z-])[\x20-\x22\x24-\x7e]*")
_PLAIN_WORD = re.compile(r"[A-Za-z_/][A-Za-z0-9_./=+-]*")  # also inside a flow collection
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_QUANTITY = re.compile(r"[0-9]+(?:\.[0-9]+)?[A-Za-z]+")  # 256Mi, 100m, 3600s: strings
# Plain words YAML 1.1 and 1.2 read differently (or as no string): left to the round trip.
_AMBIGUOUS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_DOUBLE = re.compile(r'"[ !#-\[\]-~]*"')  # printable ASCII without `"` and `\`
_SINGLE = re.compile(r"'(?:[ -&(-~]|'')*'")
# Tags, which change what a value is (anchors, aliases and merge keys are checked where an edit
# goes).
_ALIAS = re.compile(r"\*[A-Za-z0-9_.-]+")
_TAGS = re.compile(r"(?:^|[\s\[{,])![^\s,\[\]{}]")


@dataclass
class _Scalar:
    value: Any
    quote: str | None


class _NewMap(dict):
    """A mapping an edit adds: key -> _Scalar, _NewMap or list of _Scalar."""


@dataclass
class _Addition:
    """New keys of an existing mapping, written after `after` (the line of its last scalar) at
    `column` (its keys' column), which ruamel.yaml's dump has at `dumped`."""

    mapping: Map
    depth: int
    column: int
    dumped: int
    after: int
    order: int
    keys: _NewMap = field(default_factory=_NewMap)


class Placer:
    """One document's edits, placed on its lines. `lines`: the document's (content, ending)
    lines, the first of which is line `first` of the file (0-based); `document`: it as parsed,
    with positions; `ending`: the line ending of new lines."""

    def __init__(self, lines: list[tuple[str, str]], first: int, document: Any,
                 ending: str) -> None:
        text = "\n".join(line for line, _ in lines)
        if not isinstance(document, Map) or document.column != 1 or self._flow(document, lines,
                                                                               first):
            raise Unplaceable("the document is not a block mapping at the left margin")
        # (Searched in the joined lines at once: a line break is the space a tag follows.)
        if "\t" in text or _TAGS.search(text) or text.startswith(("...", "%")) \
                or "\n..." in text or "\n%" in text:
            raise Unplaceable("tabs, tags or directives")
        # A merge key (`<<: *base`) puts the keys it merges in the mapping, with positions where
        # they are written: such a mapping is left to the round trip, and the votes are counted
        # on the document's nodes, where the merge key is an entry of its own.
        self.merges = "<<" in text
        self.lines = lines
        self.first = first
        self.document = document
        self.ending = ending
        self.edits: list[Edit] = []
        self.replaced: dict[int, tuple[str, Any, str | None]] = {}  # line: content, value, quote
        self.additions: dict[int, _Addition] = {}  # id of the mapping
        self._indentation: Indentation | None = None

    # --- the edits ----------------------------------------------------------------------------

    def apply(self, edit: Edit, prefix: tuple = ()) -> bool:
        """Place one edit (at `prefix` + its path from the document: `("items", 3)` for an
        item of a List); True when it changes something. Unplaceable: nothing was placed."""
        if edit.op is not EditOp.SET:
            raise Unplaceable("only `set` is placed")
        *steps, last = prefix + tuple(edit.path)
        node: Any = self.document
        parents: list[tuple[Any, Any]] = []
        index = 0
        while index < len(steps):
            step = steps[index]
            if isinstance(node, _NewMap):
                if step not in node:
                    break
                node = node[step]
                if not isinstance(node, _NewMap):
                    raise Unplaceable("the path goes through a value an edit added")
            elif isinstance(node, Map):
                if step in node:
                    child = node[step]
                    if not isinstance(child, (Map, Seq)):
                        raise Unplaceable("the path goes through a scalar")
                    parents.append((node, step))
                    node = child
                else:
                    added = self.additions.get(id(node))
                    if added is None or step not in added.keys:
                        break
                    node = added.keys[step]
                    if not isinstance(node, _NewMap):
                        raise Unplaceable("the path goes through a value an edit added")
            elif isinstance(node, Seq) and type(step) is int and 0 <= step < len(node):
                parents.append((node, step))
                node = node[step]
            else:
                raise Unplaceable("the path goes through something else than a mapping")
            index += 1
        missing = steps[index:]
        if not all(type(step) is str for step in missing + [last]) or not isinstance(
                node, dict):
            raise Unplaceable("the path does not lead to a mapping key")
        value = edit.value
        if isinstance(node, _NewMap):
            changed = self._set_new(node, missing, last, value)
        elif missing or last not in node:
            changed = self._add(node, parents, missing, last, value)
        else:
            changed = self._replace(node, parents, last, value)
        self.edits.append(edit)
        return changed

    def _set_new(self, node: _NewMap, missing: list[str], last: str, value: Any) -> bool:
        """Set a key of a mapping an edit added."""
        for step in missing:
            node = node.setdefault(step, _NewMap())
        current = node.get(last)
        if current is not None and same_value(_plain(current), value):
            return False
        if current is not None and not isinstance(current, _Scalar):
            raise Unplaceable("the edit replaces a collection an edit added")
        siblings = [v.quote for v in node.values() if isinstance(v, _Scalar)
                    and isinstance(v.value, str)]
        node[last] = _new(value, siblings, current.quote if current is not None else None)
        return True

    def _add(self, mapping: Map, parents: list[tuple[Any, Any]], missing: list[str],
             last: str, value: Any) -> bool:
        """Add a key (with the missing mappings on its way) to an existing mapping: after its
        last line, at the column of its keys."""
        addition = self.additions.get(id(mapping))
        if addition is None:
            if self._flow(mapping):
                raise Unplaceable("a flow mapping")
            dumped = self._check_layout(mapping, parents)
            end = self._next_line(parents)
            addition = _Addition(mapping, len(parents), mapping.column - 1, dumped,
                                 self._last_line(mapping, end), len(self.additions))
            self._check_after(addition, end)
            self.additions[id(mapping)] = addition
        for step in missing:
            _key(step)
        _key(last)
        current = addition.keys.get(last) if not missing else None
        if current is not None:  # added by an earlier edit
            if same_value(_plain(current), value):
                return False
            if not isinstance(current, _Scalar):
                raise Unplaceable("the edit replaces a collection an edit added")
            addition.keys[last] = _new(value, self._quotes(mapping), current.quote)
        elif missing:
            branch = addition.keys.setdefault(missing[0], _NewMap())
            for step in missing[1:]:
                branch = branch.setdefault(step, _NewMap())
            branch[last] = _new(value, [], None)
        else:
            addition.keys[last] = _new(value, self._quotes(mapping), None)
        return True

    def _replace(self, mapping: Map, parents: list[tuple[Any, Any]], key: str,
                 value: Any) -> bool:
        """Write a new value on the line of an existing key."""
        if self._flow(mapping):
            raise Unplaceable("a flow mapping")
        self._check_path(parents)
        self._check_merges(mapping)
        number = self._index(mapping.key_pos[key][0])
        text = self.lines[number][0]
        column = mapping.key_pos[key][1] - 1
        lead, token, comment_at = _entry(text, column, key)
        style = self.indentation if "-" in lead else None
        if style is not None and len(lead) - lead.index("-") != style.sequence - style.offset:
            # The round trip writes the dash line with the document's spacing after the dash.
            raise Unplaceable("a sequence item spaced unlike the document")
        if number in self.replaced:
            _, current, quote = self.replaced[number]
        else:
            current, quote = _read(token, mapping[key])
        if same_value(current, value):
            return False
        if isinstance(value, (dict, list)) or isinstance(current, (Map, Seq)):
            raise Unplaceable("a collection")
        new_quote = string_quote(value, quote, self._quotes(mapping)) \
            if isinstance(value, str) else None
        content = f"{text[:column]}{key}: {_token(value, new_quote)}"
        if comment_at is not None:
            comment = text[comment_at:].rstrip()
            gap = comment_at - len(text[:comment_at].rstrip())
            content += " " * max(gap, comment_at - len(content)) + comment
        self.replaced[number] = (content, value, new_quote)
        return True

    # --- where new lines go -------------------------------------------------------------------

    def _check_layout(self, mapping: Map, parents: list[tuple[Any, Any]]) -> int:
        """The column at which ruamel.yaml writes the mapping's keys with the document's
        indentation. The patcher moves the new lines to the original's columns by how far the
        mapping's last key moved; its own structure must be one the round trip keeps: block
        collections, and sequence items that are mappings starting on their dash's line."""
        style = self.indentation
        if style.sequence - style.offset < 2:
            raise Unplaceable("sequence items closer to their dash than a space")
        self._check_path(parents)
        column = 0  # where ruamel.yaml writes the keys of the node reached
        for parent, step in parents:
            child = parent[step]
            if self._flow(child):
                raise Unplaceable("a flow collection on the way")
            if isinstance(parent, Map):
                if not isinstance(child, (Map, Seq)):
                    raise Unplaceable("the path goes through a scalar")
                column += style.mapping if isinstance(child, Map) else style.offset
            else:
                if not isinstance(child, Map):
                    raise Unplaceable("a sequence item that is not a mapping")
                dash = parent.column - 1
                line = self.lines[self._index(parent.item_pos[step][0])][0]
                if line[dash:dash + 1] != "-" or line[:dash].strip():
                    raise Unplaceable("a sequence item whose first key is not on its dash's line")
                if child is mapping and len(mapping) == 1 \
                        and child.column - 1 - dash != style.sequence - style.offset:
                    # Its only key is on the dash's line: new keys go where the dash puts them.
                    raise Unplaceable("a sequence item spaced unlike the document")
                column += style.sequence - style.offset
        return column

    def _next_line(self, parents: list[tuple[Any, Any]]) -> int:
        """The line of the next key or item after the mapping (of it or of one around it), or
        the end of the document."""
        for parent, step in reversed(parents):
            if isinstance(parent, Map):
                keys = list(parent)
                position = keys.index(step)
                if position + 1 < len(keys):
                    return self._index(parent.key_pos[keys[position + 1]][0])
            elif step + 1 < len(parent):
                return self._index(parent.item_pos[step + 1][0])
        return len(self.lines)

    def _check_merges(self, mapping: Map) -> None:
        """No merge key in the mapping (its own lines, down to the first line left of its
        keys)."""
        if not self.merges:
            return
        column = mapping.column - 1
        first = self._index(mapping.line)
        for number in range(first, len(self.lines)):
            text = self.lines[number][0]
            if number > first and text.strip() and len(text) - len(text.lstrip(" ")) < column:
                return
            if text.startswith("<<", column):
                raise Unplaceable("a merge key")

    def _check_path(self, parents: list[tuple[Any, Any]]) -> None:
        """No anchor, alias, tag or merge key on the way: an edit there changes every place
        that uses it (the round trip refuses it, and says why)."""
        for parent, step in parents:
            if isinstance(parent, Map):
                self._check_merges(parent)
            if isinstance(parent, Map):
                line = self.lines[self._index(parent.key_pos[step][0])][0]
                _, token, _ = _entry(line, parent.key_pos[step][1] - 1, step)
                if token[:1] in ("&", "*", "!"):
                    raise Unplaceable("an anchor, alias or tag")
            else:
                line = self.lines[self._index(parent.item_pos[step][0])][0]
                dash = parent.column - 1
                if line[dash:dash + 1] != "-" or line[dash + 1:parent.item_pos[step][1] - 1].strip():
                    raise Unplaceable("an anchor, alias or tag, or an item off its dash")

    def _last_line(self, mapping: Map, end: int) -> int:
        """The last line of the mapping's last scalar (its deepest last key or item), checked to
        be written the way ruamel.yaml writes it."""
        node: Any = mapping
        while True:
            if isinstance(node, Map):
                self._check_merges(node)
                key = next(reversed(node))
                value = node[key]
                number = self._index(node.key_pos[key][0])
                _, token, _ = _entry(self.lines[number][0], node.key_pos[key][1] - 1, key)
                if isinstance(value, (Map, Seq)) and _ALIAS.fullmatch(token):
                    return number  # `key: *name`, written as it is
                if isinstance(value, (Map, Seq)) and value and not self._flow(value):
                    if token:
                        raise Unplaceable("an anchor or tag")
                    node = value
                    continue
                if token in ("|", "|-") and isinstance(value, str):
                    return self._block_scalar_end(number, node.key_pos[key][1] - 1, end)
                _read(token, value)
                return number
            item = node[-1]
            number = self._index(node.item_pos[-1][0])
            text = self.lines[number][0]
            dash = node.column - 1
            if text[:dash].strip() or text[dash:dash + 1] != "-":
                raise Unplaceable("a sequence item off its dash")
            if isinstance(item, Map) and not self._flow(item):
                if text[dash + 1:item.column - 1].strip():
                    raise Unplaceable("an anchor, alias or tag")
                node = item
                continue
            if isinstance(item, Seq) and not self._flow(item):
                raise Unplaceable("a sequence in a sequence")
            token, _ = _value_and_comment(text[dash + 1:].lstrip(" "), text)
            _read(token, item)
            return number

    def _block_scalar_end(self, number: int, column: int, end: int) -> int:
        """The last line of a literal block scalar (`|`, `|-`) whose key is on line `number` at
        `column`, when the next key follows it right away (trailing blank and comment lines are
        where ruamel.yaml and libyaml each draw the scalar's end)."""
        last = end - 1
        if last <= number or not self.lines[last][0].strip():
            raise Unplaceable("blank or comment lines after a block scalar")
        for text, _ in self.lines[number + 1:end]:
            if text.strip() and len(text) - len(text.lstrip(" ")) <= column:
                raise Unplaceable("a block scalar followed by something else")
        return last

    def _check_after(self, addition: _Addition, end: int) -> None:
        """Between the mapping's last line and the next key or item (of it or an enclosing
        one) there may be blank lines and comment lines, but no comment deeper than the new
        keys: ruamel.yaml keeps such comments with the last key, and where the new lines go
        among them depends on what it does with each."""
        if addition.after >= end:
            raise Unplaceable("the next key is not after the mapping")
        # Comments at or left of every new key's column (in the dump) are passed over wherever
        # ruamel.yaml puts them: the new lines go right after the last line.
        deepest = min([addition.dumped, *(other.dumped for other in self.additions.values()
                                           if other.after == addition.after)])
        for number in range(addition.after + 1, end):
            text = self.lines[number][0]
            stripped = text.lstrip(" ")
            if stripped and (not stripped.startswith("#") or len(text) - len(stripped) > deepest):
                raise Unplaceable("lines after the mapping that are not shallow comments")

    # --- the document -------------------------------------------------------------------------

    @property
    def indentation(self) -> Indentation:
        """The document's block style, by the votes `scan` counts, in the order it counts them."""
        if self._indentation is not None:
            return self._indentation
        if self.merges:
            self._indentation = scan("".join(line + "\n" for line, _ in self.lines)).indentation
            return self._indentation
        mapping_votes: Counter = Counter()
        sequence_votes: Counter = Counter()
        lines, first = self.lines, self.first
        # Whether each collection (by id) is written in flow style, as `_flow` says: asked of
        # a mapping's values and again of each mapping reached, in every document of a fix.
        flows: dict[int, bool] = {}
        seen: set[int] = set()
        stack: list[Any] = [self.document]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, Seq):
                stack += [item for item in node if isinstance(item, (Map, Seq))]
                continue
            flow = flows.get(id(node))
            if flow is None:
                flow = lines[node.line - 1 - first][0][node.column - 1:node.column] in ("{", "[")
            for key, value in node.items():
                if not isinstance(value, (Map, Seq)):
                    continue
                stack.append(value)
                if flow or not value:
                    continue
                value_flow = flows[id(value)] = \
                    lines[value.line - 1 - first][0][value.column - 1:value.column] in ("{", "[")
                if value_flow:
                    continue
                column = node.key_pos[key][1] - 1
                if isinstance(value, Map):
                    mapping_votes[value.column - 1 - column] += 1
                elif value.item_pos[0][0] == value.line:
                    sequence_votes[(value.item_pos[0][1] - 1 - column,
                                    value.column - 1 - column)] += 1
        mapping = max((m for m in mapping_votes if m > 0), key=lambda m: mapping_votes[m],
                      default=2)
        sequence, offset = max((v for v in sequence_votes if v[0] > v[1] >= 0),
                               key=lambda v: sequence_votes[v], default=(2, 0))
        self._indentation = Indentation(mapping, sequence, offset)
        return self._indentation

    def _index(self, line: int) -> int:
        """The index in `lines` of a 1-based line of the file."""
        return line - 1 - self.first

    def _flow(self, node: Any, lines: list[tuple[str, str]] | None = None,
              first: int | None = None) -> bool:
        lines = self.lines if lines is None else lines
        first = self.first if first is None else first
        text = lines[node.line - 1 - first][0]
        return text[node.column - 1:node.column] in ("{", "[")

    def _quotes(self, mapping: Map) -> list[str | None]:
        """The quotes of the mapping's strings, with what the edits wrote."""
        quotes = []
        for key, value in mapping.items():
            number = self._index(mapping.key_pos[key][0])
            if number in self.replaced:
                _, value, quote = self.replaced[number]
                if isinstance(value, str):
                    quotes.append(quote)
                continue
            if not isinstance(value, str) and value is not None:
                continue
            text = self.lines[number][0]
            _, token, _ = _entry(text, mapping.key_pos[key][1] - 1, key)
            if not token:
                if value is None:
                    continue
                raise Unplaceable("a string on the lines after its key")
            if token[0] in "&*!":
                raise Unplaceable("an anchor, alias or tag")
            quotes.append(token[0] if token[0] in "\"'" else None)
        addition = self.additions.get(id(mapping))
        if addition is not None:
            quotes += [v.quote for v in addition.keys.values()
                       if isinstance(v, _Scalar) and isinstance(v.value, str)]
        return quotes

    # --- the result ---------------------------------------------------------------------------

    def patched(self) -> list[tuple[str, str]]:
        """The document's lines with the edits."""
        after: dict[int, list[_Addition]] = {}
        for addition in self.additions.values():
            after.setdefault(addition.after, []).append(addition)
        lines, ending, last = self.lines, self.ending, len(self.lines) - 1
        output: list[tuple[str, str]] = []
        done = 0  # the lines before it are in the output
        kept_last = None  # where the last line went, where lines are added after it
        for number in sorted({*self.replaced, *after}):
            output += lines[done:number]
            if number in self.replaced:
                output.append((self.replaced[number][0], ending))
            else:
                kept_last = len(output) if number == last else None
                output.append(lines[number])
            # ruamel.yaml ends the deeper mapping before it adds to the one around it.
            for addition in sorted(after.get(number, ()), key=lambda a: (-a.depth, a.order)):
                output += [(line, ending) for line in self._render(addition)]
            done = number + 1
        output += lines[done:]
        # A last line without a line break (only the text's last line can lack one) stays last
        # or gets one, and the line after it then goes without.
        if lines and not lines[last][1]:
            if kept_last is not None and kept_last < len(output) - 1:
                output[kept_last] = (lines[last][0], ending)
            if output[-1][1]:
                output[-1] = (output[-1][0], "")
        return output

    def changed_comments(self) -> tuple[Counter, Counter]:
        """The comments of the lines the edits rewrote, before and after, and of the lines
        they added; every other line is the document's own, and reads the same when its
        values do (which the caller checks)."""
        before: Counter = Counter()
        after: Counter = Counter()
        for number, (content, _, _) in self.replaced.items():
            before[_comment_of(self.lines[number][0])] += 1
            after[_comment_of(content)] += 1
        for addition in self.additions.values():
            after.update(_comment_of(line) for line in self._render(addition))
        del before[None], after[None]
        return before, after

    def _render(self, addition: _Addition) -> Iterator[str]:
        for key, value in addition.keys.items():
            yield from self._entry_lines(key, value, addition.column)

    def _entry_lines(self, key: str, value: Any, column: int) -> Iterator[str]:
        style = self.indentation
        lead = " " * column
        if isinstance(value, _Scalar):
            yield f"{lead}{key}: {_token(value.value, value.quote)}"
        elif isinstance(value, _NewMap):
            if not value:
                yield f"{lead}{key}: {{}}"
                return
            yield f"{lead}{key}:"
            for child_key, child in value.items():
                yield from self._entry_lines(child_key, child, column + style.mapping)
        else:
            if not value:
                yield f"{lead}{key}: []"
                return
            yield f"{lead}{key}:"
            dash = " " * (column + style.offset) + "-" + " " * (style.sequence - style.offset - 1)
            for item in value:
                yield dash + _token(item.value, item.quote)


# --- one line -------------------------------------------------------------------------------------

def _key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise Unplaceable(f"a key ruamel.yaml may quote ({key!r})")


def _plain(node: Any) -> Any:
    """What an edit added, as the edit's own value."""
    if isinstance(node, _Scalar):
        return node.value
    if isinstance(node, dict):
        return {key: _plain(item) for key, item in node.items()}
    return [_plain(item) for item in node]


def _new(value: Any, siblings: list[str | None], replacing: str | None) -> Any:
    """An edit's value as the round trip styles it (`edit._Styler`), checked to be writable."""
    if isinstance(value, dict):
        result = _NewMap()
        for key, item in value.items():
            _key(key)
            result[key] = _new(item, [], None)
        return result
    if isinstance(value, list):
        items = [_new(item, [], None) for item in value]
        if not all(isinstance(item, _Scalar) for item in items):
            raise Unplaceable("a collection in a new list")
        return items
    quote = string_quote(value, replacing, siblings) if isinstance(value, str) else None
    _token(value, quote)
    return _Scalar(value, quote)


def _token(value: Any, quote: str | None) -> str:
    """How ruamel.yaml writes a scalar, for the scalars whose writing is certain."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if quote == '"':
            token = f'"{value}"'
            if _DOUBLE.fullmatch(token):
                return token
        elif quote == "'":
            token = "'" + value.replace("'", "''") + "'"
            if _SINGLE.fullmatch(token):
                return token
        elif (_PLAIN_WORD.fullmatch(value) or _QUANTITY.fullmatch(value)) \
                and value.lower() not in _AMBIGUOUS and isinstance(resolve_plain(value), str):
            return value
    raise Unplaceable(f"a value whose writing is not certain ({value!r})")


def _entry(text: str, column: int, key: str) -> tuple[str, str, int | None]:
    """A line `KEY: TOKEN  # COMMENT` (or `- KEY: ...`) with the key at `column`: what precedes
    the key, the value's text (empty if none) and where the comment starts."""
    lead = text[:column]
    if lead.strip() not in ("", "-") or not text.startswith(f"{key}:", column):
        raise Unplaceable("a line that is not one key and its value")
    _key(key)
    rest = text[column + len(key) + 1:]
    if rest and rest[0] != " ":
        raise Unplaceable("a key without a space after its colon")
    token, comment_at = _value_and_comment(rest.lstrip(" "), text)
    return lead, token, comment_at


def _value_and_comment(rest: str, text: str) -> tuple[str, int | None]:
    """The value at the start of `rest` (the end of `text`), and where a comment after it
    starts in `text`."""
    start = len(text) - len(rest)
    if not rest or rest.startswith("#"):
        return "", (start if rest else None)
    if rest[0] in "\"'":
        end = rest.find(rest[0], 1)
        while rest[0] == "'" and end + 1 < len(rest) and rest[end + 1:end + 2] == "'":
            end = rest.find("'", end + 2)
        if end < 0:
            raise Unplaceable("a quoted string over several lines")
        token, after = rest[:end + 1], rest[end + 1:]
    elif rest[0] in "[{":
        end = rest.find("]" if rest[0] == "[" else "}")
        if end < 0:
            raise Unplaceable("a flow collection over several lines")
        token, after = rest[:end + 1], rest[end + 1:]
    else:
        cut = rest.find(" #")
        token = (rest if cut < 0 else rest[:cut]).rstrip(" ")
        after = rest[len(token):]
    stripped = after.lstrip(" ")
    if not stripped:
        return token, None
    if not stripped.startswith("#") or stripped == after:
        raise Unplaceable("something after a value")
    return token, len(text) - len(stripped)


def _comment_of(text: str) -> str | None:
    """The comment of a line written as the placer writes lines (a key and its value, or a
    sequence item), read anew."""
    stripped = text.lstrip(" ")
    if stripped.startswith("-"):
        stripped = stripped[1:].lstrip(" ")
    key = _KEY.match(stripped)
    if key is not None and stripped.startswith(":", key.end()):
        stripped = stripped[key.end() + 1:].lstrip(" ")
    try:
        _, at = _value_and_comment(stripped, text)
    except Unplaceable:
        return "<unknown>"
    return None if at is None else text[at:].rstrip()


def _read(token: str, value: Any) -> tuple[Any, str | None]:
    """The value and quote of a token, checked to be `value` as both YAML 1.1 (Kubernetes) and
    ruamel.yaml (1.2) read it, and written as ruamel.yaml writes it."""
    if not token:
        if value is None:
            return None, None
        raise Unplaceable("a value on the lines after its key")
    if token[0] in "[{":
        items = token[1:-1].split(", ") if len(token) > 2 else []
        if token[0] == "[":
            written = [(None, item) for item in items]
            expected = [(None, item) for item in value] if isinstance(value, Seq) else None
        else:
            written = [tuple(item.split(": ", 1)) for item in items]
            expected = list(value.items()) if isinstance(value, Map) else None
        if expected is None or len(written) != len(expected) or any(
                len(pair) != 2 or (pair[0] is not None and not _KEY.fullmatch(pair[0]))
                or pair[0] != key or not same_value(_read_scalar(pair[1], _PLAIN_WORD)[0], item)
                for pair, (key, item) in zip(written, expected)):
            raise Unplaceable("a flow collection written otherwise")
        return value, None
    read, quote = _read_scalar(token, _PLAIN_TEXT)
    if not same_value(read, value):
        raise Unplaceable("a value over several lines, or read otherwise")
    return read, quote


def _read_scalar(token: str, plain: re.Pattern) -> tuple[Any, str | None]:
    if _DOUBLE.fullmatch(token):
        return token[1:-1], '"'
    if _SINGLE.fullmatch(token):
        return token[1:-1].replace("''", "'"), "'"
    if _INTEGER.fullmatch(token):
        return int(token), None
    if token in ("true", "false"):
        return token == "true", None
    if (plain.fullmatch(token) or _QUANTITY.fullmatch(token)) \
            and token.lower() not in _AMBIGUOUS and " #" not in token \
            and ": " not in token and not token.endswith(":") \
            and isinstance(resolve_plain(token), str):
        return token, None
    raise Unplaceable(f"a value written in a way not placed here ({token[:40]!r})")
