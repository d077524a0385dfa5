from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = Path(os.environ.get("WSLINT_SHARED", ROOT.parent / "shared"))


def shared_dir(*parts: str) -> Path:
    """A directory of the shared workspace (real-world corpus, peer fixtures), or a skip: a
    user's clone does not have it."""
    path = SHARED.joinpath(*parts)
    if not path.is_dir():
        pytest.skip(f"{path} is not available (it lives beside the repository, not in it)")
    return path
