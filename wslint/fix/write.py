"""Writing a fixed file: atomically, and never over a file that changed since it was read."""

from __future__ import annotations

import os
import stat
import tempfile

from wslint.fix.errors import FixError


def replace_file(path: str, data: bytes, raw: bytes | None, mtime_ns: int | None) -> None:
    """Replace the file at `path` with `data` atomically, keeping its permission bits; refuse
    (FixError) when it is no longer `raw` or its modification time `mtime_ns`."""
    path = os.path.realpath(path)  # through a symlink: keep the link
    directory, name = os.path.split(path)
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError as error:
        raise FixError(f"cannot read it before writing: {error.strerror or error}") from None
    if current != raw or info.st_mtime_ns != mtime_ns:
        raise FixError("it changed on disk during the run")
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".wslint-fix",
                                         dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if os.stat(path).st_mtime_ns != info.st_mtime_ns:
            raise FixError("it changed on disk during the run")
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
