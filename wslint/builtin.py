"""wslint's own plugin: its rules and output formats, listed here and registered through the
`wslint` entry-point group exactly like a third-party plugin. The rule definitions (metadata and
docs) are the YAML files of `rules/`; their checks are the modules listed below."""

from __future__ import annotations

from wslint.api import CheckSet, hookimpl, load_rules
from wslint.catalog.rules import builtin_rules_dir
from wslint.checks import (affinity, annotations, app_protocol, implementations, liveness,
                           load_balancers, node_drain, pods, scaling, shutdown, stickiness,
                           timeouts, upgrade)

# Every built-in check module, in rule-code order of the rules they hold.
CHECK_MODULES = (upgrade, timeouts, annotations, load_balancers, implementations, pods, shutdown,
                 liveness, node_drain, affinity, stickiness, app_protocol, scaling)


@hookimpl
def wslint_rules():
    checks = CheckSet.union(*(module.checks for module in CHECK_MODULES))
    return load_rules(builtin_rules_dir(), checks, "builtin")


@hookimpl
def wslint_reporters():
    from wslint.report.github import GithubReporter
    from wslint.report.json import JsonReporter
    from wslint.report.sarif import SarifReporter
    from wslint.report.text import TextReporter

    return {"text": TextReporter, "json": JsonReporter, "sarif": SarifReporter,
            "github": GithubReporter}
