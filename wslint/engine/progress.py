"""A progress line on standard error for long runs: `wslint: 4200/10000 files`.

It appears on a terminal only, and only once a run has taken long enough to need it; it is erased
when the run ends, so it never lands in the report, a pipe or a CI log. Asked for explicitly
(`--progress`) where standard error is not a terminal, it writes a plain line now and then instead.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, TextIO

DELAY = 1.5  # seconds before the first display: short runs show nothing
TERMINAL_INTERVAL = 0.1
LINE_INTERVAL = 5.0


def is_interactive(stream: TextIO) -> bool:
    """A terminal a person watches: not a pipe, a file, a dumb terminal or a CI job."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM") != "dumb" and not os.environ.get("CI")


class Progress:
    """Counts files done out of `total` (which the run sets once it knows) and shows it when
    the run is long. `enabled`: None to decide by the stream (a terminal), True or False when the
    user said."""

    def __init__(self, total: int = 0, stream: TextIO | None = None, enabled: bool | None = None,
                 delay: float = DELAY, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = 0
        self.terminal = is_interactive(self.stream)
        self.enabled = self.terminal if enabled is None else enabled
        self.clock = clock
        self._next = clock() + delay
        self._shown = False

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def update(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        now = self.clock()
        last = done >= self.total  # shown at once: the checks and the report come next
        if now < self._next and not (last and self._shown):
            return
        text = f"wslint: {done}/{self.total} files" + ("; checking" if last else "")
        if self.terminal:
            self.stream.write(f"\r\x1b[K{text}")
            self._next = now + TERMINAL_INTERVAL
        else:
            self.stream.write(text + "\n")
            self._next = now + LINE_INTERVAL
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Erase the line (on a terminal) before anything else is written."""
        if self._shown and self.terminal:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        self._shown = False
        self.enabled = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
