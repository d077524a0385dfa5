"""Rules declared entirely in YAML: a JSONPath selector into the object and a condition.

The same format serves wslint's own simple rules (in `rules/`) and an organisation's policy rules
(in the directories named by `rule-dirs` or `--rules-dir`): a rule file as described in
`wslint/rules.py`, with a `check` instead of Python code::

    code: ACME101
    name: missing-team-label
    severity: warning
    summary: Workloads carry a team label
    kinds: [workloads]
    websocket-scope: false
    check:
      select: metadata.labels.team          # JSONPath (jsonpath-ng, with filters)
      condition: missing                    # what makes the rule fire
      message: "{object} has no team label"
      fix: "add metadata.labels.team naming the owning team"

Conditions: `missing` (absent or null), `present`, `equals`, `not-equals`, `matches` and
`not-matches` (a regular expression, searched), `less-than`, `greater-than` (numbers or Kubernetes
quantities such as `500m` or `2Gi`); all but the first two take a `value`. Every selected field
that meets the condition gives one finding, located at that field. For `missing`, the selector's
trailing plain fields are checked below each match of the part before them, so
`spec.template.spec.containers[*].resources.limits.memory` fires once per container without the
limit, located at the nearest part of the path that exists.

Message and fix placeholders: `{object}` (Kind/namespace/name), `{kind}`, `{name}`,
`{namespace}`, `{path}` (the field), `{value}` (the value found) and `{expected}` (the rule's
`value`).
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import dataclass, field
from typing import Any, Iterator

from wslint.model import Fix, KObject, Problem, format_path
from wslint.catalog.errors import RuleDefinitionError
from wslint.catalog.patterns import PatternError, PatternTimeout, compile_pattern, search
from wslint.load.yamltree import Map

CONDITIONS = ("missing", "present", "equals", "not-equals", "matches", "not-matches", "less-than",
              "greater-than")
VALUELESS = ("missing", "present")
PLACEHOLDERS = ("object", "kind", "name", "namespace", "path", "value", "expected")
CHECK_KEYS = {"select", "condition", "value", "message", "fix"}
RESERVED_PREFIX = "WS"  # wslint's own codes; rules from rule-dirs use their own prefix
# What a selector may be: a handful of steps in practice. jsonpath-ng recurses once a step
# (`wslint.catalog.selectors`); a selector of plain fields is held to the same.
MAX_SELECT_LENGTH = 10_000
MAX_SELECT_STEPS = 100
# The work a selector with wildcards, filters or `..` may do on one object, in mappings and
# lists entered and items looked at: `$..image` looks at each node a few times, while
# `$..*..*..*` on a list nested 200 deep would take minutes and gigabytes.
SELECT_WORK_BASE = 100_000
SELECT_WORK_PER_NODE = 20

_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
_SUFFIX = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def number(value: Any) -> float | None:
    """A number, or a string holding one or a Kubernetes quantity (`250m`, `1.5Gi`); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _QUANTITY.match(value.strip())
        if match:
            return float(match.group(1)) * _SUFFIX[match.group(2)]
    return None


def _scalar_text(value: Any) -> str:
    """A value as Kubernetes would read it in an annotation: `true`, `60`, `1.0`."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _clipped(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _show_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str, separators=(", ", ": "))
    else:
        text = _scalar_text(value)
    return text if len(text) <= 80 else text[:77] + "..."


class BudgetExceeded(Exception):
    """A declared check stopped past its budget: reported as its rule's internal error."""


@dataclass
class _Spent:
    """Whether a check has gone past its budget in this run: it is then reported once, and not
    evaluated again, so that a hostile pattern costs one budget, not one per object."""

    reason: str | None = None


@dataclass(frozen=True)
class DeclaredCheck:
    """A rule's `check` section, compiled."""

    select: str
    expression: Any  # the parsed JSONPath; None for plain fields (`plain_fields`), all in `tail`
    prefix: Any  # the JSONPath before `tail`, or None for the object itself
    tail: tuple  # trailing plain fields and indexes
    condition: str
    value: Any
    message: str
    fix: Fix | None
    pattern: Any = None  # `value` compiled, for matches and not-matches
    metered: bool = False  # whether the selector can do more than follow a path
    spent: _Spent = field(default_factory=_Spent, compare=False, repr=False)

    def __call__(self, obj: KObject, ctx: Any = None) -> Iterator[Problem]:
        if self.spent.reason is not None:
            return  # reported on the object where it happened
        try:
            problems = list(self._evaluate(obj))
        except (_OutOfWork, PatternTimeout) as error:
            self.spent.reason = str(error) if isinstance(error, PatternTimeout) else (
                f"the selector {_clipped(self.select)!r} did more than {_METER.budget} steps of "
                f"work on one object (a wildcard or `..` repeated over deep nesting?)")
            raise BudgetExceeded(f"{self.spent.reason}; the rule is not evaluated on the objects "
                                 f"after this one") from None
        finally:
            _METER.left = math.inf
        yield from problems

    def _evaluate(self, obj: KObject) -> Iterator[Problem]:
        data = _metered(obj.data) if self.metered else obj.data
        if self.condition == "missing":
            yield from self._missing(obj, data)
            return
        if self.expression is None:  # plain fields: one place, read as jsonpath-ng reads it
            for step in self.tail:
                data = _step(data, step)
            if data is not None and self._fires(data):  # absent or null: no match to judge
                yield self._problem(obj, self.tail, data)
            return
        from wslint.catalog.selectors import path_of

        for match in self.expression.find(data):
            if match.value is None or not self._fires(match.value):
                continue
            yield self._problem(obj, path_of(match.full_path), match.value)

    def _missing(self, obj: KObject, data: Any) -> Iterator[Problem]:
        if not self.tail:  # no plain fields at the end: missing means nothing matches at all
            if all(match.value is None for match in self.expression.find(data)):
                yield self._problem(obj, (), None)
            return
        if self.prefix is None:
            bases = [((), data)]
        else:
            from wslint.catalog.selectors import path_of

            bases = [(path_of(m.full_path), m.value) for m in self.prefix.find(data)]
        for base_path, base in bases:
            value = base
            for step in self.tail:
                value = _step(value, step)
            if value is None:
                yield self._problem(obj, base_path + self.tail, None)

    def _fires(self, actual: Any) -> bool:
        condition, expected = self.condition, self.value
        if condition == "present":
            return True
        if condition in ("equals", "not-equals"):
            same = actual == expected and type(actual) is type(expected) or (
                not isinstance(actual, (dict, list)) and not isinstance(expected, (dict, list))
                and _scalar_text(actual) == _scalar_text(expected))
            return same if condition == "equals" else not same
        if condition in ("matches", "not-matches"):
            if isinstance(actual, (dict, list)):
                return False
            found = search(self.pattern, _scalar_text(actual))
            return found if condition == "matches" else not found
        measured = number(actual)
        if measured is None:
            return False  # not comparable: a value of another kind is some other rule's business
        limit = number(expected)
        return measured < limit if condition == "less-than" else measured > limit

    def _problem(self, obj: KObject, path: tuple, value: Any) -> Problem:
        fields = {
            "object": str(obj.ref), "kind": obj.kind, "name": obj.name,
            "namespace": obj.namespace or "", "path": format_path(path),
            "value": "" if value is None else _show_value(value),
            "expected": "" if self.value is None else (
                self.value if self.pattern is not None else _show_value(self.value)),
        }
        fix = None
        if self.fix is not None:
            fix = Fix(self.fix.description.format_map(fields),
                      self.fix.snippet.format_map(fields) if self.fix.snippet else None)
        return Problem(path, self.message.format_map(fields), fix)

    def describe(self) -> str:
        """One sentence for generated docs: what makes the rule fire."""
        field_text = f"`{self.select}`"
        if self.condition in VALUELESS:
            return f"Fires when {field_text} is {self.condition}."
        expected = self.value if self.pattern is not None else _show_value(self.value)
        verb = {"equals": "equals", "not-equals": "is set to anything but",
                "matches": "matches the regular expression", "not-matches":
                "does not match the regular expression", "less-than": "is less than",
                "greater-than": "is greater than"}[self.condition]
        return f"Fires when {field_text} {verb} `{expected}`."


def _step(value: Any, step: Any) -> Any:
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and type(step) is int and -len(value) <= step < len(value):
        return value[step]
    return None


# --- the work budget of a selector -------------------------------------------------------------

class _OutOfWork(Exception):
    pass


class _Meter:
    """The work left to the selector being evaluated; unlimited outside an evaluation."""

    left = math.inf
    budget = 0


_METER = _Meter()


def _spend(amount: int) -> None:
    _METER.left -= amount
    if _METER.left < 0:
        _METER.left = math.inf
        raise _OutOfWork


class _MeteredMap(dict):
    """A mapping whose every look-up and walk through is paid for from the meter."""

    __slots__ = ()

    def __getitem__(self, key):
        _spend(1)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        _spend(1)
        return dict.get(self, key, default)

    def __contains__(self, key):
        _spend(1)
        return dict.__contains__(self, key)

    def __iter__(self):
        _spend(len(self) + 1)
        return dict.__iter__(self)

    def keys(self):
        _spend(len(self) + 1)
        return dict.keys(self)

    def values(self):
        _spend(len(self) + 1)
        return dict.values(self)

    def items(self):
        _spend(len(self) + 1)
        return dict.items(self)


class _MeteredList(list):
    """A list whose every look-up and walk through is paid for from the meter."""

    __slots__ = ()

    def __getitem__(self, index):
        _spend(1)
        return list.__getitem__(self, index)

    def __iter__(self):
        _spend(len(self) + 1)
        return list.__iter__(self)

    def __reversed__(self):
        _spend(len(self) + 1)
        return list.__reversed__(self)


def _metered(data: Any) -> Any:
    """`data` copied into metered mappings and lists (a node shared by aliases stays shared),
    with the meter set to the budget for it: a base, and more for each node its walk meets."""
    copies: dict[int, Any] = {}
    sizes: dict[int, int] = {}
    stack = [(data, False)]
    while stack:  # iterative: a document may nest as deep as max-depth
        node, filled = stack.pop()
        if not isinstance(node, (dict, list)) or (id(node) in copies and not filled):
            continue
        children = list(node.values() if isinstance(node, dict) else node)
        if not filled:
            copies[id(node)] = _MeteredMap() if isinstance(node, dict) else _MeteredList()
            stack.append((node, True))
            stack.extend((child, False) for child in children)
            continue
        copy = copies[id(node)]
        if isinstance(node, dict):
            for key, child in node.items():
                dict.__setitem__(copy, key, copies.get(id(child), child))
        else:
            list.extend(copy, [copies.get(id(child), child) for child in children])
        sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
    _METER.budget = SELECT_WORK_BASE + SELECT_WORK_PER_NODE * sizes.get(id(data), 1)
    _METER.left = _METER.budget
    return copies.get(id(data), data)


# --- selectors of plain fields --------------------------------------------------------------

# A selector of plain fields (`metadata.annotations."example.com/key"`) is read here, without
# jsonpath-ng (`wslint.catalog.selectors`), which then need not be loaded. Only what jsonpath-ng
# certainly reads as fields: names without `-` or `@` that are none of its words, and quoted names
# without escapes; anything else goes to jsonpath-ng.
_PLAIN_FIELD = re.compile(r'[A-Za-z_][A-Za-z0-9_]*|"[^"\\]+"|\'[^\'\\]+\'')
_JSONPATH_WORDS = {"true", "false", "null", "where", "wherenot"}


def plain_fields(select: str) -> tuple[str, ...] | None:
    """The fields of a selector that is a chain of plain fields (`a.b."c/d"`, `$.a`), or None."""
    at = 2 if select.startswith("$.") else 0
    fields = []
    while True:
        found = _PLAIN_FIELD.match(select, at)
        if found is None:
            return None
        name = found.group()
        if name[0] in "\"'":
            name = name[1:-1]
            if name == "*":  # jsonpath-ng's wildcard, quoted or not
                return None
        elif name in _JSONPATH_WORDS:
            return None
        fields.append(name)
        at = found.end()
        if at == len(select):
            return tuple(fields)
        if select[at] != ".":
            return None
        at += 1


# --- reading the `check` section --------------------------------------------------------------

def _fail(path: str, node: Any, key: Any, message: str) -> RuleDefinitionError:
    line = node.pos_of(key)[0] if isinstance(node, Map) and key in node else getattr(node, "line", 1)
    return RuleDefinitionError(f"{path}:{line}: {message}")


def _template(path: str, node: Map, key: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise _fail(path, node, key, f"'{key}' must be a non-empty string")
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                continue
            if name not in PLACEHOLDERS or spec or conversion:
                raise _fail(path, node, key, f"unknown placeholder {{{name}}} in '{key}' (known: "
                                             + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                                             + "; write {{ and }} for braces)")
    except ValueError as error:
        raise _fail(path, node, key, f"'{key}' is not a valid template: {error}") from None
    return text.strip()


def compile_check(path: str, node: Any) -> DeclaredCheck:
    """Validate a rule file's `check` mapping; errors name the file and line."""
    if not isinstance(node, Map):
        raise _fail(path, node, None, "'check' must be a mapping with select, condition, message")
    for key in node:
        if key not in CHECK_KEYS:
            raise _fail(path, node, key, f"unknown check key {key!r} (expected one of "
                                         f"{', '.join(sorted(CHECK_KEYS))})")
    select = node.get("select")
    if not isinstance(select, str) or not select.strip():
        raise _fail(path, node, "select", "'select' must be a JSONPath such as metadata.labels.team")
    if len(select) > MAX_SELECT_LENGTH:
        raise _fail(path, node, "select", f"'select' is longer than {MAX_SELECT_LENGTH} "
                                          f"characters")
    fields = plain_fields(select.strip())
    if fields is not None and len(fields) + select.strip().startswith("$.") > MAX_SELECT_STEPS:
        raise _fail(path, node, "select", f"'select' nests more than {MAX_SELECT_STEPS} steps")
    if fields is None:
        from wslint.catalog import selectors

        try:
            expression = selectors.parse(select)
        except Exception as error:  # JSONPathError, and plain exceptions from ply on odd input
            raise _fail(path, node, "select", f"'select' is not a valid JSONPath: {error}") \
                from None
        refused = selectors.refused(expression, MAX_SELECT_STEPS)
        if refused:
            raise _fail(path, node, "select", refused)
    condition = node.get("condition")
    if condition not in CONDITIONS:
        raise _fail(path, node, "condition" if "condition" in node else None,
                    f"'condition' must be one of {', '.join(CONDITIONS)}, got {condition!r}")
    value = node.get("value")
    pattern = None
    if condition in VALUELESS:
        if "value" in node:
            raise _fail(path, node, "value", f"condition {condition!r} takes no 'value'")
    elif "value" not in node:
        raise _fail(path, node, "condition", f"condition {condition!r} needs a 'value'")
    elif condition in ("matches", "not-matches"):
        if not isinstance(value, str):
            raise _fail(path, node, "value", f"condition {condition!r} needs a regular expression")
        try:
            pattern = compile_pattern(value)
        except PatternError as error:
            raise _fail(path, node, "value", f"'value' is not a regular expression: {error}") from None
    elif condition in ("less-than", "greater-than") and number(value) is None:
        raise _fail(path, node, "value", f"condition {condition!r} needs a number or a quantity "
                                         f"such as 500m or 2Gi, got {value!r}")
    elif isinstance(value, (dict, list)) or value is None:
        raise _fail(path, node, "value", f"condition {condition!r} needs a scalar 'value'")
    message = _template(path, node, "message", node.get("message"))
    fix = None
    if "fix" in node:
        given = node["fix"]
        if isinstance(given, Map):
            unknown = [k for k in given if k not in ("description", "snippet")]
            if unknown:
                raise _fail(path, given, unknown[0], f"unknown fix key {unknown[0]!r} "
                                                     f"(expected description, snippet)")
            snippet = given.get("snippet")
            fix = Fix(_template(path, given, "description", given.get("description")),
                      _template(path, given, "snippet", snippet) if snippet is not None else None)
        else:
            fix = Fix(_template(path, node, "fix", given))
    if fields is not None:
        expression, prefix, tail = None, None, fields
    else:
        prefix, tail = selectors.split(expression)
    return DeclaredCheck(select.strip(), expression, prefix, tail, condition, value, message, fix,
                         pattern, metered=prefix is not None)


def default_docs(rule_summary: str, check: DeclaredCheck) -> dict[str, str]:
    """Documentation for a rule file that gives none: what the check does and its fix."""
    docs = {"what": f"{rule_summary}. {check.describe()}"}
    if check.fix is not None:
        docs["fix"] = check.fix.description
    return docs

