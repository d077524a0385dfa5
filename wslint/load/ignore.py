"""Which files a directory walk leaves out: what git ignores, and the configured `exclude`
patterns. Both are written in gitignore's syntax and matched by pathspec, the gitignore matcher
other Python tools (black, yamllint) use, rather than by hand-written globbing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pathspec


from wslint.load.files import FileRefused, read_regular_file

GITIGNORE = ".gitignore"


def _spec(lines: list[str]) -> "pathspec.GitIgnoreSpec":
    import pathspec  # only when there are patterns to match: not every run pays for its import

    return pathspec.GitIgnoreSpec.from_lines(lines)


def exclude_matcher(patterns: list[str], root: Path) -> Callable[[str], bool] | None:
    """A predicate: does a path match one of the gitignore-style `patterns`, read relative to
    `root`? As in a `.gitignore` there: a pattern with a `/` before its end is anchored at
    `root` (`deploy/*.yaml` is not `deploy/sub/b.yaml`), one without matches at any depth
    (`*.generated.yaml`, `charts/`), a directory takes what is below it, `**` crosses
    directories, and `!pattern` takes back what an earlier pattern excluded."""
    cleaned = []
    for pattern in (p.strip() for p in patterns):
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body.startswith("./"):  # as a shell would write it: the same as `/` here
            body = "/" + body[2:]
        if body.strip("/"):
            cleaned.append(("!" if negated else "") + body)
    if not cleaned:
        return None
    spec = _spec(cleaned)
    root = root.resolve()

    def excluded(path: str) -> bool:
        absolute = Path(os.path.abspath(path))
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError:
            relative = Path(path).as_posix()
        return spec.match_file(relative)

    return excluded


def _ancestors(directory: str) -> list[str]:
    """The directory and those above it, nearest first."""
    found = [directory]
    while os.path.dirname(found[-1]) != found[-1]:
        found.append(os.path.dirname(found[-1]))
    return found


class GitIgnored:
    """What git ignores in the work tree around a walk: the patterns of `.git/info/exclude` and
    of the `.gitignore` files from the repository root down to a file's directory, each read
    relative to its own directory, the last that matches deciding (a deeper file can take a
    path back with `!`). Outside a git work tree (no `.git` above), nothing, as for git."""

    def __init__(self) -> None:
        self._roots: dict[str, str | None] = {}
        self._chains: dict[str, list[tuple[str, list[pathspec.GitIgnoreSpec]]]] = {}
        self._specs: dict[str, list[pathspec.GitIgnoreSpec]] = {}

    def __call__(self, path: str, is_dir: bool) -> bool:
        absolute = os.path.abspath(path)
        return self._ignored(absolute, self._root(os.path.dirname(absolute)), is_dir)

    def kept_out(self, path: str) -> bool:
        """Whether the `.gitignore` files above a file ignore it, in a git work tree or in a copy
        of one without its `.git` (then from the topmost directory above that has a
        `.gitignore`): a file its authors keep out of the repository, such as one their tooling
        writes."""
        absolute = os.path.abspath(path)
        directory = os.path.dirname(absolute)
        root = self._root(directory)
        if root is None:
            above = [d for d in _ancestors(directory)
                     if os.path.isfile(os.path.join(d, GITIGNORE))]
            root = above[-1] if above else None
        return self._ignored(absolute, root, is_dir=False)

    def _ignored(self, absolute: str, root: str | None, is_dir: bool) -> bool:
        directory = os.path.dirname(absolute)
        if root is None or absolute == root:
            return False
        verdict = None
        for base, specs in self._chain(directory, root):
            relative = absolute[len(base):].lstrip(os.sep).replace(os.sep, "/")
            for spec in specs:
                checked = spec.check_file(relative + "/" if is_dir else relative)
                if checked.include is not None:
                    verdict = checked.include
        return bool(verdict)

    def _root(self, directory: str) -> str | None:
        """The work tree holding `directory`: the nearest directory with `.git` (a directory, or
        the file a submodule or worktree has)."""
        if directory not in self._roots:
            parent = os.path.dirname(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                self._roots[directory] = directory
            else:
                self._roots[directory] = None if parent == directory else self._root(parent)
        return self._roots[directory]

    def _chain(self, directory: str, root: str) -> list[tuple[str, list[pathspec.GitIgnoreSpec]]]:
        """The directories from `root` down to `directory` that have patterns, with them."""
        if directory not in self._chains:
            above = [] if directory == root else self._chain(os.path.dirname(directory), root)
            specs = self._specs_of(directory, root)
            self._chains[directory] = above + [(directory, specs)] if specs else above
        return self._chains[directory]

    def _specs_of(self, directory: str, root: str) -> list[pathspec.GitIgnoreSpec]:
        if directory not in self._specs:
            files = [os.path.join(directory, GITIGNORE)]
            if directory == root:
                files.insert(0, os.path.join(root, ".git", "info", "exclude"))
            specs = []
            for file in files:
                try:  # a FIFO named .gitignore would block a plain open() for ever
                    text = read_regular_file(file).decode("utf-8", errors="surrogateescape")
                except (FileRefused, OSError):
                    continue  # none here (or unreadable, as git would skip it)
                specs.append(_spec(text.splitlines()))
            self._specs[directory] = specs
        return self._specs[directory]
