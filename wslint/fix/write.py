"""Reading a file again and writing it fixed, leaving the file itself as it was: its owner, group,
permission bits, extended attributes and hard links, and never writing a file that changed since
it was read, is not a regular file any more (a FIFO swapped in), or is read-only.

A file with one name is replaced atomically: the fixed text goes to a temporary file in the same
directory, which is given the original's owner, group, permission bits and extended attributes,
then renamed over it. Where that cannot keep the file as it was (the file has other hard links,
or its owner or an attribute cannot be given to a new file), the file is written in place: the
same file, so every name and everything the file carries stays."""

from __future__ import annotations

import os
import stat
import tempfile

from wslint.fix.errors import FixError

# Opening never waits (a FIFO swapped in for the file) and never makes a terminal ours.
_OPEN_FLAGS = os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
# The temporary file's name starts with this much of the file's name (in bytes): a name near
# the 255-byte limit leaves no room for the rest.
_NAME_IN_TEMPORARY = 32


def read_regular(path: str, limit: int) -> tuple[bytes, os.stat_result]:
    """At most `limit` bytes of the regular file at `path`, and its status; FixError for
    anything else (a FIFO, a device) or when it cannot be read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except OSError as error:
        raise FixError(f"cannot read it again: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FixError("it is no longer a regular file")
        try:
            return handle.read(limit), info
        except OSError as error:
            raise FixError(f"cannot read it again: {error.strerror or error}") from None


def unwritable(path: str, info: os.stat_result) -> str | None:
    """Why the file may not be written, or None. A file no one may write (no write permission
    bit) is read-only for root too, whose permissions would override the bits."""
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "it is read-only"
    if not _may_write(path):
        return "you may not write it"
    return None


def _may_write(path: str) -> bool:
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def replace_file(path: str, data: bytes, raw: bytes | None, mtime_ns: int | None) -> None:
    """Write `data` over the file at `path` (through a symlink: its target, keeping the link);
    refuse (FixError) when it is no longer `raw` with modification time `mtime_ns`, no longer a
    regular file, or not writable."""
    path = os.path.realpath(path)
    current, info = read_regular(path, len(raw or b"") + 1)
    if current != raw or info.st_mtime_ns != mtime_ns:
        raise FixError("it changed on disk during the run")
    why = unwritable(path, info)
    if why is not None:
        raise FixError(why)
    if info.st_nlink > 1 or not _replace(path, data, info):
        _write_in_place(path, data, info)


def _unchanged(now: os.stat_result, then: os.stat_result) -> bool:
    return (now.st_dev, now.st_ino, now.st_mtime_ns) == (then.st_dev, then.st_ino, then.st_mtime_ns)


def _replace(path: str, data: bytes, info: os.stat_result) -> bool:
    """Replace the file by a new one that is given everything the old one had; False (nothing
    done) when the new one cannot be given its owner, group or extended attributes."""
    directory, name = os.path.split(path)
    short = os.fsdecode(os.fsencode(name)[:_NAME_IN_TEMPORARY])
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{short}.", suffix=".wslint-fix",
                                             dir=directory)
    except OSError as error:
        raise FixError(f"cannot create a file beside it: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            descriptor = out.fileno()
            made = os.fstat(descriptor)
            if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid):
                try:
                    os.fchown(descriptor, info.st_uid, info.st_gid)
                except PermissionError:
                    os.unlink(temporary)
                    return False
            if not _copy_attributes(path, descriptor):
                os.unlink(temporary)
                return False
            # Last: a change of owner clears the set-user-ID and set-group-ID bits.
            os.fchmod(descriptor, stat.S_IMODE(info.st_mode))
            os.fsync(descriptor)
        if not _unchanged(os.stat(path), info):
            raise FixError("it changed on disk during the run")
        os.replace(temporary, path)
        return True
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _copy_attributes(path: str, descriptor: int) -> bool:
    """Copy the file's extended attributes (ACLs, security labels) to the new file; False when
    one cannot be set there."""
    if not hasattr(os, "listxattr"):
        return True
    try:
        names = os.listxattr(path)
    except OSError:
        return True  # a file system without them
    for name in names:
        try:
            os.setxattr(descriptor, name, os.getxattr(path, name))
        except OSError:
            return False
    return True


def _write_in_place(path: str, data: bytes, info: os.stat_result) -> None:
    """Overwrite the file itself (not atomic: used where replacing it would not keep it)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | _OPEN_FLAGS)
    except OSError as error:
        raise FixError(f"cannot write it: {error.strerror or error}") from None
    with os.fdopen(descriptor, "wb") as out:
        if not _unchanged(os.fstat(descriptor), info):
            raise FixError("it changed on disk during the run")
        out.write(data)
        out.truncate()
        out.flush()
        os.fsync(descriptor)
