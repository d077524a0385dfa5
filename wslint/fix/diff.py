"""`--diff`: a unified diff of a fixed file, comparing line by line only the documents that changed."""

from __future__ import annotations

import difflib
from typing import Iterator


def _merged(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """The opcodes without empty ones, consecutive equal ones joined."""
    merged: list[tuple[str, int, int, int, int]] = []
    for opcode in opcodes:
        tag, i1, i2, j1, j2 = opcode
        if i1 == i2 and j1 == j2:
            continue
        if merged and tag == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append(opcode)
    return merged


class _Opcodes(difflib.SequenceMatcher):
    """A matcher that knows its opcodes already (for its grouping into hunks)."""

    def __init__(self, opcodes: list[tuple[str, int, int, int, int]]) -> None:
        super().__init__(None, [], [])
        self.known = opcodes

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:
        return self.known


def _unified_range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _unified_diff(old: list[str], new: list[str], name: str,
                  opcodes: list[tuple[str, int, int, int, int]]) -> Iterator[str]:
    """`difflib.unified_diff(old, new, name, name)` from known opcodes."""
    for number, group in enumerate(_Opcodes(opcodes).get_grouped_opcodes(3)):
        if number == 0:
            yield f"--- {name}\n"
            yield f"+++ {name}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_unified_range(first[1], last[2])} +{_unified_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in old[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in new[j1:j2])


def unified_diff(name: str, original: list[tuple[str, str]], fixed: list[tuple[str, str]],
                 replaced: list[tuple[int, int, int, int]]) -> str:
    """A unified diff from the `original` lines to the `fixed` ones, where `replaced` holds the
    (start, end) of each edited document's original lines, where it starts in the fixed lines,
    and how many lines it has there. Only the edited documents are compared line by line:
    difflib over a whole file of thousands of similar documents takes quadratic time."""
    old = [line + ending for line, ending in original]
    new = [line + ending for line, ending in fixed]
    opcodes: list[tuple[str, int, int, int, int]] = []
    done = 0
    for start, end, new_start, length in replaced:
        opcodes.append(("equal", done, start, new_start - (start - done), new_start))
        matcher = difflib.SequenceMatcher(None, old[start:end],
                                          new[new_start:new_start + length], autojunk=False)
        opcodes += [(tag, start + i1, start + i2, new_start + j1, new_start + j2)
                    for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
        done = end
    opcodes.append(("equal", done, len(old), len(new) - (len(old) - done), len(new)))
    out = []
    for line in _unified_diff(old, new, name, _merged(opcodes)):
        if line.endswith("\r") and not line.endswith("\r\n"):
            line = line[:-1] + "\n"  # a CR line ending: the diff's lines end with LF
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
