"""What plugin authors need, and the plugin manager that loads them.

A rule plugin declares its rules in YAML files (the same format as wslint's own `rules/`), writes a
check per rule, and registers a module exposing the hooks of :mod:`wslint.hookspecs` under the
`wslint` entry-point group::

    from wslint.plugin import CheckSet, hookimpl, load_rules

    checks = CheckSet()

    @checks("ACME001")
    def team_label(obj, ctx):
        if "team" not in obj.labels:
            yield Problem(("metadata", "labels", "team"), f"{obj.ref} has no team label")

    @hookimpl
    def wslint_rules():
        return load_rules(files("acme_rules") / "rules", checks)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import pluggy

from wslint.rules import CheckFunction, Rule, RuleDefinitionError, read_rule_files

hookimpl = pluggy.HookimplMarker("wslint")

ENTRY_POINT_GROUP = "wslint"
DISTRIBUTION = "wslint"
NO_PLUGINS_ENV = "WSLINT_NO_PLUGINS"

# Rules whose findings come from reading the input (WS9xx), not from a check.
INPUT_KIND = "input"


class CheckSet:
    """A plugin's checks by rule code: `@checks("WS201")` registers one."""

    def __init__(self) -> None:
        self.functions: dict[str, CheckFunction] = {}

    def __call__(self, code: str) -> Callable[[CheckFunction], CheckFunction]:
        def register(function: CheckFunction) -> CheckFunction:
            if code in self.functions:
                raise RuleDefinitionError(f"two checks implement {code}")
            self.functions[code] = function
            return function
        return register

    def bind(self, rules: list[Rule], plugin: str) -> list[Rule]:
        """Attach each rule's check; a rule without one (or a check without a rule) is an error.
        A declarative rule (a `check` in its YAML) brings its own."""
        declared = {rule.code for rule in rules}
        for code in self.functions:
            if code not in declared:
                raise RuleDefinitionError(f"check {code} has no rule file")
        for rule in rules:
            rule.plugin = plugin
            if rule.kinds == (INPUT_KIND,):
                continue
            if rule.check is not None:
                if rule.code in self.functions:
                    raise RuleDefinitionError(f"{rule.source}: rule {rule.code} has a YAML check "
                                              f"and a Python one")
                continue
            if rule.code not in self.functions:
                raise RuleDefinitionError(f"{rule.source}: rule {rule.code} has no check")
            rule.check = self.functions[rule.code]
        return rules


def load_rules(directory: Any, checks: CheckSet, plugin: str | None = None) -> list[Rule]:
    """Read a directory of rule files and bind them to `checks`."""
    return checks.bind(list(read_rule_files(directory)), plugin or "plugin")


@dataclass
class PluginFailure:
    plugin: str
    error: str


class Plugins:
    """The loaded plugins, what they provide, and what failed to load."""

    def __init__(self, third_party: bool = True, rule_dirs: list[str] = ()) -> None:
        if os.environ.get(NO_PLUGINS_ENV, "").strip() not in ("", "0"):
            third_party = False
        from wslint import hookspecs

        self.manager = pluggy.PluginManager("wslint")
        self.manager.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self._load(third_party)
        if rule_dirs:  # users' YAML rules arrive as a plugin like any other
            from wslint.declarative import RuleDirectories

            self.manager.register(RuleDirectories(rule_dirs), name="rule-dirs")
        self.manager.check_pending()
        self._rules: list[Rule] | None = None

    def _load(self, third_party: bool) -> None:
        from importlib.metadata import entry_points

        builtin_seen = False
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(entry, "dist", None)
            ours = dist is not None and dist.name == DISTRIBUTION
            if (not ours and not third_party) or self.manager.has_plugin(entry.name):
                continue
            try:
                self.manager.register(entry.load(), name=entry.name)
                builtin_seen = builtin_seen or ours
            except Exception as error:  # a broken plugin must not take the run down
                self.failures.append(PluginFailure(entry.name, f"{type(error).__name__}: {error}"))
        if not builtin_seen:
            # Running from a source tree that was never installed: register the built-ins
            # directly, as their entry point would.
            from wslint import checks

            self.manager.register(checks, name="builtin")

    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = self._collect_rules()
        return self._rules

    def _collect_rules(self) -> list[Rule]:
        rules: list[Rule] = []
        for impl in self.manager.hook.wslint_rules.get_hookimpls():
            try:
                provided = impl.function()
            except RuleDefinitionError:
                raise
            except Exception as error:
                self.failures.append(PluginFailure(impl.plugin_name, f"{type(error).__name__}: {error}"))
                continue
            for rule in provided or []:
                rule.plugin = impl.plugin_name
                rules.append(rule)
        seen: dict[str, Rule] = {}
        for rule in rules:
            for key in (rule.code, rule.name):
                if key in seen:
                    raise RuleDefinitionError(
                        f"rule {key} is declared by both {seen[key].plugin} and {rule.plugin}")
                seen[key] = rule
        return sorted(rules, key=lambda r: r.code)

    def reporters(self) -> dict[str, type]:
        reporters: dict[str, type] = {}
        for provided in reversed(self.manager.hook.wslint_reporters()):
            reporters.update(provided or {})
        return reporters
