"""The plugin manager: loads wslint's built-in plugin (`wslint.builtin`), third-party plugins
from the `wslint` entry-point group, and the configured rule directories, and collects the rules
and output formats they provide. Plugin authors never import this module: see `wslint.api`."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pluggy

from wslint.api import hookimpl
from wslint.catalog.declarative import RESERVED_PREFIX
from wslint.catalog.rules import Rule, RuleDefinitionError, parse_rule
from wslint.load.files import FileRefused, read_regular_file

ENTRY_POINT_GROUP = "wslint"
DISTRIBUTION = "wslint"
NO_PLUGINS_ENV = "WSLINT_NO_PLUGINS"


# --- rule directories: users' YAML rules, a plugin like any other ---------------------------

def read_rule_dir(directory: str) -> list[Rule]:
    """The YAML rules of one `rule-dirs` directory: each needs a `check` (there is no Python
    to bind) and a code outside wslint's own `WS` prefix."""
    root = Path(directory)
    if not root.is_dir():
        raise RuleDefinitionError(f"{directory}: rule directory not found")
    rules = []
    for entry in sorted(list(root.glob("*.yaml")) + list(root.glob("*.yml"))):
        shown = entry.as_posix()
        try:  # as untrusted as a manifest: a FIFO or /dev/zero named x.yaml is never read
            text = read_regular_file(str(entry)).decode("utf-8")
        except FileRefused as refusal:
            raise RuleDefinitionError(f"{shown}: cannot read rule file: {refusal}") from None
        except OSError as error:
            raise RuleDefinitionError(f"{shown}: cannot read rule file: "
                                      f"{error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise RuleDefinitionError(f"{shown}: cannot read rule file: not UTF-8 "
                                      f"(byte {error.start})") from None
        rule = parse_rule(text, shown, require_docs=False)
        if rule.check is None:
            raise RuleDefinitionError(f"{shown}:1: a rule in a rule directory needs a 'check' "
                                      f"(select, condition, message)")
        if rule.code.startswith(RESERVED_PREFIX):
            raise RuleDefinitionError(f"{shown}:1: code {rule.code}: the {RESERVED_PREFIX} prefix "
                                      f"is wslint's own; use your organisation's (e.g. ACME101)")
        rules.append(rule)
    return rules


class RuleDirectories:
    """A plugin providing the rules of the configured rule directories."""

    def __init__(self, directories: list[str]) -> None:
        self.directories = list(directories)

    @hookimpl
    def wslint_rules(self) -> list[Rule]:
        return [rule for directory in self.directories for rule in read_rule_dir(directory)]


@dataclass
class PluginFailure:
    plugin: str
    error: str


# --- finding third-party plugins --------------------------------------------------------------

_GROUP_HEADER = re.compile(r"^[ \t]*\[[ \t]*" + ENTRY_POINT_GROUP + r"[ \t]*\][ \t]*\r?$", re.M)


def _entry_points() -> list:
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _others_may_declare() -> bool:
    """Whether a distribution other than wslint itself may declare a `wslint` entry point: a
    look at the `entry_points.txt` of every distribution on the path. Only then are entry points
    read through importlib.metadata, which alone takes longer to import than a lint of one file
    takes. Anything this look cannot judge (a zip or an egg on the path, a finder that lists
    distributions of its own) counts as a yes."""
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder
           for finder in sys.meta_path):
        return True
    for entry in sys.path:
        directory = entry or "."
        if not os.path.isdir(directory):
            if os.path.exists(directory):
                return True  # a zip file or an egg
            continue
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.endswith(".egg"):
                return True
            if not name.endswith((".dist-info", ".egg-info")) or \
                    name.partition("-")[0].lower().replace(".", "_") == DISTRIBUTION:
                continue
            try:
                with open(os.path.join(directory, name, "entry_points.txt"), "rb") as file:
                    text = file.read().decode("utf-8", "replace")
            except OSError:
                continue
            if _GROUP_HEADER.search(text):
                return True
    return False


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
            self.manager.register(RuleDirectories(rule_dirs), name="rule-dirs")
        self.manager.check_pending()
        self._rules: list[Rule] | None = None

    def _load(self, third_party: bool) -> None:
        builtin_seen = False
        for entry in _entry_points() if third_party and _others_may_declare() else ():
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
            # No plugin but wslint's own, or a source tree that was never installed: register
            # the built-ins directly, as their entry point would.
            from wslint import builtin

            self.manager.register(builtin, name="builtin")

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
