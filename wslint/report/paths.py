"""Where reported files are, for consumers that resolve them against a repository checkout
(GitHub code scanning, workflow annotations): paths relative to the repository root."""

from __future__ import annotations

import os
from pathlib import Path


def repository_root(start: Path | None = None) -> Path:
    """The nearest directory holding `.git`, from `start` (the working directory) upwards; the
    working directory itself when there is none."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def relative_to_root(path: str, root: Path) -> str:
    """`path` relative to `root`, with `/` separators (`..` steps when it lies outside)."""
    try:
        return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
    except ValueError:  # another drive (Windows): no relative form
        return Path(os.path.abspath(path)).as_posix()
