"""Configuration files: `.wslint.yaml`, or `[tool.wslint]` in `pyproject.toml`.

The file is found from the working directory upwards, stopping at the repository root (the
directory holding `.git`); `--config FILE` names one, `--no-config` ignores them. Everything is
validated when it is read: an unknown key, a value of the wrong type, an unknown rule or rule option
is a `ConfigError` naming the file, the line, the key and what was expected. Paths in the file
(`exclude`, `rule-dirs`, `baseline`, `context-root`) are relative to the file's directory.

Reading happens in two steps, because rules and their options are known only once the plugins and
the `rule-dirs` are loaded: `load_config` checks the file's shape, `Config.apply` checks the rule
references against the loaded rules and fills a `Settings`.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wslint.controllers.registry import (WORKLOAD_KINDS, UnknownControllerError,
                                         check_controller_id)
from wslint.k8s.objects import WorkloadKind
from wslint.model import Exemption, Severity
from wslint.catalog.rules import OptionError, Rule
from wslint.load.ignore import exclude_matcher
from wslint.load.nesting import MAX_NESTING, too_deep
from wslint.load.files import FileRefused, read_regular_file
from wslint.load.sources import parse_size
from wslint.load.yamltree import Map, locate, parse_stream
from wslint.settings import OPTIONS, Option

YAML_NAMES = (".wslint.yaml", ".wslint.yml")
PYPROJECT = "pyproject.toml"
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(Exception):
    """An invalid configuration file: exit status 2."""


@dataclass
class Config:
    """A configuration file's validated content (keys as written, kebab-case)."""

    path: str  # as shown in messages
    values: dict[str, Any] = field(default_factory=dict)
    # where each key path is written: used to name the line of an error found after loading
    _line_of: Callable[[tuple], int | None] = lambda path: None

    @property
    def directory(self) -> Path:
        return Path(self.path).resolve().parent

    def error(self, keys: tuple, message: str) -> ConfigError:
        line = self._line_of(keys)
        where = f"{self.path}:{line}" if line else self.path
        return ConfigError(f"{where}: {_dotted(keys)}: {message}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def resolve_path(self, value: str) -> str:
        return os.path.normpath(os.path.join(self.directory, value))

    def apply(self, settings: Any, rules: list[Rule]) -> None:
        """Check the rule references (select, ignore, rules, exemptions) against the loaded rules
        and copy the configuration into `settings` (a `wslint.engine.Settings`). Values the
        command line already set are left alone by the caller, which applies its flags after."""
        by_key = {key: rule for rule in rules for key in (rule.code, rule.name)}
        for key in ("select", "ignore", "extend-select"):
            if key in self.values:
                for index, selector in enumerate(self.values[key]):
                    self._check_selector(rules, (key, index), selector)
                setattr(settings, key.replace("-", "_"), list(self.values[key]))
        for option in OPTIONS:
            if option.key in self.values:
                value = self.values[option.key]
                setattr(settings, option.attribute,
                        option.to_setting(value) if option.to_setting else value)
        if "workload-kinds" in self.values:
            settings.workload_kinds = {**WORKLOAD_KINDS, **self.values["workload-kinds"]}
        for name, entries in self.values.get("rules", {}).items():
            rule = by_key.get(name)
            if rule is None:
                raise self.error(("rules", name), f"unknown rule {name!r} (see `wslint rules`)")
            options = dict(settings.rule_options.get(rule.code, {}))
            for option, value in entries.items():
                if option == "severity":
                    settings.severities[rule.code] = value
                    continue
                if option not in rule.options:
                    known = ", ".join(["severity", *sorted(rule.options)])
                    raise self.error(("rules", name, option),
                                     f"{rule.code} has no option {option!r} (expected one of: {known})")
                try:
                    options[option] = rule.options[option].validate(value)
                except OptionError as error:
                    raise self.error(("rules", name, option), str(error)) from None
            settings.rule_options[rule.code] = options
        for index, exemption in enumerate(self.values.get("exemptions", [])):
            for position, selector in enumerate(exemption.rules):
                self._check_selector(rules, ("exemptions", index, "rules", position), selector)
            settings.exemptions.append(exemption)

    def _check_selector(self, rules: list[Rule], keys: tuple, selector: str) -> None:
        if not any(rule.matches(selector) for rule in rules):
            raise self.error(keys, f"unknown rule or prefix {selector!r} (expected a rule code, "
                                   f"a code prefix such as WS2, or a rule name)")


def _dotted(keys: tuple) -> str:
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


# --- finding the file -------------------------------------------------------------------------

def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.wslint.yaml` or `pyproject.toml` with a `[tool.wslint]` table, from `start`
    (the working directory) upwards; the search ends at the repository root."""
    directory = (start or Path.cwd()).resolve()
    while True:
        for name in YAML_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _has_wslint_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def passed_over(found: Path) -> list[Path]:
    """The other configuration files in the directory of `found`, which `find_config` passed
    over: `.wslint.yaml` wins over `.wslint.yml`, and both over `pyproject.toml`'s
    `[tool.wslint]` (as a tool's own file wins over pyproject.toml for ruff)."""
    directory = found.parent
    others = [directory / name for name in YAML_NAMES if (directory / name).is_file()]
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and _has_wslint_table(pyproject):
        others.append(pyproject)
    return [path for path in others if path.name != found.name]


def _has_wslint_table(path: Path) -> bool:
    try:
        text = _read_text(path)
    except FileRefused:
        return True  # not to be skipped in silence: reading it says what is wrong
    except (OSError, UnicodeDecodeError):
        return False
    # A cheap look before a full parse: most pyproject files have no [tool.wslint].
    return re.search(r"^\s*\[\s*tool\s*\.\s*wslint\s*[\].]", text, re.M) is not None


def _read_text(path: Path) -> str:
    """A configuration file's text, read with the care a manifest gets (a regular file of
    bounded size; see `read_regular_file`), line ends read as Python's text mode reads them."""
    text = read_regular_file(str(path)).decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def load_config(path: Path) -> Config:
    """Read and validate a configuration file (YAML, or a pyproject.toml's `[tool.wslint]`)."""
    shown = _display(path)
    try:
        text = _read_text(path)
    except FileRefused as refusal:
        raise ConfigError(f"{shown}: cannot read the configuration file: {refusal}") from None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read the configuration file: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: the configuration file is not UTF-8") from None
    if path.name == PYPROJECT or path.suffix == ".toml":
        data, line_of = _read_toml(shown, text, path.name == PYPROJECT)
    else:
        data, line_of = _read_yaml(shown, text)
    config = Config(shown, _line_of=line_of)
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}:{line_of(()) or 1}: the configuration must be a mapping of keys "
                          f"(see docs/configuration.md)")
    config.values = _validate(config, data)
    return config


def _read_yaml(shown: str, text: str) -> tuple[Any, Callable[[tuple], int | None]]:
    stream = parse_stream(text)
    if stream.problem is not None:
        raise ConfigError(f"{shown}:{stream.problem.line}: not valid YAML: {stream.problem.message}")
    documents = [d for d in stream.documents if d is not None]
    if len(documents) > 1:
        raise ConfigError(f"{shown}: holds {len(documents)} YAML documents; a configuration is one")
    data = documents[0] if documents else Map()
    if isinstance(data, Map) and not hasattr(data, "line"):
        data.line, data.column, data.key_pos = 1, 1, {}
    return data, lambda keys: locate(data, keys)[0] if isinstance(data, Map) else 1


def _read_toml(shown: str, text: str, pyproject: bool) -> tuple[Any, Callable[[tuple], int | None]]:
    if sys.version_info >= (3, 11):  # imported here: most runs read no TOML
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    deep = too_deep(text, "toml")
    if deep is not None:  # tomllib recurses at each level
        raise ConfigError(f"{shown}:{deep}: not valid TOML: nested deeper than {MAX_NESTING} "
                          f"levels")
    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise ConfigError(f"{shown}: not valid TOML: {error}") from None
    prefix: tuple = ("tool", "wslint") if pyproject else ()
    data: Any = document
    for key in prefix:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    lines = text.splitlines()
    return data, lambda keys: _toml_line(lines, prefix + tuple(keys))


def _toml_line(lines: list[str], keys: tuple) -> int | None:
    """The line where a key is written in a TOML text: TOML parsers keep no positions, so look
    for the innermost key's name below the deepest table header that leads to it."""
    names = [str(k) for k in keys if not isinstance(k, int)]
    if not names:
        return None
    best_header, header_line = 0, None
    for number, line in enumerate(lines, 1):
        match = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if match:
            parts = [p.strip().strip("\"'") for p in match.group(1).split(".")]
            depth = len(parts) if names[:len(parts)] == parts else 0
            if depth > best_header:
                best_header, header_line = depth, number
    if header_line is None:
        return None
    last = re.escape(names[-1])
    pattern = re.compile(rf"(?:^|[\s{{,])[\"']?{last}[\"']?\s*=")
    if best_header == len(names):
        return header_line
    for number in range(header_line + 1, len(lines) + 1):
        if re.match(r"^\s*\[", lines[number - 1]) and number != header_line:
            break
        if pattern.search(lines[number - 1]):
            return number
    return header_line


# --- validation -------------------------------------------------------------------------------

def _expect(config: Config, keys: tuple, ok: bool, expected: str, value: Any) -> None:
    if not ok:
        raise config.error(keys, f"expected {expected}, got {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _string(config: Config, keys: tuple, value: Any) -> str:
    _expect(config, keys, isinstance(value, str) and value.strip() != "", "a non-empty string", value)
    return value.strip()


def _string_list(config: Config, keys: tuple, value: Any) -> list[str]:
    """A list of strings; a single comma-separated string is accepted too (`select: WS2,WS3`)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    _expect(config, keys, isinstance(value, list), "a list of strings", value)
    return [_string(config, keys + (index,), item) for index, item in enumerate(value)]


def _choice(choices: tuple[str, ...]) -> Callable[[Config, tuple, Any], str]:
    def check(config: Config, keys: tuple, value: Any) -> str:
        _expect(config, keys, value in choices, f"one of {', '.join(choices)}", value)
        return value
    return check


def _positive_int(config: Config, keys: tuple, value: Any) -> int:
    _expect(config, keys, type(value) is int and value >= 1, "a positive integer", value)
    return value


def _bounded_int(maximum: int) -> Callable[[Config, tuple, Any], int]:
    def check(config: Config, keys: tuple, value: Any) -> int:
        _expect(config, keys, type(value) is int and 1 <= value <= maximum,
                f"an integer from 1 to {maximum}", value)
        return value
    return check


def _size(config: Config, keys: tuple, value: Any) -> int:
    """Bytes, or a string with a unit: `64M`."""
    try:
        size = value if type(value) is int else parse_size(value) if isinstance(value, str) else -1
    except ValueError:
        size = -1
    _expect(config, keys, size >= 1, "a size (bytes, or a number with K, M or G)", value)
    return size


def _boolean(config: Config, keys: tuple, value: Any) -> bool:
    _expect(config, keys, isinstance(value, bool), "true or false", value)
    return value


def _controller(config: Config, keys: tuple, value: Any) -> str:
    try:
        return check_controller_id(_string(config, keys, value))
    except UnknownControllerError as error:
        raise config.error(keys, str(error)) from None


def _path(config: Config, keys: tuple, value: Any) -> str:
    return config.resolve_path(_string(config, keys, value))


def _paths(config: Config, keys: tuple, value: Any) -> list[str]:
    return [config.resolve_path(item) for item in _string_list(config, keys, value)]


def _field_path(config: Config, keys: tuple, value: Any) -> tuple:
    """`spec.template` or `[spec, template]`; empty for the object itself."""
    if isinstance(value, str):
        return tuple(part for part in value.split(".") if part)
    _expect(config, keys, isinstance(value, list) and all(isinstance(v, str) for v in value),
            "a dotted field path such as spec.template", value)
    return tuple(value)


def _workload_kinds(config: Config, keys: tuple, value: Any) -> dict[str, WorkloadKind]:
    _expect(config, keys, isinstance(value, list), "a list of workload kinds", value)
    known = {"kind", "api-group", "template-path", "long-running", "replicas-path",
             "default-replicas"}
    kinds = {}
    for index, item in enumerate(value):
        where = keys + (index,)
        _expect(config, where, isinstance(item, dict),
                "a mapping such as {kind: Rollout, api-group: argoproj.io}", item)
        _unknown_keys(config, where, item, known)
        if "kind" not in item:
            raise config.error(where, "missing 'kind' (the object kind, e.g. Rollout)")
        kind = _string(config, where + ("kind",), item["kind"])
        group = item.get("api-group")
        if group is not None:
            group = _string(config, where + ("api-group",), group)
        long_running = item.get("long-running", True)
        _expect(config, where + ("long-running",), isinstance(long_running, bool), "true or false",
                long_running)
        replicas = item.get("replicas-path", "spec.replicas")
        default_replicas = item.get("default-replicas", 1)
        _expect(config, where + ("default-replicas",),
                default_replicas is None or (type(default_replicas) is int and default_replicas >= 0),
                "a non-negative integer, or null for one pod per node", default_replicas)
        kinds[kind] = WorkloadKind(
            kind, template_path=_field_path(config, where + ("template-path",),
                                            item.get("template-path", "spec.template")),
            long_running=long_running,
            replicas_path=None if replicas is None else _field_path(
                config, where + ("replicas-path",), replicas),
            default_replicas=default_replicas, api_group=group)
    return kinds


def _rules(config: Config, keys: tuple, value: Any) -> dict[str, dict[str, Any]]:
    """Per-rule settings; the options themselves are checked against the rules in `apply`."""
    _expect(config, keys, isinstance(value, dict), "a mapping of rule code or name to its settings",
            value)
    rules = {}
    for name, entries in value.items():
        where = keys + (name,)
        _expect(config, where, isinstance(entries, dict),
                "a mapping of options, e.g. {severity: error}", entries)
        if "severity" in entries:
            try:
                entries = {**entries, "severity": Severity.parse(str(entries["severity"]))}
            except ValueError:
                raise config.error(where + ("severity",),
                                   f"expected error, warning or info, got {_show(entries['severity'])}") from None
        rules[str(name)] = dict(entries)
    return rules


def _exemptions(config: Config, keys: tuple, value: Any) -> list[Exemption]:
    _expect(config, keys, isinstance(value, list), "a list of exemptions", value)
    known = {"rules", "kind", "namespace", "name", "reason"}
    exemptions = []
    for index, item in enumerate(value):
        where = keys + (index,)
        _expect(config, where, isinstance(item, dict),
                "a mapping such as {rules: [WS301], kind: StatefulSet, name: 'redis-*'}", item)
        _unknown_keys(config, where, item, known)
        globs = {key: _string(config, where + (key,), item[key])
                 for key in ("kind", "namespace", "name") if key in item}
        if not globs:
            raise config.error(where, "an exemption needs at least one of kind, namespace, name")
        rules = _string_list(config, where + ("rules",), item.get("rules", ["ALL"]))
        reason = item.get("reason")
        if reason is not None:
            reason = _string(config, where + ("reason",), reason)
        exemptions.append(Exemption(tuple(rules), globs.get("kind"), globs.get("namespace"),
                                    globs.get("name"), reason, f"{config.path} exemptions[{index}]"))
    return exemptions


def _reader(option: Option) -> Callable[[Config, tuple, Any], Any]:
    """How the configuration reads a value of one of the settings' table (wslint.settings)."""
    if option.kind == "choice":
        return _choice(option.choices)
    if option.kind == "integer":
        return _bounded_int(option.maximum) if option.maximum else _positive_int
    return {"size": _size, "boolean": _boolean, "controller": _controller,
            "strings": _string_list}[option.kind]


KEYS: dict[str, Callable[[Config, tuple, Any], Any]] = {
    "select": _string_list,
    "ignore": _string_list,
    "extend-select": _string_list,
    "rules": _rules,
    "exclude": _string_list,
    **{option.key: _reader(option) for option in OPTIONS},
    "workload-kinds": _workload_kinds,
    "rule-dirs": _paths,
    "exemptions": _exemptions,
    "fail-on": _choice(FAIL_ON),
    "baseline": _path,
    "context-root": _path,
}


def _unknown_keys(config: Config, keys: tuple, data: dict, known: set[str] | dict) -> None:
    for key in data:
        if key not in known:
            raise config.error(keys + (key,), f"unknown key {key!r} (expected one of: "
                                              f"{', '.join(sorted(known))})")


def _validate(config: Config, data: dict) -> dict[str, Any]:
    _unknown_keys(config, (), data, KEYS)
    return {key: KEYS[key](config, (key,), value) for key, value in data.items()}


# --- exclusion --------------------------------------------------------------------------------

def path_matcher(patterns: list[str], root: Path) -> Callable[[str], bool] | None:
    """A predicate for `discover`: does a path match one of the `exclude` patterns? They are
    gitignore patterns read relative to `root` (see `wslint.load.ignore.exclude_matcher`)."""
    return exclude_matcher(patterns, root)


# --- the JSON Schema editors complete the configuration with -----------------------------------

SCHEMA_NAME = "wslint.schema.json"
_STRINGS = {"type": "array", "items": {"type": "string"}}
_RULE_LIST = {"oneOf": [_STRINGS, {"type": "string"}],
              "description": "Rules: codes (WS203), code prefixes (WS2), names, or ALL; a list, "
                             "or one comma-separated string."}


def _option_schema(option: Option) -> dict[str, Any]:
    if option.kind in ("choice", "controller"):
        choices = option.choices if option.kind == "choice" else sorted(_controller_ids())
        return {"enum": list(choices), "description": option.help}
    if option.kind == "integer":
        schema = {"type": "integer", "minimum": 1, "description": option.help}
        return {**schema, "maximum": option.maximum} if option.maximum else schema
    if option.kind == "size":
        return {"oneOf": [{"type": "integer", "minimum": 1},
                          {"type": "string", "pattern": r"^\s*[0-9]+\s*[KMGkmg]?[Bb]?\s*$"}],
                "description": option.help}
    if option.kind == "boolean":
        return {"type": "boolean", "description": "false: " + option.help}
    return {**_STRINGS, "description": option.help}


def _controller_ids() -> list[str]:
    from wslint.controllers.registry import BY_ID

    return list(BY_ID)


def _rule_option_schema(spec) -> dict[str, Any]:
    kind = {"integer": "integer", "number": "number", "string": "string", "boolean": "boolean",
            "string-list": "array"}[spec.type]
    schema: dict[str, Any] = {"type": kind, "description": spec.description,
                              "default": spec.default}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.choices is not None:
        if kind == "array":
            schema["items"] = {"enum": list(spec.choices)}
        else:
            schema["enum"] = list(spec.choices)
    elif kind == "array":
        schema["items"] = {"type": "string"}
    return schema


def json_schema(rules: list[Rule]) -> dict[str, Any]:
    """The JSON Schema of `.wslint.yaml` and of `[tool.wslint]`, from the settings' table and the
    rules' declared options: what `load_config` accepts, for editors to complete and check."""
    per_rule = {}
    for rule in sorted(rules, key=lambda r: r.code):
        options = {"severity": {"enum": ["error", "warning", "info"]}}
        options.update({name: _rule_option_schema(spec) for name, spec in rule.options.items()})
        entry = {"type": "object", "description": rule.summary, "properties": options,
                 "additionalProperties": False}
        per_rule[rule.code] = entry
        per_rule[rule.name] = entry
    glob = {"type": "string"}
    properties: dict[str, Any] = {
        "select": _RULE_LIST,
        "ignore": _RULE_LIST,
        "extend-select": {**_RULE_LIST, "description": "Rules to run besides those `select` "
                          "picks (or the rules enabled by default): codes, code prefixes, names."},
        "rules": {"type": "object", "properties": per_rule, "additionalProperties": False,
                  "description": "Per rule (code or name): severity and the rule's options."},
        "exclude": {**_STRINGS, "description": "Files not to read: gitignore-style patterns."},
        **{option.key: _option_schema(option) for option in OPTIONS},
        "workload-kinds": {"type": "array", "items": {
            "type": "object", "required": ["kind"], "additionalProperties": False,
            "properties": {"kind": {"type": "string"}, "api-group": {"type": "string"},
                           "template-path": {"oneOf": [{"type": "string"}, _STRINGS]},
                           "replicas-path": {"oneOf": [{"type": "string"}, _STRINGS,
                                                       {"type": "null"}]},
                           "default-replicas": {"oneOf": [{"type": "integer", "minimum": 0},
                                                          {"type": "null"}]},
                           "long-running": {"type": "boolean"}}},
            "description": "More kinds that carry a pod template."},
        "rule-dirs": {**_STRINGS, "description": "Directories of YAML rules."},
        "exemptions": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "anyOf": [{"required": ["kind"]}, {"required": ["namespace"]}, {"required": ["name"]}],
            "properties": {"rules": _RULE_LIST, "kind": glob, "namespace": glob, "name": glob,
                           "reason": {"type": "string"}}},
            "description": "Rules silenced for objects matching the globs."},
        "fail-on": {"enum": list(FAIL_ON),
                    "description": "The lowest severity that makes the exit status 1."},
        "baseline": {"type": "string", "description": "A baseline file of known findings."},
        "context-root": {"type": "string", "description": "With --context: read every manifest "
                                                          "under this directory as context."},
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/wslint/wslint/blob/main/docs/wslint.schema.json",
            "title": "wslint configuration (.wslint.yaml, or [tool.wslint] in pyproject.toml)",
            "type": "object", "properties": properties, "additionalProperties": False}
