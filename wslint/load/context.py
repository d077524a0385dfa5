"""Context for partial runs: when wslint is given only some files (a pre-commit hook passes the
changed ones), the other manifests beside them are read too, so that a Deployment whose Service
and PodDisruptionBudget live in sibling files is judged with them. Only the given files are
reported on.

A given file that a kustomization or a chart renders is linted as part of its rendered roots, as
a directory run would lint it: those roots are looked for in the context root when one is
configured, else in the repository of the file (the directory holding `.git`), see
`wslint.load.render`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from wslint.load.sources import STDIN, YAML_SUFFIXES, discover


def _siblings(directory: str) -> list[str]:
    """The manifests directly in `directory` (not below it), as `discover` would list them."""
    try:
        names = sorted(os.listdir(directory or "."))
    except OSError:
        return []
    found = []
    for name in names:
        if name.startswith(".") or not name.lower().endswith(YAML_SUFFIXES):
            continue
        path = os.path.join(directory, name) if directory else name
        try:
            if stat.S_ISREG(os.stat(path).st_mode):
                found.append(path)
        except OSError:
            continue
    return found


def context_files(paths: list[str], root: str | None = None, excluded=None,
                  gitignore: bool = True) -> list[str]:
    """The manifests to read as context for `paths`: every manifest under `root` when one is
    configured, else those in the directories of the given files. The given paths themselves,
    directories (already read in full) and standard input add nothing."""
    named = [os.path.normcase(os.path.abspath(p)) for p in paths if p != STDIN]
    given = set(named)
    given_dirs = tuple(p.rstrip(os.sep) + os.sep for p in named if os.path.isdir(p))
    if root is not None:
        candidates = discover([root], excluded, gitignore)
    else:
        directories = sorted({os.path.dirname(p) for p in paths
                              if p != STDIN and os.path.isfile(p)})
        candidates = [path for directory in directories for path in _siblings(directory)
                      if not (excluded and excluded(path))]
    fresh = []
    for path in candidates:
        key = os.path.normcase(os.path.abspath(path))
        if key not in given and not key.startswith(given_dirs):
            fresh.append(path)
    return fresh


@dataclass
class Context:
    """What a partial run reads besides the given files."""

    files: list[str]  # manifests read for their objects only
    trees: list[str]  # where to look for the kustomizations and charts that use the given files


def repository_root(path: str) -> str:
    """The directory holding `.git` above `path` (a file or a directory), else the directory of
    `path` itself."""
    start = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent


def partial_context(paths: list[str], root: str | None = None, excluded=None,
                    gitignore: bool = True) -> Context:
    """The context of a partial run on `paths` (see `context_files`), and the trees its
    renderings are found in: the context root, else the repositories of the given paths."""
    if root is not None:
        trees = [os.path.abspath(root)]
    else:
        trees = sorted({repository_root(p) for p in paths if p != STDIN})
    return Context(context_files(paths, root, excluded, gitignore), trees)
