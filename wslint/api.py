"""The one module a rule plugin imports: how to declare checks and register them, and what a
check receives and yields. It imports nothing above the domain (the graph it hands to checks),
so `import wslint.api` stays cheap and stable while the engine changes behind it::

    from wslint.api import CheckSet, Fix, Problem, hookimpl, load_rules

    checks = CheckSet()

    @checks("ACME001")
    def team_label(obj, ctx):
        if "team" not in obj.labels:
            yield Problem(("metadata", "labels", "team"), f"{obj.ref} has no team label",
                          Fix("add a team label", "team: payments"))

    @hookimpl
    def wslint_rules():
        return load_rules(files("acme_rules") / "rules", checks)

Register the module under the `wslint` entry-point group; the hooks it may implement are
documented in :mod:`wslint.hookspecs`. Each rule is declared in a YAML file of the format of
wslint's own `rules/` (code, name, severity, kinds, options, docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pluggy

from wslint.catalog.rules import INPUT_KIND, CheckFunction, Rule, RuleDefinitionError, read_rule_files
from wslint.graph import Graph
from wslint.model import (Applicability, Edit, Fix, KObject, Problem, Related, Severity, dig,
                          dig_list, dig_map)
from wslint.settings import Settings

hookimpl = pluggy.HookimplMarker("wslint")


@dataclass
class CheckContext:
    """What a check gets besides the object: the resource graph (`graph`: which Services select
    a workload, which routes reach a Service, which controller serves a route), its rule, the
    rule's resolved options, and the run's settings."""

    graph: Graph
    rule: Rule
    options: dict[str, Any]
    settings: Settings


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

    @classmethod
    def union(cls, *sets: "CheckSet") -> "CheckSet":
        """One set holding the checks of all of `sets` (a code checked twice is an error)."""
        merged = cls()
        for checks in sets:
            for code, function in checks.functions.items():
                merged(code)(function)
        return merged

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



__all__ = ["Applicability", "CheckContext", "CheckSet", "Edit", "Fix", "KObject", "Problem",
           "Related", "Rule", "Settings", "Severity", "dig", "dig_list", "dig_map", "hookimpl",
           "load_rules"]
