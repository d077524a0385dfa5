from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property-based tests draw the same examples on every run, so CI is reproducible;
# `HYPOTHESIS_PROFILE=explore` draws new ones, and many more.
settings.register_profile("ci", derandomize=True, database=None, max_examples=100)
settings.register_profile("explore", max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


@pytest.fixture(scope="session", autouse=True)
def render_cache(tmp_path_factory):
    """Renderings are cached across runs in the user's cache directory: the suite keeps one of
    its own instead (shared by its tests, which is safe: entries are found by content)."""
    previous = os.environ.get("XDG_CACHE_HOME")
    directory = tmp_path_factory.mktemp("xdg-cache")
    os.environ["XDG_CACHE_HOME"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
