"""The JSONPath selectors of rules declared in YAML (`wslint.catalog.declarative`), read with
jsonpath-ng. Imported only where a rule file has a `check`: loading jsonpath-ng's parser takes
a twentieth of wslint's start, and wslint's own rules need none."""

from __future__ import annotations

from typing import Any

from jsonpath_ng import jsonpath as jp
from jsonpath_ng.ext import parse

try:  # `sub(/regex/, ...)` in a selector: matched with re, which no budget can stop
    from jsonpath_ng.ext.string import Sub as _RegexSubstitution
except ImportError:  # pragma: no cover - every jsonpath-ng wslint supports has it
    _RegexSubstitution = ()

__all__ = ["parse", "path_of", "refused", "split"]


def path_of(path: Any) -> tuple:
    """jsonpath-ng's full path of a match (`Child(Fields('spec'), Index(0))`) as wslint's path
    tuple (`("spec", 0)`), which `locate()` and `format_path()` understand."""
    if isinstance(path, jp.Child):
        return path_of(path.left) + path_of(path.right)
    if isinstance(path, jp.Fields) and len(path.fields) == 1:
        return (path.fields[0],)
    if isinstance(path, jp.Index):
        indices = getattr(path, "indices", None) or (path.index,)
        return tuple(indices)
    if isinstance(path, (jp.Root, jp.This)):
        return ()
    raise ValueError(f"no field path for {path!r}")


def _flatten(expression: Any) -> list:
    if isinstance(expression, jp.Child):
        return _flatten(expression.left) + _flatten(expression.right)
    return [expression]


def _plain_step(step: Any) -> Any:
    """The key or index of a step that names exactly one place, else None."""
    if isinstance(step, jp.Fields) and len(step.fields) == 1 and step.fields[0] != "*":
        return step.fields[0]
    if isinstance(step, jp.Index):
        indices = getattr(step, "indices", None) or (step.index,)
        if len(indices) == 1:
            return indices[0]
    return None


def split(expression: Any) -> tuple[Any, tuple]:
    """The selector before its trailing plain fields and indexes (None for the object itself),
    and those."""
    steps = [s for s in _flatten(expression) if not isinstance(s, (jp.Root, jp.This))]
    tail: list = []
    while steps and _plain_step(steps[-1]) is not None:
        tail.insert(0, _plain_step(steps.pop()))
    prefix = None
    for step in steps:
        prefix = step if prefix is None else jp.Child(prefix, step)
    return prefix, tuple(tail)


def refused(expression: Any, max_steps: int) -> str | None:
    """Why a parsed selector cannot be evaluated safely, or None: more than `max_steps` steps
    (jsonpath-ng recurses once a step), or a regular expression (`=~`, `sub()`) that re would
    match without a time budget."""
    stack = [(expression, 1)]
    while stack:
        step, depth = stack.pop()
        if depth > max_steps:
            return f"'select' nests more than {max_steps} steps"
        if getattr(step, "op", None) == "=~" or isinstance(step, _RegexSubstitution):
            return ("a regular expression inside 'select' (=~, sub()) is not supported: select "
                    "the field and use condition: matches")
        for part in getattr(step, "__dict__", {}).values():
            for item in part if isinstance(part, (list, tuple)) else (part,):
                if isinstance(item, jp.JSONPath):
                    stack.append((item, depth + 1))
    return None
