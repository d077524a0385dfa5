"""Baselines: adopt wslint on a repository that already has findings.

`wslint --write-baseline FILE [PATHS]` records today's findings; `wslint --baseline FILE [PATHS]`
then reports only findings that are not in it. A finding is matched on its rule, file, object and
field path, never on its line, so a baseline survives lines moving above a finding. When a key
occurs more often than the baseline recorded (a second container without a probe in the same
object is a different path, but a second identical finding is not), the extra ones are reported.

Files are recorded relative to the baseline file's directory, so the baseline matches whatever
directory wslint runs from. The file is JSON, sorted, one finding per entry, so it diffs well;
each entry keeps the message and line for the reader, which matching ignores.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from wslint.load.nesting import MAX_NESTING, too_deep
from wslint.load.files import FileRefused, read_regular_file
from wslint.model import Finding, LintResult

FORMAT_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file: exit status 2."""


def _relative_file(finding: Finding, result: LintResult, base: Path) -> str:
    source = result.sources.get(finding.file)
    if source is not None and source.is_stdin:
        return finding.file
    try:
        return Path(os.path.relpath(os.path.abspath(finding.file), base)).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(finding.file).as_posix()


def _key(rule: str, file: str, obj: str, path: str) -> tuple[str, str, str, str]:
    return (rule, file, obj, path)


def _finding_key(finding: Finding, result: LintResult, base: Path) -> tuple[str, str, str, str]:
    return _key(finding.code, _relative_file(finding, result, base),
                str(finding.object) if finding.object else "", finding.path)


def write_baseline(path: str, result: LintResult) -> int:
    """Record `result`'s findings in `path`; the number recorded."""
    base = Path(os.path.abspath(path)).parent
    entries = []
    for finding in result.findings:
        rule, file, obj, field_path = _finding_key(finding, result, base)
        entries.append({"rule": rule, "file": file, "object": obj, "path": field_path,
                        "line": finding.line, "message": finding.message})
    entries.sort(key=lambda e: (e["file"], e["rule"], e["object"], e["path"], e["line"], e["message"]))
    document = {"version": FORMAT_VERSION, "tool": "wslint", "findings": entries}
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=True)
            handle.write("\n")
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    return len(entries)


class Baseline:
    def __init__(self, path: str, keys: Counter) -> None:
        self.path = path
        self.base = Path(os.path.abspath(path)).parent
        self.keys = keys

    def apply(self, result: LintResult) -> None:
        """Drop the findings the baseline holds from `result`, counting them."""
        remaining = Counter(self.keys)
        kept = []
        for finding in result.findings:
            key = _finding_key(finding, result, self.base)
            if remaining[key] > 0:
                remaining[key] -= 1
                result.baselined += 1
            else:
                kept.append(finding)
        result.findings = kept


def load_baseline(path: str) -> Baseline:
    """Read a baseline file with the care a manifest gets: only a regular file, of bounded size
    and nesting, is read; anything else is a BaselineError naming the file."""
    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file (create it with --write-baseline)") from None
    except FileRefused as refusal:
        raise BaselineError(f"{path}: cannot read the baseline: {refusal}") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: not a wslint baseline (not UTF-8: byte {error.start})") from None
    deep = too_deep(text, "json")
    if deep is not None:
        raise BaselineError(f"{path}:{deep}: not a wslint baseline (nested deeper than "
                            f"{MAX_NESTING} levels)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}:{error.lineno}: not a wslint baseline (invalid JSON: "
                            f"{error.msg}, column {error.colno})") from None
    except (ValueError, RecursionError) as error:  # a number of 5000 digits, say
        raise BaselineError(f"{path}: not a wslint baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION \
            or not isinstance(document.get("findings"), list):
        raise BaselineError(f"{path}: not a wslint baseline of version {FORMAT_VERSION} "
                            f"(write a new one with --write-baseline)")
    keys: Counter = Counter()
    for index, entry in enumerate(document["findings"]):
        fields = ("rule", "file", "object", "path")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in fields):
            raise BaselineError(f"{path}: findings[{index}] needs string fields "
                                f"{', '.join(fields)}")
        keys[_key(*(entry[f] for f in fields))] += 1
    return Baseline(path, keys)
