"""Context for partial runs: when wslint is given only some files (a pre-commit hook passes the
changed ones), the other manifests beside them are read too, so that a Deployment whose Service
and PodDisruptionBudget live in sibling files is judged with them. Only the given files are
reported on."""

from __future__ import annotations

import os
import stat

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
