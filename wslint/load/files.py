"""Reading a file that wslint did not make: a manifest, the configuration, a baseline, a rule
file, a `.gitignore`. Each is as untrusted as the others: only a regular file of bounded size is
read, and nothing else is ever opened."""

from __future__ import annotations

import os
import stat

# Large enough for a rendered chart of thousands of objects; a Kubernetes object itself is at
# most 1.5 MB.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024


class FileRefused(Exception):
    """A file that is not read at all, and why (one line, without the file's name)."""

    def __init__(self, reason: str, mode: int | None = None) -> None:
        super().__init__(reason)
        self.mode = mode  # the file's type when it is not a regular file


_FILE_TYPES = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
               (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"))


def file_type(mode: int) -> str:
    return next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")


def read_regular_file(path: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file of at most `max_size` bytes. Anything else (a FIFO whose
    reader would wait for a writer, a device that never ends) is refused before it is opened,
    and checked again once opened (non-blocking), in case it was swapped meanwhile; so is a file
    over `max_size`. Raises FileRefused, or OSError when the file cannot be read."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{file_type(info.st_mode)}, not a regular file; not read",
                          info.st_mode)
    if info.st_size > max_size:
        raise FileRefused(f"larger than {max_size} bytes; not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefused(f"{file_type(opened.st_mode)}, not a regular file; not read",
                              opened.st_mode)
        # As many bytes as the file holds and one more, then on to its end (a file that grew,
        # one of /proc whose size says 0): reading up to `max_size` at once would allocate that
        # much for every file, which took three times as long as the read.
        wanted = min(opened.st_size, max_size) + 1
        parts, total = [], 0
        while total <= max_size:
            part = os.read(descriptor, max(wanted - total, 1 << 16))
            if not part:
                break
            parts.append(part)
            total += len(part)
    finally:
        os.close(descriptor)
    if total > max_size:  # it grew since it was looked at
        raise FileRefused(f"larger than {max_size} bytes; not read")
    return parts[0] if len(parts) == 1 else b"".join(parts)
