"""Shell completion, as click's bash and zsh scripts ask for it: rule codes and names for
--select, --ignore and explain, the formats for --format, commands and paths first."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from wslint.cli import main


def complete(line: str) -> list[str]:
    """What `wslint` offers for the last word of `line` (empty after a trailing space)."""
    words = line.split()
    index = len(words) if line.endswith(" ") else len(words) - 1
    result = CliRunner().invoke(main, [], prog_name="wslint", env={
        "_WSLINT_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(index)})
    assert result.exit_code == 0, result.output
    return [entry.split(",", 1)[1] if entry.startswith("plain,") else entry
            for entry in result.output.splitlines()]


@pytest.mark.parametrize("line, expected", [
    ("wslint --select WS20", ["WS201", "WS202", "WS203", "WS204", "WS205", "WS206", "WS207",
                              "WS208"]),
    ("wslint --ignore missing-r", ["missing-readiness-probe", "missing-resource-limits"]),
    ("wslint deploy/ --ignore ws40", ["WS401", "WS402", "WS403", "WS404", "WS405", "WS406"]),
    ("wslint --select WS201,WS90", [f"WS201,WS90{n}" for n in range(1, 8)]),
    ("wslint explain termination", ["termination-grace-too-short"]),
    ("wslint --format ", ["github", "json", "sarif", "text"]),
    ("wslint lint --format j", ["json"]),
    ("wslint ex", ["explain"]),
    ("wslint deploy", ["file,deploy"]),  # no command starts so: a path
    ("wslint --sel", ["--select"]),
    ("wslint --fail-on ", ["error", "warning", "info", "never"]),
])
def test_completions(line, expected):
    assert complete(line) == expected


def test_the_first_word_is_a_command():
    assert complete("wslint ") == list(main.commands)
    assert {"lint", "rules", "explain"} <= set(main.commands)


def test_explain_completes_every_code_and_name():
    offered = complete("wslint explain ")
    assert "WS101" in offered and "websocket-upgrade-not-enabled" in offered
    assert len(offered) == 2 * len(complete("wslint explain WS"))
