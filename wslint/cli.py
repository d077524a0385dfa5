"""The command line: `wslint [PATH]...` lints (the default command), `wslint rules` lists the
rules, `wslint explain RULE` prints one rule's documentation.

Exit status: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 for usage errors,
unreadable paths, invalid configuration and internal errors.
"""

from __future__ import annotations

import os
import sys

import click

from wslint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "info", "never")


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, belongs to `lint`: so that
    `wslint deploy/` and `wslint --format json -` work as users expect."""

    default_command = "lint"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _fail(message: str) -> None:
    click.echo(f"wslint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="wslint", message="%(prog)s %(version)s")
def main() -> None:
    """Lint Kubernetes manifests for what drops WebSocket connections.

    Run `wslint [PATH]...` to lint (see `wslint lint --help`), `wslint rules` for the rules,
    `wslint explain RULE` for one rule's documentation.
    """


@main.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", default="text", show_default=True, metavar="FORMAT",
              help="Output format: text, json, or one a plugin adds.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to this file instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
              help="Exit 1 when a finding of this severity or higher is reported.")
@click.option("--select", multiple=True, metavar="RULES",
              help="Only these rules: codes, code prefixes (WS2) or names; comma-separated.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (same forms).")
@click.option("--websocket-scope", type=click.Choice(["all", "detected"]), default=None,
              help="Which workloads the connection rules apply to: every long-running one (all, "
                   "the default) or only those with a WebSocket signal (detected).")
@click.option("--stdin-filename", default="<stdin>", show_default=True,
              help="The file name to report for input read from `-`.")
@click.option("--max-depth", type=click.IntRange(min=1), default=None,
              help="Refuse documents nested deeper than this (default 1000).")
@click.option("--no-plugins", is_flag=True, help="Load no third-party rule plugins "
              "(also: WSLINT_NO_PLUGINS=1).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
def lint(paths, output_format, output, fail_on, select, ignore, websocket_scope, stdin_filename,
         max_depth, no_plugins, color, quiet, statistics) -> None:
    """Lint the manifests in PATHS (files, directories, or - for standard input; default: .)."""
    from wslint.engine import Linter, Settings
    from wslint.report import ReportSettings
    from wslint.rules import OptionError, RuleDefinitionError, SelectionError
    from wslint.sources import InputError

    settings = Settings(select=_split(select), ignore=_split(ignore),
                        stdin_filename=stdin_filename, plugins=not no_plugins)
    if websocket_scope:
        settings.websocket_scope = websocket_scope
    if max_depth:
        settings.max_depth = max_depth
    try:
        linter = Linter(settings)
        reporters = linter.plugins.reporters()
        if output_format not in reporters:
            _fail(f"unknown format {output_format!r} (choose from {', '.join(sorted(reporters))})")
        result = linter.lint_paths(list(paths) or ["."])
    except (InputError, SelectionError, OptionError, RuleDefinitionError) as error:
        _fail(str(error))

    stream = open(output, "w", encoding="utf-8", newline="\n") if output else sys.stdout
    try:
        use_color = color == "always" or (
            color == "auto" and not output and stream.isatty() and "NO_COLOR" not in os.environ)
        reporter = reporters[output_format](stream, ReportSettings(
            color=use_color, quiet=quiet, statistics=statistics, tool_version=__version__))
        reporter.report(result)
    finally:
        if output:
            stream.close()
    for failure in linter.plugins.failures:
        click.echo(f"wslint: error: plugin {failure.plugin} failed to load: {failure.error}", err=True)
    if result.internal_errors or linter.plugins.failures:
        for error in result.internal_errors:
            click.echo(f"wslint: internal error in rule {error.rule} (plugin {error.plugin}) on "
                       f"{error.obj}: {error.error}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(exit_status(result, fail_on))


def exit_status(result, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    from wslint.model import Severity

    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--no-plugins", is_flag=True, help="List only wslint's own rules.")
def rules_command(output_format: str, no_plugins: bool) -> None:
    """List every rule: code, name, severity and summary."""
    from wslint.plugin import Plugins

    rules = Plugins(third_party=not no_plugins).rules()
    if output_format == "json":
        import json

        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": str(r.severity),
                                "summary": r.summary, "plugin": r.plugin,
                                "options": {n: o.default for n, o in r.options.items()}}
                               for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for rule in rules:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {str(rule.severity):<7}  {rule.summary}")


@main.command("explain")
@click.argument("rule")
def explain(rule: str) -> None:
    """Print a rule's documentation (RULE: a code such as WS203, or a name)."""
    from wslint.docs import render_rule_text
    from wslint.plugin import Plugins

    matches = [r for r in Plugins().rules() if rule in (r.code, r.name) or rule.upper() == r.code]
    if not matches:
        _fail(f"unknown rule {rule!r} (see `wslint rules`)")
    click.echo(render_rule_text(matches[0]))
