"""Rules: identity, metadata, options and documentation, declared in YAML (one file per rule under
`rules/`), bound to the check that implements them.

A rule file is validated when it is read: a missing doc section, an unknown key or a malformed
option is an error naming the file and line, so a broken rule never ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from wslint.catalog.errors import OptionError, RuleDefinitionError
from wslint.catalog.patterns import PatternTimeout, compile_pattern, fullmatch
from wslint.load.files import FileRefused, read_regular_file
from wslint.model import Applicability, Problem, Severity
from wslint.load.yamltree import Map, parse_stream

CODE = re.compile(r"^[A-Z]{2,}[0-9]{3}$")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
DOC_SECTIONS = ("what", "why", "example", "use-instead", "fix")
OPTIONAL_DOC_SECTIONS = ("fix-safety", "notes")
OPTION_TYPES = {
    "integer": int, "number": (int, float), "string": str, "boolean": bool, "string-list": list,
}

# What a check looks like: it gets one object and a context (graph, options) and yields Problems.
CheckFunction = Callable[..., Iterable[Problem]]

# Rule kinds that stand for a family of object kinds, and the kind of rules whose findings come
# from reading the input (WS9xx), not from a check.
WORKLOADS = "workloads"
ROUTES = "routes"
INPUT_KIND = "input"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    type: str
    default: Any
    description: str
    minimum: float | None = None
    choices: tuple | None = None
    pattern: str | None = None  # a regular expression a string must match in full

    def validate(self, value: Any, default: bool = False) -> Any:
        expected = OPTION_TYPES[self.type]
        ok = isinstance(value, expected) and not (self.type != "boolean" and isinstance(value, bool))
        if ok and self.type == "string-list":
            ok = all(isinstance(item, str) for item in value)
        if not ok:
            raise OptionError(f"expected {self.describe_type()}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise OptionError(f"expected at least {self.minimum:g}, got {value!r}")
        if self.choices is not None:
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in self.choices]
            if bad:
                raise OptionError(f"expected one of {', '.join(map(str, self.choices))}, got {bad[0]!r}")
        if self.pattern is not None:
            values = value if isinstance(value, list) else [value]
            if default:  # the rule's own default: the standard library's engine is enough
                bad = [v for v in values if not re.fullmatch(self.pattern, v)]
            else:
                pattern = compile_pattern(self.pattern)
                try:
                    bad = [v for v in values if not fullmatch(pattern, v)]
                except PatternTimeout as error:
                    raise OptionError(str(error)) from None
            if bad:
                raise OptionError(f"expected a value matching {self.pattern}, got {bad[0]!r}")
        return list(value) if isinstance(value, list) else value

    def describe_type(self) -> str:
        return {"integer": "an integer", "number": "a number", "string": "a string",
                "boolean": "true or false", "string-list": "a list of strings"}[self.type]


@dataclass
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    kinds: tuple[str, ...]
    docs: dict[str, str]
    options: dict[str, OptionSpec] = field(default_factory=dict)
    websocket_scope: bool = True
    # Off unless a selector names it (`--select WS305`, a prefix, `ALL`): advice that does not
    # change how connections behave, which many users do not want on every run.
    enabled_by_default: bool = True
    tags: tuple[str, ...] = ()
    # What `--fix` may do with the rule's fixes: apply them (safe), apply them only with
    # `--unsafe-fixes` (unsafe), or show them (display-only). A fix may declare itself less safe.
    fix_safety: Applicability = Applicability.DISPLAY_ONLY
    check: CheckFunction | None = None
    plugin: str = "builtin"
    source: str = ""  # the file that declares it

    def matches(self, selector: str) -> bool:
        """A selector is ALL, a code, a code prefix (`WS2`) or a rule name."""
        return (selector == "ALL" or selector == self.name
                or (selector.isupper() and self.code.startswith(selector)))

    def resolve_options(self, given: dict[str, Any] | None) -> dict[str, Any]:
        values = {name: spec.default for name, spec in self.options.items()}
        for name, value in (given or {}).items():
            if name not in self.options:
                known = ", ".join(sorted(self.options)) or "none"
                raise OptionError(f"{self.code} has no option {name!r} (options: {known})")
            try:
                values[name] = self.options[name].validate(value)
            except OptionError as error:
                raise OptionError(f"{self.code} option {name!r}: {error}") from None
        return values


# --- reading rule files -------------------------------------------------------------------------

_RULE_KEYS = {"code", "name", "severity", "summary", "kinds", "websocket-scope",
              "enabled-by-default", "tags",
              "fix-safety", "options", "docs", "check"}
_OPTION_KEYS = {"type", "default", "description", "minimum", "choices", "pattern"}


def _fail(path: str, node: Any, key: Any, message: str) -> RuleDefinitionError:
    line = node.pos_of(key)[0] if isinstance(node, Map) and key is not None else getattr(node, "line", 1)
    return RuleDefinitionError(f"{path}:{line}: {message}")


def _text(path: str, node: Map, key: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, node, key if key in node else None, f"{key!r} must be a non-empty string")
    return value.strip()


def parse_rule(text: str, path: str, require_docs: bool = True) -> Rule:
    """A rule from its YAML text. A rule with a `check` section is declarative (see
    wslint/declarative.py) and needs no Python; `require_docs` is False for users' own rules,
    whose docs default to what the check says."""
    stream = parse_stream(text)
    if stream.problem:
        raise RuleDefinitionError(f"{path}:{stream.problem.line}: {stream.problem.message}")
    documents = [d for d in stream.documents if d is not None]
    if len(documents) != 1 or not isinstance(documents[0], Map):
        raise RuleDefinitionError(f"{path}:1: a rule file holds one mapping")
    data = documents[0]
    for key in data:
        if key not in _RULE_KEYS:
            raise _fail(path, data, key, f"unknown key {key!r} (expected one of "
                                         f"{', '.join(sorted(_RULE_KEYS))})")
    code, name = _text(path, data, "code"), _text(path, data, "name")
    if not CODE.match(code):
        raise _fail(path, data, "code", f"code {code!r} must be letters then three digits")
    if not NAME.match(name):
        raise _fail(path, data, "name", f"name {name!r} must be kebab-case")
    try:
        severity = Severity.parse(_text(path, data, "severity"))
    except ValueError as error:
        raise _fail(path, data, "severity", str(error)) from None
    kinds = data.get("kinds")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise _fail(path, data, "kinds" if "kinds" in data else None, "'kinds' must list object kinds")
    check = None
    if "check" in data:
        from wslint.catalog.declarative import compile_check

        check = compile_check(path, data["check"])
    docs = data.get("docs")
    if docs is None and not require_docs:
        docs = Map()
        docs.line, docs.column, docs.key_pos = data.line, data.column, {}
    if not isinstance(docs, Map):
        raise _fail(path, data, "docs" if "docs" in data else None, "'docs' must be a mapping")
    for key in docs:
        if key not in DOC_SECTIONS + OPTIONAL_DOC_SECTIONS:
            raise _fail(path, docs, key, f"unknown doc section {key!r}")
    required = DOC_SECTIONS if require_docs else ()
    doc_texts = {key: _text(path, docs, key) for key in required}
    doc_texts.update({key: _text(path, docs, key) for key in DOC_SECTIONS + OPTIONAL_DOC_SECTIONS
                      if key in docs and key not in required})
    scope = data.get("websocket-scope", True)
    if not isinstance(scope, bool):
        raise _fail(path, data, "websocket-scope", "'websocket-scope' must be true or false")
    by_default = data.get("enabled-by-default", True)
    if not isinstance(by_default, bool):
        raise _fail(path, data, "enabled-by-default", "'enabled-by-default' must be true or false")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(path, data, "tags", "'tags' must be a list of strings")
    try:
        fix_safety = Applicability(data.get("fix-safety", "display-only"))
    except ValueError:
        raise _fail(path, data, "fix-safety", "'fix-safety' must be one of "
                    + ", ".join(a.value for a in Applicability)) from None
    summary = _text(path, data, "summary")
    if check is not None and not require_docs:
        from wslint.catalog.declarative import default_docs

        doc_texts = {**default_docs(summary, check), **doc_texts}
    return Rule(code=code, name=name, severity=severity, summary=summary,
                kinds=tuple(kinds), docs=doc_texts, options=_parse_options(path, data),
                websocket_scope=scope, enabled_by_default=by_default, tags=tuple(tags),
                fix_safety=fix_safety, check=check, source=path)


def _parse_options(path: str, data: Map) -> dict[str, OptionSpec]:
    options = data.get("options") or Map()
    if not isinstance(options, Map):
        raise _fail(path, data, "options", "'options' must be a mapping")
    specs = {}
    for name, spec in options.items():
        if not isinstance(spec, Map) or not isinstance(name, str) or not NAME.match(name):
            raise _fail(path, options, name, f"option {name!r} must be a kebab-case name with a mapping")
        for key in spec:
            if key not in _OPTION_KEYS:
                raise _fail(path, spec, key, f"unknown option key {key!r}")
        kind = spec.get("type")
        if kind not in OPTION_TYPES:
            raise _fail(path, spec, "type", f"option type must be one of {', '.join(OPTION_TYPES)}")
        choices = spec.get("choices")
        pattern = spec.get("pattern")
        if pattern is not None and (kind not in ("string", "string-list") or not isinstance(pattern, str)):
            raise _fail(path, spec, "pattern", "'pattern' must be a regular expression for a string option")
        try:
            # The syntax, checked with the standard library's parser: the matching engine with a
            # time budget (wslint.catalog.patterns) is loaded only when a value is matched.
            re.compile(pattern or "")
        except (re.error, RecursionError, OverflowError) as error:
            raise _fail(path, spec, "pattern", f"'pattern' is not a regular expression: {error}") from None
        option = OptionSpec(name, kind, spec.get("default"), _text(path, spec, "description"),
                            spec.get("minimum"), tuple(choices) if isinstance(choices, list) else None,
                            pattern)
        try:
            option.validate(option.default, default=True)
        except OptionError as error:
            raise _fail(path, spec, "default", f"default of {name!r}: {error}") from None
        specs[name] = option
    return specs


def read_rule_files(directory: Any) -> Iterator[Rule]:
    """Every `*.yaml` rule under `directory` (a Path or an importlib.resources Traversable)."""
    entries = sorted((e for e in directory.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    for entry in entries:
        shown = f"rules/{entry.name}"
        try:  # a plain directory's files get a manifest's care (a package's may be in a zip)
            data = read_regular_file(str(entry)) if isinstance(entry, Path) else entry.read_bytes()
            text = data.decode("utf-8")
        except (FileRefused, OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise RuleDefinitionError(f"{shown}: cannot read rule file: {reason}") from None
        yield parse_rule(text, shown)


def builtin_rules_dir() -> Any:
    """The rules shipped with wslint: `wslint/_rules` in an installed wheel, `rules/` in a
    source checkout (an editable install)."""
    package = Path(__file__).resolve().parents[1]
    if package.is_dir():  # on the file system (importlib.resources, 5 ms to import, not needed)
        packaged = package / "_rules"
        return packaged if packaged.is_dir() else package.parent / "rules"
    from importlib.resources import files  # inside a zip: only its loader can read it

    return files("wslint").joinpath("_rules")


class SelectionError(ValueError):
    pass


def select_rules(rules: list[Rule], select: list[str] | None, ignore: list[str] | None,
                 extend_select: list[str] | None = None) -> list[Rule]:
    """The rules `select` picks (those enabled by default when it is empty) that `ignore` does
    not, with those `extend_select` adds. Every selector must match some rule: a typo must not
    silently select nothing."""
    for selector in (select or []) + (ignore or []) + (extend_select or []):
        if not any(rule.matches(selector) for rule in rules):
            raise SelectionError(f"unknown rule or prefix {selector!r}")
    chosen = [r for r in rules if any(r.matches(s) for s in select)] if select else \
        [r for r in rules if r.enabled_by_default]
    chosen += [r for r in rules if r not in chosen and any(r.matches(s) for s in extend_select or [])]
    chosen.sort(key=rules.index)
    return [r for r in chosen if not any(r.matches(s) for s in ignore or [])]
