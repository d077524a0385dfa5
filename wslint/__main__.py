"""`python -m wslint` and the `wslint` command."""

import sys


def main() -> None:
    # `--version` answers before click and the linter are imported: it is what tools probe.
    if sys.argv[1:] == ["--version"]:
        from wslint import __version__

        print(f"wslint {__version__}")
        return
    from wslint.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
