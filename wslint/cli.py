"""The command line: `wslint [PATH]...` lints (the default command), `wslint rules` lists the
rules, `wslint explain RULE` prints one rule's documentation.

Exit status: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 for usage errors,
unreadable paths, invalid configuration and internal errors.
"""

from __future__ import annotations

import errno
import gc
import io
import json
import os
import sys
from contextlib import contextmanager

import click

from wslint import __version__
from wslint.controllers.registry import BY_ID as CONTROLLER_IDS
from wslint.settings import OPTIONS, Option

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "info", "never")


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, belongs to `lint`: so that
    `wslint deploy/` and `wslint --format json -` work as users expect."""

    default_command = "lint"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and ctx.resilient_parsing:
            pass  # completing the first word: see shell_complete
        elif not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        """The first word: a command, else `lint`'s options or a path (as it is read)."""
        from click.shell_completion import CompletionItem

        if incomplete.startswith("-"):
            lint = self.commands[self.default_command]
            items = [*super().shell_complete(ctx, incomplete), *lint.shell_complete(ctx, incomplete)]
            return list({item.value: item for item in items}.values())
        commands = [CompletionItem(name, help=command.get_short_help_str())
                    for name, command in self.commands.items() if name.startswith(incomplete)]
        return commands or [CompletionItem(incomplete, type="file")]


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


class _FileSize(click.ParamType):
    """A size in bytes: `1048576`, `512K`, `64M`, `1G`."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from wslint.load.sources import parse_size

        try:
            size = parse_size(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)
        if size < 1:
            self.fail("a file size limit must be at least 1 byte", param, ctx)
        return size


def _click_type(option: Option) -> click.ParamType:
    if option.kind == "choice":
        return click.Choice(option.choices)
    if option.kind == "controller":
        return click.Choice(sorted(CONTROLLER_IDS))
    if option.kind == "size":
        return _FileSize()
    return click.IntRange(min=1, max=option.maximum)


def settings_options(command):
    """The command-line options of the settings' table (wslint.settings.OPTIONS)."""
    for option in reversed([o for o in OPTIONS if o.flags]):
        if option.negated:
            decorator = click.option(*option.flags, is_flag=True, help=option.help)
        else:
            help_text = option.help + (f" (one of: {', '.join(sorted(CONTROLLER_IDS))})"
                                       if option.kind == "controller" else "")
            decorator = click.option(*option.flags, type=_click_type(option), default=None,
                                     metavar=option.metavar, help=help_text)
        command = decorator(command)
    return command


# --- shell completion (click's; README, "Shell completion") -------------------------------------

def _complete_rules(ctx, param, incomplete: str) -> list:
    """Rule codes and names; in a comma-separated list (`--select WS2,WS3`), the last item."""
    from click.shell_completion import CompletionItem

    from wslint.engine.plugins import Plugins

    done, comma, last = incomplete.rpartition(",")
    try:
        rules = Plugins(third_party=not ctx.params.get("no_plugins")).rules()
    except Exception:  # a broken plugin or rule file: no completions rather than a traceback
        return []
    return [CompletionItem(done + comma + word, help=rule.summary)
            for rule in rules for word in (rule.code, rule.name)
            if word.lower().startswith(last.lower())]


def _complete_formats(ctx, param, incomplete: str) -> list:
    """The output formats, plugins' included."""
    from wslint.engine.plugins import Plugins

    try:
        formats = Plugins(third_party=not ctx.params.get("no_plugins")).reporters()
    except Exception:
        return []
    return sorted(name for name in formats if name.startswith(incomplete))


def _fail(message: str) -> None:
    _error(f"wslint: error: {message}")
    sys.exit(EXIT_ERROR)


def _error(message: str) -> None:
    """A line on standard error; what it quotes from manifests and file names is escaped."""
    from wslint.report import escape_text

    click.echo(escape_text(message), err=True)


STANDARD_OUTPUT = "standard output"


@contextmanager
def _writing(where: str = STANDARD_OUTPUT):
    """Output that cannot be written (a missing directory, a read-only file system, a full disk)
    is a one-line error with exit status 2. A closed pipe (`wslint | head`) is left to click,
    which ends quietly."""
    try:
        yield
        if where == STANDARD_OUTPUT:
            sys.stdout.flush()  # here, not at exit where a failure is a traceback
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise
        if where == STANDARD_OUTPUT:
            _discard_stdout()
        _fail(f"{where}: cannot write the output: {error.strerror or error}")


def _discard_stdout() -> None:
    """What is still buffered for standard output would fail again when Python exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a file descriptor (tests capture output)


# What the `wslint` command (wslint.__main__) tells its subcommands, as click's context object:
# the process ends with the run, without freeing what the run built first.
ENDS_WITH_RUN = "process-ends-with-run"


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
              shell_complete=_complete_formats,
              help="Output format: text, json, sarif, github, or one a plugin adds.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to this file instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding of this severity or higher is reported (default: "
                   "warning).")
@click.option("--select", multiple=True, metavar="RULES", shell_complete=_complete_rules,
              help="Only these rules: codes, code prefixes (WS2) or names; comma-separated.")
@click.option("--ignore", multiple=True, metavar="RULES", shell_complete=_complete_rules,
              help="Skip these rules (same forms).")
@click.option("--extend-select", multiple=True, metavar="RULES", shell_complete=_complete_rules,
              help="Also these rules, such as those off by default (same forms).")
@click.option("--stdin-filename", default="<stdin>", show_default=True,
              help="The file name to report for input read from `-` (documents Helm marks with "
                   "`# Source:` are reported at their templates).")
@click.option("--no-plugins", is_flag=True, help="Load no third-party rule plugins "
              "(also: WSLINT_NO_PLUGINS=1).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the configuration from FILE (default: the nearest .wslint.yaml, or "
                   "pyproject.toml with [tool.wslint], from here up to the repository root).")
@click.option("--no-config", is_flag=True, help="Read no configuration file.")
@click.option("--exclude", multiple=True, metavar="PATTERNS",
              help="Skip files matching these gitignore-style patterns (added to the "
                   "configuration's exclude).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Load YAML rules from DIR (added to the configuration's rule-dirs).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only the findings that are not recorded in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record the current findings in FILE as the baseline, and exit 0.")
@click.option("--context", "with_context", is_flag=True,
              help="Also read the other manifests in the given files' directories (or under "
                   "--context-root) to relate objects; report only on the given files.")
@click.option("--context-root", type=click.Path(file_okay=False), metavar="DIR",
              help="With --context: read every manifest under DIR as context.")
@click.option("--progress/--no-progress", default=None,
              help="Show files done on standard error during long runs (default: on a "
                   "terminal only, never in pipes or CI).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option("--fix", "apply_fixes", is_flag=True,
              help="Apply the safe fixes, then report what is left (with -, print the fixed "
                   "stream and report on standard error).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, apply the unsafe fixes too.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print a unified diff of what --fix would change and write nothing (exit 1 "
                   "when there is something to fix).")
@settings_options
def lint(paths, output_format, output, fail_on, select, ignore, extend_select, stdin_filename,
         no_plugins, color, quiet, statistics, apply_fixes, unsafe_fixes, show_diff, config_file, no_config, exclude,
         rules_dir, baseline_file, write_baseline, with_context, context_root, progress,
         **options) -> None:
    """Lint the manifests in PATHS (files, directories, or - for standard input; default: .)."""
    # A run keeps every parsed document alive until it ends, and it creates no reference cycles
    # worth collecting: the cyclic collector would only walk those objects over and over (a
    # third of the load time on 1000 files). Turned on again after the run where it was on (not
    # in the `wslint` command, whose process ends with the run).
    if gc.isenabled():
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an
        if hasattr(stream, "reconfigure"):  # escape, never an encoding error
            stream.reconfigure(errors="backslashreplace")
    from wslint.engine import Linter
    from wslint.settings import Settings
    from wslint.report import ReportSettings
    from wslint.catalog.rules import OptionError, RuleDefinitionError, SelectionError
    from wslint.load.sources import STDIN, InputError

    from wslint.engine.baseline import BaselineError, load_baseline, write_baseline as record_baseline
    from wslint.config import ConfigError
    from wslint.load.context import partial_context

    settings = Settings(stdin_filename=stdin_filename, plugins=not no_plugins)
    try:
        config = _configuration(config_file, no_config)
        plugins = _plugins(config, settings, rules_dir)
        if config is not None:
            config.apply(settings, plugins.rules())
    except (ConfigError, RuleDefinitionError) as error:
        _fail(str(error))
    # Command-line flags override the file: --select replaces its select and ignore,
    # --ignore adds to its ignore.
    if select:
        settings.select, settings.ignore = _split(select), []
    settings.ignore += _split(ignore)
    settings.extend_select += _split(extend_select)
    for option in OPTIONS:
        if option.flags and options[option.parameter] not in (None, False):
            setattr(settings, option.attribute,
                    False if option.negated else options[option.parameter])
    fail_on = fail_on or (config.get("fail-on") if config else None) or "warning"
    baseline_file = baseline_file or (config.get("baseline") if config else None)
    excluded = _excluder(config, exclude, [f for f in (baseline_file, write_baseline) if f])
    context_root = context_root or (config.get("context-root") if config else None)
    if unsafe_fixes and not (apply_fixes or show_diff):
        _fail("--unsafe-fixes applies with --fix or --diff")
    outcome = None
    try:
        linter = Linter(settings, plugins)
        linter.keep_last_run = click.get_current_context().obj == ENDS_WITH_RUN
        reporters = linter.plugins.reporters()
        if output_format not in reporters:
            _fail(f"unknown format {output_format!r} (choose from {', '.join(sorted(reporters))})")
        linter.finding_text = getattr(reporters[output_format], "finding_text", None)
        baseline = load_baseline(baseline_file) if baseline_file and not write_baseline else None
        targets = list(paths) or ["."]
        context = (partial_context(targets, context_root, excluded, settings.gitignore)
                   if with_context or context_root else [])
        if apply_fixes or show_diff:
            from wslint.fix import fix

            loaded, context_loaded = linter.load_inputs(targets, excluded, context)
            outcome = fix(linter, loaded, context_loaded, unsafe=unsafe_fixes, roots=targets,
                          write=apply_fixes, share=True)
            result = outcome.result
        else:
            from wslint.engine.progress import Progress

            with Progress(enabled=progress) as shown:
                result = linter.lint_paths(targets, excluded, context, shown)
    except (InputError, SelectionError, OptionError, RuleDefinitionError, BaselineError) as error:
        _fail(str(error))
    if write_baseline:
        try:
            recorded = record_baseline(write_baseline, result)
        except BaselineError as error:
            _fail(str(error))
        _error(f"wslint: recorded {recorded} finding{'s' if recorded != 1 else ''} in "
               f"{write_baseline}")
        sys.exit(EXIT_ERROR if result.internal_errors else EXIT_OK)
    if baseline is not None:
        baseline.apply(result)

    if show_diff:
        with _writing():
            status = _print_diff(outcome, quiet)
        sys.exit(EXIT_ERROR if _print_failures(linter, result) else status)
    with _writing():
        fix_failed = apply_fixes and _write_fixes(outcome, loaded, quiet)
    # With `--fix -`, standard output carries the fixed stream: the report goes to stderr.
    report_out = sys.stderr if apply_fixes and STDIN in paths else sys.stdout
    with _writing(output or STANDARD_OUTPUT):
        stream = open(output, "w", encoding="utf-8", newline="\n") if output else report_out
        try:
            use_color = color == "always" or (
                color == "auto" and not output and stream.isatty() and "NO_COLOR" not in os.environ)
            reporter = reporters[output_format](stream, ReportSettings(
                color=use_color, quiet=quiet, statistics=statistics, tool_version=__version__,
                rules=linter.all_rules))
            reporter.report(result)
            if output_format == "text" and not quiet:
                _fixable_hint(result, stream, apply_fixes, unsafe_fixes)
        finally:
            if output:
                stream.close()
    for notice in result.notices:  # what this machine could not lint, after the report
        _error(f"wslint: warning: {notice}")
    if _print_failures(linter, result):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_ERROR if fix_failed else exit_status(result, fail_on))


def _print_failures(linter, result) -> bool:
    """Plugins that failed to load and checks that raised, on stderr; True when there are any."""
    for failure in linter.plugins.failures:
        _error(f"wslint: error: plugin {failure.plugin} failed to load: {failure.error}")
    for error in result.internal_errors:
        _error(f"wslint: internal error in rule {error.rule} (plugin {error.plugin}) on "
               f"{error.obj}: {error.error}")
    return bool(result.internal_errors or linter.plugins.failures)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _print_notices(outcome) -> None:
    for notice in outcome.notices:
        _error(f"wslint: warning: {notice}")


def _print_diff(outcome, quiet: bool) -> int:
    """`--diff`: the diffs on stdout, what would be fixed on stderr; writes nothing."""
    from wslint.report import escape_text

    for file in outcome.files:
        sys.stdout.write(file.diff(escape_text(file.source.path)))  # a name is no command
    sys.stdout.flush()
    _print_notices(outcome)
    if not quiet:
        click.echo(f"Would fix {_plural(outcome.fixed, 'problem')} in "
                   f"{_plural(len(outcome.files), 'file')}.", err=True)
    return EXIT_FINDINGS if outcome.files else EXIT_OK


def _write_fixes(outcome, loaded, quiet: bool) -> bool:
    """`--fix`: say which files could not be written (and print the fixed standard input);
    True when a file could not be written."""
    for error in outcome.errors:
        _error(f"wslint: error: {error}")
    failed = bool(outcome.errors)
    written = sum(1 for file in outcome.files if not file.source.is_stdin)
    stdin = next((item.source for item in loaded if item.source.is_stdin), None)
    if stdin is not None:
        fixed = next((f for f in outcome.files if f.source.is_stdin), None)
        sys.stdout.buffer.write(fixed.data() if fixed else stdin.raw or b"")
        sys.stdout.flush()
        written += fixed is not None
    _print_notices(outcome)
    if not quiet:
        click.echo(f"Fixed {_plural(outcome.fixed, 'problem')} in {_plural(written, 'file')}."
                   + (" Some files were not written (see above)." if failed else ""), err=True)
    return failed


def _fixable_hint(result, stream, fixed: bool, unsafe: bool) -> None:
    """Like ruff's `[*] N fixable`: how many findings `--fix` (or `--unsafe-fixes`) would fix.
    After `--fix`, the safe fixes left are the ones it could not apply (see the warnings)."""
    from wslint.model import applicable

    safe = 0 if fixed else sum(applicable(f, False) for f in result.findings)
    more = 0 if unsafe else sum(applicable(f, True) and not applicable(f, False)
                                for f in result.findings)
    if safe:
        stream.write(f"{_plural(safe, 'problem')} fixable with `wslint --fix`"
                     + (f" ({more} more with `--unsafe-fixes`).\n" if more else ".\n"))
    elif more:
        stream.write(f"{_plural(more, 'problem')} fixable with `wslint --fix --unsafe-fixes`.\n")


def _configuration(config_file: str | None, no_config: bool):
    """The configuration file to use: the one named, or the nearest one, or none."""
    from pathlib import Path

    from wslint.config import find_config, load_config, passed_over

    if no_config:
        return None
    path = Path(config_file) if config_file else find_config()
    if path is None:
        return None
    if not config_file:
        for other in passed_over(path):
            table = " [tool.wslint]" if other.name == "pyproject.toml" else ""
            _error(f"wslint: warning: using {os.path.relpath(path)}; {os.path.relpath(other)}"
                   f"{table} beside it is ignored (keep one configuration file)")
    return load_config(path)


def _plugins(config, settings, rules_dirs: tuple[str, ...]):
    """The plugins, with the YAML rules of the configured and the given rule directories."""
    from wslint.engine.plugins import Plugins

    settings.rule_dirs = [*(config.get("rule-dirs", []) if config else []),
                          *(os.path.abspath(d) for d in rules_dirs)]
    plugins = Plugins(third_party=settings.plugins, rule_dirs=settings.rule_dirs)
    plugins.rules()  # read the rule files now: a broken one is a usage error
    return plugins


def _excluder(config, patterns: tuple[str, ...], baselines: list[str]):
    """One predicate for the configuration's exclude globs (relative to its directory), the
    command line's (relative to the working directory), and the baseline files (JSON that is
    not a manifest)."""
    from pathlib import Path

    from wslint.config import path_matcher

    own = {os.path.abspath(path) for path in baselines}
    matchers = [m for m in (
        path_matcher(config.get("exclude", []), config.directory) if config else None,
        path_matcher(_split(patterns), Path.cwd()),
        (lambda path: os.path.abspath(path) in own) if own else None) if m is not None]
    if not matchers:
        return None
    return lambda path: any(matcher(path) for matcher in matchers)


def exit_status(result, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    from wslint.model import Severity

    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK


def _config_options(command):
    """--config and --no-config, for the commands that list rules (rule-dirs add to them)."""
    command = click.option("--no-config", is_flag=True, help="Read no configuration file.")(command)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
                        help="Read the configuration (its rule-dirs) from FILE.")(command)


def _configured_rules(config_file, no_config: bool, third_party: bool):
    from wslint.config import ConfigError
    from wslint.settings import Settings
    from wslint.catalog.rules import RuleDefinitionError

    try:
        config = _configuration(config_file, no_config)
        return _plugins(config, Settings(plugins=third_party), ()).rules()
    except (ConfigError, RuleDefinitionError) as error:
        _fail(str(error))


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--no-plugins", is_flag=True,
              help="List no third-party plugin's rules (only wslint's own and rule-dirs').")
@_config_options
def rules_command(output_format: str, no_plugins: bool, config_file, no_config) -> None:
    """List every rule: code, name, severity and summary."""
    rules = _configured_rules(config_file, no_config, not no_plugins)
    with _writing():
        if output_format == "json":
            import json

            click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": str(r.severity),
                                    "summary": r.summary, "plugin": r.plugin,
                                    "fix-safety": str(r.fix_safety),
                                    "enabled-by-default": r.enabled_by_default,
                                    "options": {n: o.default for n, o in r.options.items()}}
                                   for r in rules], indent=2))
            return
        from wslint.report import escape_text

        width = max(len(r.name) for r in rules)
        for rule in rules:  # a rule directory's summary is as untrusted as a manifest
            click.echo(f"{rule.code}  {rule.name:<{width}}  {str(rule.severity):<7}  "
                       f"{escape_text(rule.summary)}"
                       + ("" if rule.enabled_by_default else " (off by default)"))


@main.command("explain")
@click.argument("rule", shell_complete=_complete_rules)
@_config_options
def explain(rule: str, config_file, no_config) -> None:
    """Print a rule's documentation (RULE: a code such as WS203, or a name)."""
    from wslint.catalog.docs import render_rule_text
    from wslint.report import escape_text

    rules = _configured_rules(config_file, no_config, True)
    matches = [r for r in rules if rule in (r.code, r.name) or rule.upper() == r.code]
    if not matches:
        _fail(f"unknown rule {rule!r} (see `wslint rules`)")
    with _writing():
        # A rule directory's docs are as untrusted as a manifest: escaped line by line.
        click.echo("\n".join(escape_text(line)
                             for line in render_rule_text(matches[0]).split("\n")))


@main.command("generate-docs")
@click.option("--output", "directory", type=click.Path(file_okay=False), default=None,
              help="Where the rule pages go (default: docs/rules of wslint's own source tree).")
@click.option("--controllers-page", type=click.Path(dir_okay=False), default=None,
              help="Where the controllers page goes (default: docs/controllers.md of wslint's "
                   "own source tree).")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 when a page is missing, stale or left over.")
def generate_docs(directory: str | None, controllers_page: str | None, check: bool) -> None:
    """Write one Markdown page per built-in rule, and an index, from the rule metadata (the same
    that `wslint explain` prints), the controllers page from the controller profiles, and beside
    it the load balancers page (load-balancers.md) from the cloud profiles and the
    configuration's JSON Schema (wslint.schema.json)."""
    from pathlib import Path

    from wslint.catalog.docs import generated_pages, stale_pages, write_pages
    from wslint.clouds.docs import LOAD_BALANCERS_PAGE, render_load_balancers_page
    from wslint.config import SCHEMA_NAME, json_schema
    from wslint.controllers.docs import render_controllers_page
    from wslint.engine.plugins import Plugins

    if directory is None or controllers_page is None:
        # wslint's own pages, wherever it is run from: a user's docs/ is not wslint's.
        source_tree = Path(__file__).resolve().parent.parent
        if not ((source_tree / "pyproject.toml").is_file() and (source_tree / "docs").is_dir()):
            _fail("this wslint is installed without its source tree: give --output DIR and "
                  "--controllers-page FILE")
        directory = directory or str(source_tree / "docs" / "rules")
        controllers_page = controllers_page or str(source_tree / "docs" / "controllers.md")
    rules = Plugins(third_party=False).rules()
    pages = generated_pages(rules)
    target = Path(directory)
    controllers = Path(controllers_page)
    controllers_text = render_controllers_page()
    controllers_stale = not controllers.is_file() or \
        controllers.read_text(encoding="utf-8") != controllers_text
    # The configuration's JSON Schema sits beside the controllers page.
    schema = controllers.parent / SCHEMA_NAME
    schema_text = json.dumps(json_schema(rules), indent=2) + "\n"
    schema_stale = not schema.is_file() or schema.read_text(encoding="utf-8") != schema_text
    # So does the load balancers page.
    load_balancers = controllers.parent / LOAD_BALANCERS_PAGE
    load_balancers_text = render_load_balancers_page()
    load_balancers_stale = not load_balancers.is_file() or \
        load_balancers.read_text(encoding="utf-8") != load_balancers_text
    if check:
        stale = [target / name for name in stale_pages(target, pages)]
        stale += [controllers] if controllers_stale else []
        stale += [load_balancers] if load_balancers_stale else []
        stale += [schema] if schema_stale else []
        for path in stale:
            click.echo(f"{path}: stale; regenerate with `wslint generate-docs`", err=True)
        sys.exit(EXIT_FINDINGS if stale else EXIT_OK)
    for name in write_pages(target, pages):
        click.echo(f"wrote {target / name}" if name in pages else f"removed {target / name}")
    if controllers_stale:
        controllers.write_text(controllers_text, encoding="utf-8", newline="\n")
        click.echo(f"wrote {controllers}")
    if load_balancers_stale:
        load_balancers.write_text(load_balancers_text, encoding="utf-8", newline="\n")
        click.echo(f"wrote {load_balancers}")
    if schema_stale:
        schema.write_text(schema_text, encoding="utf-8", newline="\n")
        click.echo(f"wrote {schema}")


@main.command("server")
@click.option("--no-plugins", is_flag=True, help="Load no third-party rule plugins.")
def server(no_plugins: bool) -> None:
    """Run the language server on standard input and output, for editors (docs/editors.md)."""
    from wslint.server import missing_dependency, serve

    reason = missing_dependency()
    if reason is not None:
        _fail(reason)
    serve(plugins=not no_plugins)
