"""A `helm` command for tests, on machines without the Helm binary: Helm's own engine (the
helm-python-sdk package binds Helm's Go SDK) does the rendering, and this script only parses
`helm`'s command line and prints what `helm template` prints.

`helm template` is Helm's client-only dry-run install: the release's manifest, which Helm builds
with a `---` and a `# Source: CHART/templates/FILE` comment before each document (sorted in
install order), then the hooks. The SDK's install with `dry_run="client"` returns that manifest
as Helm built it. Supported: `helm version [--short]`, `helm template [NAME] CHART
[-n/--namespace NS] [-f/--values FILE]... [--set K=V]...`.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path

DEFAULT_RELEASE = "release-name"  # what helm calls a release it is given no name for
LOG_VARIABLE = "HELM_SHIM_LOG"


def available() -> bool:
    # Found, not imported: importing it starts Go's runtime threads, and a test process that
    # forks (`--jobs`) should not be one with threads.
    return importlib.util.find_spec("helm_python") is not None


def install(directory: Path) -> Path:
    """An executable `helm` in `directory` (put it on PATH); its path."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "helm"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      f"from helm_shim import main\nsys.exit(main(sys.argv[1:]))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def _template(arguments: list[str]) -> int:
    import helm_python

    positional, namespace, value_files, sets = [], None, [], []
    items = iter(arguments)
    for argument in items:
        if argument in ("-n", "--namespace"):
            namespace = next(items)
        elif argument in ("-f", "--values"):
            value_files.append(next(items))
        elif argument == "--set":
            sets.append(next(items))
        elif argument.startswith("-"):
            print(f"Error: unknown flag: {argument}", file=sys.stderr)
            return 1
        else:
            positional.append(argument)
    if len(positional) not in (1, 2):
        print("Error: expected [NAME] CHART", file=sys.stderr)
        return 1
    name, chart = (DEFAULT_RELEASE, positional[0]) if len(positional) == 1 else positional
    values: dict = {}
    try:
        for path in value_files:
            values = _merge(values, helm_python.values_from_yaml(Path(path).read_text()))
        for assignment in sets:
            values = _merge(values, helm_python.parse_set_string(assignment))
        with helm_python.Config() as config:
            release = config.install(os.path.abspath(chart), name, values or None,
                                     namespace=namespace, dry_run="client")
    except (helm_python.HelmError, OSError) as error:
        print("Error: " + " ".join(str(error).split()), file=sys.stderr)
        return 1
    # As `helm template` prints it: the manifest, trimmed, then each hook.
    output = release.get("manifest", "").strip() + "\n"
    for hook in release.get("hooks") or []:
        output += f"---\n# Source: {hook['path']}\n{hook['manifest']}\n"
    sys.stdout.write(output)
    return 0


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(
            merged.get(key), dict) else value
    return merged


def main(arguments: list[str]) -> int:
    if os.environ.get(LOG_VARIABLE):  # tests count the calls
        with open(os.environ[LOG_VARIABLE], "a", encoding="utf-8") as log:
            log.write(" ".join(arguments[:1]) + "\n")
    if not available():
        print("Error: helm-python-sdk is not installed", file=sys.stderr)
        return 1
    import helm_python

    if arguments[:1] == ["version"]:
        print(f"{helm_python.helm_sdk_version()}+helm-python-sdk.{helm_python.__version__}")
        return 0
    if arguments[:1] == ["template"]:
        return _template(arguments[1:])
    print(f"Error: unknown command {' '.join(arguments[:1])!r} for \"helm\"", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
