"""wslint's built-in rules and output formats: a plugin like any other, registered through the
`wslint` entry-point group. The rule definitions (metadata and docs) are the YAML files of
`rules/`; the checks that implement them live in the modules of this package."""

from __future__ import annotations

from wslint.plugin import hookimpl


@hookimpl
def wslint_rules():
    from wslint.checks import affinity, pods, routes  # noqa: F401  (registers the checks)
    from wslint.checks import (app_protocol, dead_annotations, probes,  # noqa: F401
                               scaling, shutdown, stickiness, timeouts)
    from wslint.checks.base import checks
    from wslint.plugin import load_rules
    from wslint.rules import builtin_rules_dir

    return load_rules(builtin_rules_dir(), checks, "builtin")


@hookimpl
def wslint_reporters():
    from wslint.report.github import GithubReporter
    from wslint.report.json import JsonReporter
    from wslint.report.sarif import SarifReporter
    from wslint.report.text import TextReporter

    return {"text": TextReporter, "json": JsonReporter, "sarif": SarifReporter,
            "github": GithubReporter}
