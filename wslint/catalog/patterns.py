"""Regular expressions from rule files, matched within a time budget.

A rule file is as untrusted as a manifest, and a pattern such as `^(a|a)*$` backtracks for
hours on a short hostile value; Python's `re` cannot be interrupted. The `regex` module reads the
same syntax and can stop a match after a given CPU time (`timeout`), so every pattern a rule
file gives (a `matches` condition, an option's `pattern`) is compiled and matched here.
"""

from __future__ import annotations

from typing import Any


# Seconds of CPU one match may take. Matching a pattern that does not backtrack catastrophically
# takes microseconds on a value of a kilobyte, milliseconds on megabytes.
MATCH_TIMEOUT = 0.5


class PatternError(ValueError):
    """A text that is not a regular expression, and why."""


class PatternTimeout(Exception):
    """A match that took longer than MATCH_TIMEOUT."""


def compile_pattern(text: str) -> Any:
    """`text` compiled; PatternError when it is not a regular expression (nested too deeply
    included: the parser recurses once a group)."""
    import regex  # only rules with patterns need it: not every run pays for its import

    try:
        return regex.compile(text)
    except regex.error as error:
        raise PatternError(str(error)) from None
    except (RecursionError, MemoryError, OverflowError, ValueError) as error:
        raise PatternError(f"{type(error).__name__}: {error}") from None


def search(pattern: Any, text: str) -> bool:
    """Whether `pattern` occurs in `text`; PatternTimeout past MATCH_TIMEOUT."""
    try:
        return pattern.search(text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise PatternTimeout(_too_slow(pattern)) from None


def fullmatch(pattern: Any, text: str) -> bool:
    """Whether `pattern` matches all of `text`; PatternTimeout past MATCH_TIMEOUT."""
    try:
        return pattern.fullmatch(text, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise PatternTimeout(_too_slow(pattern)) from None


def _too_slow(pattern: Any) -> str:
    text = pattern.pattern
    shown = text if len(text) <= 80 else text[:77] + "..."
    return (f"the regular expression {shown!r} took more than {MATCH_TIMEOUT:g} s of CPU on one "
            f"value (it backtracks catastrophically: rewrite it without nested repetition, "
            f"e.g. (a+)+)")
