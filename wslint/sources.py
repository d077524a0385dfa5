"""From paths on the command line to Kubernetes objects with positions.

`discover` finds the files, `load_source` turns one file's text into objects plus the findings
about the input itself (WS901 syntax errors, WS902 unrendered templates).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from wslint.model import KObject, Source
from wslint.yamltree import DEFAULT_MAX_DEPTH, Map, Seq, parse_stream

YAML_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


class InputError(Exception):
    """A problem with the command line's paths: exit status 2."""


@dataclass
class InputProblem:
    """A finding about the input itself, before any rule runs (WS9xx)."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    hint: str | None = None


@dataclass
class LoadedSource:
    source: Source
    objects: list[KObject] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped_documents: int = 0


def discover(paths: list[str], excluded=None) -> list[str]:
    """Expand files and directories (recursively; hidden directories skipped) into a sorted,
    de-duplicated list of files to read. `-` stands for the standard input. Only regular files
    are taken from directories: FIFOs and devices are never opened. Symlinked directories are
    followed once each, so a symlink loop ends."""
    found: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen and not (excluded and excluded(path)):
            seen.add(key)
            found.append(path)

    for given in paths:
        if given == STDIN:
            add(STDIN)
            continue
        try:
            info = os.stat(given)
        except FileNotFoundError:
            raise InputError(f"{given}: no such file or directory") from None
        except OSError as error:
            raise InputError(f"{given}: {error.strerror or error}") from None
        if stat.S_ISDIR(info.st_mode):
            for path in _walk(given):
                add(path)
        else:
            add(given)  # named explicitly: read whatever it is called
    return found


def _walk(top: str) -> list[str]:
    files = []
    visited: set[tuple[int, int]] = set()
    for root, dirs, names in os.walk(top, followlinks=True):
        try:
            info = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            dirs[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(YAML_SUFFIXES):
                continue
            path = os.path.join(root, name)
            try:
                if not stat.S_ISREG(os.stat(path).st_mode):
                    continue  # FIFOs, sockets, devices: never opened
            except OSError:
                pass  # a dangling link or unreadable entry: reading it reports the problem
            files.append(path)
    return files


def display_path(path: str) -> str:
    return Path(path).as_posix() if path != STDIN else path


def read_input(path: str, stdin_name: str = "<stdin>") -> tuple[Source, InputProblem | None]:
    """Read and decode one input. Undecodable or unreadable input is a WS901 at line 1."""
    if path == STDIN:
        source = Source(stdin_name, is_stdin=True)
        data = sys.stdin.buffer.read()
    else:
        source = Source(display_path(path))
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISFIFO(info.st_mode):
                return source, InputProblem("WS901", "not a regular file; not read")
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            return source, InputProblem("WS901", f"cannot read file: {error.strerror or error}")
    text, problem = decode(data)
    source.text = text
    return source, problem


def decode(data: bytes) -> tuple[str, InputProblem | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as error:
            return "", InputProblem("WS901", f"not valid UTF-16: {error.reason}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return "", InputProblem(
            "WS901", f"not valid UTF-8: byte 0x{data[error.start]:02x} at line {line}, "
                     f"column {column}; YAML must be UTF-8")


# Go/Helm template actions. `{{ ... }}` also appears in valid manifests (Prometheus and
# Alertmanager templates, Argo workflow parameters), so it counts only where YAML could not make
# sense of the file, or where it names Helm's own objects and functions.
_TEMPLATE_ACTION = re.compile(r"\{\{")
_HELM_ACTION = re.compile(
    r"\{\{-?\s*(?:[^}]*\.(?:Values|Release|Chart|Capabilities|Files|Template)\b"
    r"|(?:include|toYaml|tpl|required)\s)")
TEMPLATE_HINT = "render it first, e.g. `helm template RELEASE CHART | wslint -`"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _template_problem(text: str, at: int) -> InputProblem:
    line, column = _line_col(text, at)
    return InputProblem("WS902", "unrendered template syntax (`{{ ... }}`); the file is not "
                        "Kubernetes YAML until it is rendered", line, column, hint=TEMPLATE_HINT)


def load_source(source: Source, max_depth: int = DEFAULT_MAX_DEPTH) -> LoadedSource:
    """Parse one input into Kubernetes objects. A file with a syntax error keeps the objects of
    the documents before the error; a file of unrendered template syntax gives one WS902."""
    loaded = LoadedSource(source)
    text = source.text
    helm = _HELM_ACTION.search(text)
    if helm is not None:
        loaded.problems.append(_template_problem(text, helm.start()))
        return loaded
    stream = parse_stream(text, max_depth=max_depth)
    action = _TEMPLATE_ACTION.search(text) if (stream.problem or stream.complex_keys) else None
    if action is not None:
        loaded.problems.append(_template_problem(text, action.start()))
        return loaded
    if stream.problem is not None:
        problem = stream.problem
        code = "WS904" if problem.limit else "WS901"
        loaded.problems.append(InputProblem(code, problem.message, problem.line, problem.column))
    for index, document in enumerate(stream.documents):
        _collect_objects(document, source, index, loaded)
    return loaded


def is_kubernetes_object(value: object) -> bool:
    return (isinstance(value, Map) and isinstance(value.get("apiVersion"), str)
            and isinstance(value.get("kind"), str) and bool(value["kind"]))


def _collect_objects(document: object, source: Source, index: int, loaded: LoadedSource) -> None:
    if document is None:
        return  # an empty document: nothing to lint, nothing skipped
    if not is_kubernetes_object(document):
        loaded.skipped_documents += 1
        return
    if document["kind"].endswith("List") and isinstance(document.get("items"), list):
        items = document["items"]
        for item_index, item in enumerate(items):
            if is_kubernetes_object(item):
                loaded.objects.append(KObject(item, source, index, item_index))
            else:
                loaded.skipped_documents += 1
        return
    loaded.objects.append(KObject(document, source, index))


__all__ = ["InputError", "InputProblem", "LoadedSource", "STDIN", "Seq", "decode", "discover",
           "load_source", "read_input"]
