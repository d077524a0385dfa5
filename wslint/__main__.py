"""`python -m wslint` and the `wslint` command."""

import gc
import sys


def main() -> None:
    # `--version` answers before click and the linter are imported: it is what tools probe.
    if sys.argv[1:] == ["--version"]:
        from wslint import __version__

        print(f"wslint {__version__}")
        return
    # A command's process ends when the command does, and what a lint builds (every parsed
    # document, kept to the end) holds no reference cycles worth collecting: the cyclic
    # collector stays off (`wslint server` turns it on between lints), imports included.
    gc.disable()
    from wslint.cli import ENDS_WITH_RUN, main as cli

    try:
        cli(obj=ENDS_WITH_RUN)
    except SystemExit as done:
        _leave(done)


def _leave(done: SystemExit) -> None:
    """End the process with `done`'s status, without freeing every object one by one first:
    after a lint of 1000 files that alone takes a tenth of a second. Exit handlers run and the
    standard streams are flushed as at any exit; where that cannot be done so simply (other
    threads still running, a status that is a message, a stream that fails), the interpreter
    ends the process as usual."""
    import atexit
    import os
    import threading

    status = 0 if done.code is None else done.code
    if not isinstance(status, int) or threading.active_count() > 1:
        raise done
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        raise done from None
    os._exit(status)


if __name__ == "__main__":
    main()
