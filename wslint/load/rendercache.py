"""Renderings kept across runs: what `kubectl kustomize` or `helm template` printed for a root,
found again by a key made of the content of every file the rendering can read and of the
renderer's version, so that a run on an unchanged tree runs no renderer at all.

The cache lives where tools keep caches (`$XDG_CACHE_HOME/wslint`, else `~/.cache/wslint`), never
in the repository. An entry is looked up only by its key, and any change to what the rendering
reads makes another key: a stale entry can never be found. What cannot be keyed (a remote base,
a tree too large to read) is rendered every time. A cache that cannot be read or written is the
same as no cache: every failure here is a miss.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
import time

from wslint.load.sources import walk_once

FORMAT = "1"  # part of every key: a new layout of entries never reads the old ones
# Directories of version control: what a build reads is never in them (an entry naming a file
# there is keyed by itself), and they change on every commit.
VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn"})
# A rendering that can read more than this is not cached: keying it would cost what rendering
# it does.
MAX_KEYED_FILES = 20_000
MAX_KEYED_BYTES = 256 * 1024 * 1024
MAX_AGE = 30 * 24 * 3600  # seconds an entry is kept after it was last used
ENV_DIRECTORY = "XDG_CACHE_HOME"


def cache_directory() -> str | None:
    """`$XDG_CACHE_HOME/wslint` (when set to an absolute path, as the XDG specification asks),
    else `~/.cache/wslint`; None when there is no home to put it in."""
    base = os.environ.get(ENV_DIRECTORY, "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "wslint")


class Uncacheable(Exception):
    """What a rendering reads cannot be told (or is too much to read): render it every time."""


class Fingerprints:
    """Digests of files and directory trees, each read once per run (roots share their bases)."""

    def __init__(self) -> None:
        self._files: dict[str, str] = {}
        self._trees: dict[str, tuple[tuple[str, str], ...]] = {}
        self.files_read = 0
        self.bytes_read = 0

    def path(self, path: str) -> str:
        """What is at `path` now: a file's content digest, a directory's tree, or `missing`."""
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return "missing"
        except OSError as error:
            return f"unreadable:{error.errno}"
        if stat.S_ISDIR(info.st_mode):
            return "tree:" + _digest(repr(self.tree(path)).encode())
        return self.file(path)

    def file(self, path: str) -> str:
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> str:
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                return f"special:{stat.S_IFMT(info.st_mode)}"  # never opened: it may not end
            self.files_read += 1
            self.bytes_read += info.st_size
            if self.files_read > MAX_KEYED_FILES or self.bytes_read > MAX_KEYED_BYTES:
                raise Uncacheable("too much to read")
            import hashlib  # here: only runs with renderings pay for loading it

            digest = hashlib.blake2b(digest_size=20)
            # Non-blocking: a "regular" file of /proc or /sys may otherwise wait for data.
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            with os.fdopen(os.open(path, flags), "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            return digest.hexdigest()
        except FileNotFoundError:
            return "missing"
        except OSError as error:
            return f"unreadable:{error.errno}"

    def tree(self, directory: str) -> tuple[tuple[str, str], ...]:
        """Every file below `directory` (hidden ones too, symlinks followed once), by its path
        relative to it, with its digest. Directories of version control are left out."""
        directory = os.path.normpath(directory)
        if directory not in self._trees:
            entries = []
            for root, dirs, names in walk_once(directory):
                dirs[:] = sorted(d for d in dirs if d not in VCS_DIRECTORIES)
                for name in sorted(names):
                    path = os.path.join(root, name)
                    entries.append((os.path.relpath(path, directory), self.file(path)))
            self._trees[directory] = tuple(entries)
        return self._trees[directory]


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.blake2b(data, digest_size=20).hexdigest()


def make_key(*parts: object) -> str:
    return _digest(json.dumps([FORMAT, *parts], sort_keys=True, default=repr).encode())


class RenderCache:
    """Entries as JSON files named by their key under `directory`."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.join(directory, "render")
        self.pruned = False

    def get(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            with open(path, encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None  # not an entry this version wrote: a miss
        try:
            os.utime(path)  # used: kept another MAX_AGE
        except OSError:
            pass
        return entry

    def put(self, key: str, entry: dict) -> None:
        """Store `entry` atomically (a concurrent reader sees the old file or the new one)."""
        try:
            # Renderings can hold secrets (a secretGenerator's files): the user's alone.
            os.makedirs(os.path.dirname(self.directory), mode=0o700, exist_ok=True)
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")  # 0600
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump({**entry, "key": key}, handle)
                os.replace(temporary, self._path(key))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return  # an unwritable cache is no cache
        self._prune()

    def tool_version(self, tool: str, arguments: list[str]) -> str | None:
        """`tool ARGUMENTS` (its version), run once per installed binary: remembered under the
        binary's real path, size, modification time and inode, so that an upgrade runs it
        again. None when it cannot be told."""
        try:
            real = os.path.realpath(tool)
            info = os.stat(real)
        except OSError:
            return None
        key = make_key("tool", real, info.st_size, info.st_mtime_ns, info.st_ino, arguments)
        entry = self.get(key)
        if entry is not None and isinstance(entry.get("version"), str):
            return entry["version"]
        try:
            done = subprocess.run([tool, *arguments], capture_output=True, text=True, timeout=30,
                                  encoding="utf-8", errors="replace")
        except (OSError, subprocess.SubprocessError):
            return None
        if done.returncode != 0 or not done.stdout.strip():
            return None
        # The binary itself too: a rebuild that reports the same version is another renderer.
        version = f"{real} {info.st_size} {info.st_mtime_ns} {done.stdout.strip()}"
        self.put(key, {"version": version})
        return version

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key + ".json")

    def _prune(self) -> None:
        """Once per run that writes: drop entries unused for MAX_AGE (and stray temporary
        files of writers that died)."""
        if self.pruned:
            return
        self.pruned = True
        cutoff = time.time() - MAX_AGE
        try:
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    try:
                        if entry.stat().st_mtime < cutoff:
                            os.unlink(entry.path)
                    except OSError:
                        continue
        except OSError:
            return
