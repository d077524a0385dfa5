"""How deeply JSON and TOML text nests, found before a recursive parser meets it.

`json` and `tomllib` recurse once per level of nesting: a baseline or a pyproject.toml nested
200,000 deep would end in a RecursionError (or, with the recursion limit raised for deep YAML,
a crash). So the text is measured first, in time linear in its size: the brackets alone give a
bound (a few C-speed passes); only when that bound passes the limit are strings and comments
told apart, to say exactly where nesting first goes too deep.
"""

from __future__ import annotations

import re
from itertools import accumulate

# wslint's own JSON and TOML files (baselines, pyproject.toml) nest a few levels; tomllib spends
# up to three Python frames a level, so this keeps it far inside the default recursion limit.
MAX_NESTING = 100
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# Each text that hides brackets, matched so that it cannot fail once started (an unterminated
# string runs to the end of its line or of the text): the scan stays linear.
# (JSON's escapes are removed first, so that its strings are runs of anything but a quote.)
_JSON_ESCAPES = re.compile(r"\\[^\n]")
_JSON_HIDING = r'"[^"]*"?'
_TOML_HIDING = (r'"""[\s\S]*?(?:"""|\Z)|' r"'''[\s\S]*?(?:'''|\Z)|"
                r'"[^"\\\n]*(?:\\[^\n]?[^"\\\n]*)*"?|' r"'[^'\n]*'?|#[^\n]*")
TOKENS = {"json": re.compile(f"{_JSON_HIDING}|[\\[\\]{{}}]"),
          "toml": re.compile(f"{_TOML_HIDING}|[\\[\\]{{}}]")}


def too_deep(text: str, syntax: str, limit: int = MAX_NESTING) -> int | None:
    """The line where `text` (`syntax`: "json" or "toml") first nests deeper than `limit`
    arrays and tables, or None when it never does."""
    brackets = _NOT_BRACKETS.sub("", text)
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) <= limit:
        return None
    if syntax == "json":
        text = _JSON_ESCAPES.sub("", text)  # lines stay where they were
    depth = 0
    for token in TOKENS[syntax].finditer(text):
        bracket = token.group()
        if len(bracket) != 1 or bracket not in _STEP:
            continue
        depth += _STEP[bracket]
        if depth > limit:
            return text.count("\n", 0, token.start()) + 1
    return None
