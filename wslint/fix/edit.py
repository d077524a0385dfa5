"""Edits (`wslint.model.Edit`: set, remove, append at a path of an object) on a tree: a round-trip
tree of ruamel.yaml, styled like its neighbours, or plain dicts and lists."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from wslint.fix.errors import FixError
from wslint.load.yamltree import resolve_plain
from wslint.model import Edit, EditOp


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
            quote = string_quote(value, _quote_of(replacing), _sibling_quotes(container))
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


def _sibling_quotes(container: Any) -> list[str | None]:
    values = container.values() if isinstance(container, dict) else container or ()
    return [_quote_of(v) for v in values if isinstance(v, str)]


def string_quote(value: str, replacing: str | None, siblings: Iterable[str | None]) -> str | None:
    """The quote (`"`, `'` or None: plain) of a string an edit writes: the quote of the string it
    replaces, else the most common one among the strings beside it, else a double quote where
    the plain scalar would not read back as this string."""
    quote = replacing
    if quote is None:
        styles = Counter(siblings)
        quoted = [(count, style) for style, count in styles.items() if style]
        quote = max(quoted)[1] if quoted else None
    if quote is None and (resolve_plain(value) != value or not _PLAIN.fullmatch(value)):
        quote = '"'
    return quote


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
        if same_value(node[last], edit.value):
            return False
        node[last] = style(edit.value, node, node[last])
        return True
    if not isinstance(node, dict):
        raise FixError(f"cannot edit {last!r}: its parent is not a mapping")
    current = node.get(last)
    if round_trip and _anchored(current):
        raise FixError(f"{last!r} has an anchor (&{current.anchor.value}) that other places may use")
    if edit.op is EditOp.SET:
        if last in node and same_value(current, edit.value):
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


def same_value(current: Any, value: Any) -> bool:
    """Whether a value in a tree already is `value` (a quoted "1.1" is "1.1"; `true` is not 1)."""
    return current == value and isinstance(current, bool) == isinstance(value, bool) \
        and isinstance(current, str) == isinstance(value, str)


def object_root(document: Any, item_index: int | None) -> Any:
    """The object within its document: the document itself, or an item of a `kind: List`."""
    return document if item_index is None else document["items"][item_index]
