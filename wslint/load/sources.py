"""From paths on the command line to Kubernetes objects with positions.

`discover` finds the files, `read_input` reads one (never more than `max_file_size` bytes, and
only regular files: a FIFO or a device is never opened), `load_source` turns its text into objects
plus the findings about the input itself: WS901 syntax errors and unreadable files, WS902
unrendered templates, WS904 input over a limit, WS905 duplicate keys, WS907 fields of the wrong
type. The limits are described in docs/limits.md.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from wslint.load.fieldtypes import wrong_types
from wslint.load.files import DEFAULT_MAX_FILE_SIZE, FileRefused, file_type, read_regular_file
from wslint.load.ignore import GitIgnored
from wslint.model import KObject, ObjRef, Source, format_path
from wslint.load.yamltree import (DEFAULT_MAX_ALIAS_EXPANSION, DEFAULT_MAX_DEPTH, MAX_NAME, Map,
                             ParsedStream, Seq, clip, document_boundary, locate,
                             other_line_breaks, parse_stream)

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
    limit: str | None = None  # the option whose limit refused the input (WS904)
    # A problem of this machine, not of the files (a renderer not installed, no network): said
    # on standard error as a warning, not reported as a finding.
    notice: bool = False


@dataclass
class LoadedSource:
    source: Source
    objects: list[KObject] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped_documents: int = 0
    documents: int = 0  # read from the text (up to a syntax error)


def discover(paths: list[str], excluded=None, gitignore: bool = True) -> list[str]:
    """Expand files and directories (recursively; hidden directories skipped) into a sorted,
    de-duplicated list of files to read: a file reached twice (named twice, or through a
    symlink or another hard link) is read once, under the first name it is reached by. `-`
    stands for the standard input. Only regular files are taken from directories: FIFOs and
    devices are never opened. Symlinked directories are followed once each, so a symlink loop
    ends. With `gitignore`, a walk leaves out what git ignores (`wslint.load.ignore`); a path
    named outright is read all the same."""
    ignored = GitIgnored() if gitignore else None
    found: list[str] = []
    seen: set[object] = set()

    def add(path: str, key: object = None) -> None:
        key = _identity(path) if key is None else key
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
            for path, key in _walk(given, ignored):
                add(path, key)
        else:
            add(given)  # named explicitly: read whatever it is called
    return found


def _identity(path: str) -> object:
    """The file a path leads to (device and inode), or the path where it leads to none."""
    if path != STDIN:
        try:
            info = os.stat(path)
            return info.st_dev, info.st_ino
        except OSError:
            pass
    return os.path.normpath(path)


def walk_once(top: str, onerror=None):
    """`os.walk` following symlinks, each directory once (by device and inode), so a symlink
    loop ends; a directory that vanishes or cannot be stat'ed is passed over."""
    visited: set[tuple[int, int]] = set()
    for root, dirs, names in os.walk(top, followlinks=True, onerror=onerror):
        try:
            info = os.stat(root)
        except OSError:
            dirs[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            dirs[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        yield root, dirs, names


def _walk(top: str, ignored: GitIgnored | None = None) -> list[tuple[str, object]]:
    """The files to read below `top`, each with its identity (`_identity`)."""
    files: list[tuple[str, object]] = []
    if ignored is not None and ignored(top, True):
        ignored = None  # an ignored directory named outright: all of it is wanted

    def unlisted(error: OSError) -> None:
        if error.filename:  # a directory that cannot be listed: reading it reports why
            files.append((error.filename, _identity(error.filename)))

    for root, dirs, names in walk_once(top, onerror=unlisted):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (ignored is not None and ignored(os.path.join(root, d), True)))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(YAML_SUFFIXES):
                continue
            path = os.path.join(root, name)
            if ignored is not None and ignored(path, False):
                continue
            try:
                info = os.stat(path)
                if not stat.S_ISREG(info.st_mode):
                    continue  # FIFOs, sockets, devices: never opened
                key: object = (info.st_dev, info.st_ino)
            except OSError:  # a dangling link or unreadable entry: reading it reports the problem
                key = os.path.normpath(path)
            files.append((path, key))
    return files


def display_path(path: str) -> str:
    return Path(path).as_posix() if path != STDIN else path


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


def parse_size(text: str) -> int:
    """`64M` -> 67108864: bytes, or a number with a unit K, M or G (binary; `KB`, `MiB` and
    lower case are read the same)."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", text.upper())
    if not match:
        raise ValueError(f"{text!r} is not a size (bytes, or a number with K, M or G)")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def read_input(path: str, stdin_name: str = "<stdin>",
               max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> tuple[Source, InputProblem | None]:
    """Read and decode one input. Input that cannot be read is a WS901 and input over
    `max_file_size` bytes a WS904, neither read at all; bytes that do not decode are a WS901,
    and the source keeps the text of the documents before them."""
    if path == STDIN:
        source = Source(stdin_name, is_stdin=True)
        data = sys.stdin.buffer.read(max_file_size + 1)
    else:
        source = Source(display_path(path))
        try:
            data = _read_regular_file(path, max_file_size)
        except _NotRead as refusal:
            return source, refusal.problem
        except OSError as error:
            return source, InputProblem("WS901", f"cannot read file: {error.strerror or error}")
    if len(data) > max_file_size:
        return source, _too_large(max_file_size)
    text, problem = decode(data)
    source.text = text
    source.truncated = problem is not None
    if source.is_stdin:
        source.raw = data
    return source, problem


class _NotRead(Exception):
    def __init__(self, problem: InputProblem) -> None:
        self.problem = problem


def _not_regular(mode: int, path: str) -> _NotRead:
    what = file_type(mode)
    if stat.S_ISDIR(mode):
        try:
            os.listdir(path)
        except OSError as error:
            return _NotRead(InputProblem("WS901", f"cannot read directory: "
                                                  f"{error.strerror or error}"))
    return _NotRead(InputProblem(
        "WS901", f"{what}, not a regular file; not read (to lint a stream, pipe it to `wslint -`)"))


def _read_regular_file(path: str, max_file_size: int) -> bytes:
    """A manifest's bytes (see `read_regular_file`); a refusal is the WS901 or WS904 it gives."""
    try:
        return read_regular_file(path, max_file_size)
    except FileRefused as refusal:
        if refusal.mode is not None:
            raise _not_regular(refusal.mode, path) from None
        raise _NotRead(_too_large(max_file_size)) from None


def _too_large(max_file_size: int) -> InputProblem:
    return InputProblem("WS904", f"larger than {max_file_size} bytes; not read "
                                 f"(limit: max-file-size)", limit="max-file-size")


# Byte-order marks, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# Without a byte-order mark, YAML tells UTF-16 and UTF-32 by the zero bytes around its first
# character, which is ASCII (YAML 1.2, 5.2): a zero byte never starts UTF-8 text.
_ZERO_PATTERNS = ((b"\x00\x00\x00", 0, "utf-32-be"), (b"\x00\x00\x00", 1, "utf-32-le"),
                  (b"\x00", 0, "utf-16-be"), (b"\x00", 1, "utf-16-le"))


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding of `data` (by its byte-order mark, or without one by its
    zero bytes), or None for UTF-8."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return encoding
    for zeros, at, encoding in _ZERO_PATTERNS:
        width = len(zeros) + 1
        if len(data) >= width and data[at:at + len(zeros)] == zeros \
                and data[(at + len(zeros)) % width] != 0:
            return encoding
    return None


def decode(data: bytes) -> tuple[str, InputProblem | None]:
    """The text of `data`: UTF-8 (a byte-order mark is dropped), or UTF-16 or UTF-32 told by
    their mark or their zero bytes, as YAML allows. Anything else is a WS901 at the first byte
    that does not decode, with the text of the documents before it."""
    encoding = wide_encoding(data)
    if encoding is not None:
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError as error:
            return "", InputProblem("WS901", f"not valid {encoding.upper()}: {error.reason}")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        # What precedes the bad byte decodes: the column counts characters, and the documents
        # before it (up to the last document marker) are still read.
        before = body[:error.start].decode("utf-8")
        start = before.rfind("\n") + 1
        problem = InputProblem(
            "WS901", f"not valid UTF-8 (byte 0x{body[error.start]:02x}); YAML must be UTF-8, "
                     f"UTF-16 or UTF-32",
            before.count("\n", 0, start) + 1, len(before) - start + 1)
        return before[:document_boundary(before, len(before))], problem


# Go/Helm template actions. `{{ ... }}` also appears in valid manifests (Prometheus and
# Alertmanager templates, Argo workflow parameters), so it counts only where YAML could not make
# sense of the file, or where it names Helm's own objects and functions.
_TEMPLATE_ACTION = re.compile(r"\{\{")
_HELM_FUNCTION = re.compile(r"\{\{-?\s*(?:include|toYaml|tpl|required)\s")
_HELM_OBJECT = re.compile(r"\.(?:Values|Release|Chart|Capabilities|Files|Template)\b")
# How far before `.Values` an action's `{{` may be: actions are short.
_ACTION_REACH = 500
TEMPLATE_HINT = "render it first, e.g. `helm template RELEASE CHART | wslint -`"


def _helm_action(text: str) -> int | None:
    """Where the first Go template action that uses Helm's objects or functions starts. Each
    `.Values`-like name is matched with the `{{` before it in a bounded window, so that the search
    stays linear in the text whatever it holds."""
    found = _HELM_FUNCTION.search(text)
    first = found.start() if found else None
    for name in _HELM_OBJECT.finditer(text):
        if first is not None and name.start() >= first:
            break
        window_start = max(0, name.start() - _ACTION_REACH)
        opening = text.rfind("{{", window_start, name.start())
        if opening >= 0 and "}" not in text[opening + 2:name.start()]:
            return opening
    return first


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _template_problem(text: str, at: int) -> InputProblem:
    line, column = _line_col(text, at)
    return InputProblem("WS902", "unrendered template syntax (`{{ ... }}`); the file is not "
                        "Kubernetes YAML until it is rendered", line, column, hint=TEMPLATE_HINT)


def load_source(source: Source, max_depth: int = DEFAULT_MAX_DEPTH,
                max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION,
                stream: ParsedStream | None = None) -> LoadedSource:
    """Parse one input into Kubernetes objects. A file with a syntax error keeps the objects of
    the documents before the error; a file of unrendered template syntax gives one WS902.
    `stream`: the text parsed already, with these limits (`--fix` parses what it wrote)."""
    loaded = LoadedSource(source)
    text = source.text
    if stream is None:
        stream = parse_stream(text, max_depth=max_depth, max_alias_expansion=max_alias_expansion)
    helm = _helm_action(text)
    # A chart's template; not YAML that merely holds Helm syntax in its strings and is no
    # manifest (a values file: `url: http://{{ .Release.Name }}:3100`).
    if helm is not None and (stream.problem or stream.complex_keys or any(
            _meant_as_object(document) for document in stream.documents)):
        loaded.problems.append(_template_problem(text, helm))
        return loaded
    action = _TEMPLATE_ACTION.search(text) if (stream.problem or stream.complex_keys) else None
    if action is not None:
        loaded.problems.append(_template_problem(text, action.start()))
        return loaded
    return _with_objects(loaded, stream)


def splittable(source: Source) -> bool:
    """Whether `source` can be read in parts (`load_part`) with the same objects and findings
    as whole: no template syntax, lines broken at LF or CRLF only, all of it decoded."""
    return not source.truncated and "{{" not in source.text and not other_line_breaks(source.text)


def load_part(source: Source, stream: ParsedStream) -> LoadedSource:
    """The objects of whole documents of a `splittable` source, read with `parse_part`, as
    `load_source` finds them in the whole (the caller sees to it that `stream` has no problem
    and no collection as a key; documents are numbered from the part's first)."""
    return _with_objects(LoadedSource(source), stream)


def _with_objects(loaded: LoadedSource, stream: ParsedStream) -> LoadedSource:
    """`loaded` with the objects of `stream` and the findings about its input."""
    source = loaded.source
    if stream.problem is not None:
        problem = stream.problem
        code = "WS904" if problem.limit else "WS901"
        loaded.problems.append(InputProblem(code, problem.message, problem.line, problem.column,
                                            limit=problem.limit))
    loaded.documents = len(stream.documents)
    linted: set[int] = set()
    for index, document in enumerate(stream.documents):
        if _collect_objects(document, source, index, loaded):
            linted.add(index)
    for duplicate in stream.duplicates:
        if duplicate.document in linted:
            loaded.problems.append(InputProblem(
                "WS905", f"key {_shown(duplicate.key)} is repeated (first at line "
                         f"{duplicate.first_line}); the later value wins here, and kubectl "
                         f"refuses the file", duplicate.line, duplicate.column))
    loaded.problems += _collection_keys(stream, linted)
    return loaded


def _collection_keys(stream: ParsedStream, linted: set[int]) -> list[InputProblem]:
    """WS907 for each mapping key that is a list or mapping (`? [a, b]`) in a document that
    holds Kubernetes objects: YAML allows it, JSON and so the API server do not."""
    if not stream.complex_keys:
        return []
    indexes = [index for index, document in enumerate(stream.documents)
               if isinstance(document, (Map, Seq))]
    starts = [stream.documents[index].line for index in indexes]
    problems = []
    for line, column in stream.complex_keys:
        at = bisect.bisect_right(starts, line) - 1
        if at >= 0 and indexes[at] in linted:
            problems.append(InputProblem(
                "WS907", "a mapping key is a list or a mapping; Kubernetes objects are JSON, "
                         "whose keys are strings, so kubectl refuses the file", line, column))
    return problems


def _shown(value: str, limit: int = 60) -> str:
    """A manifest string quoted for a message, cut short."""
    return f'"{value[:limit]}..."' if len(value) > limit else f'"{value}"'


def _meant_as_object(document: object) -> bool:
    """A document with the type fields of a Kubernetes object, usable or not."""
    return isinstance(document, Map) and "apiVersion" in document and "kind" in document


def is_kubernetes_object(value: object) -> bool:
    return (isinstance(value, Map) and isinstance(value.get("apiVersion"), str)
            and isinstance(value.get("kind"), str) and bool(value["kind"]))


def _collect_objects(document: object, source: Source, index: int, loaded: LoadedSource) -> bool:
    """Add the objects of one document; True when it holds any (a Kubernetes object or List)."""
    if document is None:
        return False  # an empty document: nothing to lint, nothing skipped
    if not is_kubernetes_object(document):
        if isinstance(document, Map) and "apiVersion" in document and "kind" in document:
            # Meant as an object, but its type fields are not usable.
            for key in ("apiVersion", "kind"):
                if not (isinstance(document[key], str) and document[key]):
                    loaded.problems.append(_wrong_type(document, (key,), "a non-empty string",
                                                       "; the document is not linted"))
        loaded.skipped_documents += 1
        return False
    items = document.get("items")
    if document["kind"].endswith("List") and isinstance(items, Seq):
        seen: set[int] = set()
        for item_index, item in enumerate(items):
            if id(item) in seen:
                continue  # one object aliased again: linted once
            seen.add(id(item))
            if is_kubernetes_object(item):
                _add_object(KObject(item, source, index, item_index), loaded)
            else:
                loaded.skipped_documents += 1
                loaded.problems.append(_wrong_type(
                    document, ("items", item_index),
                    "a Kubernetes object (with apiVersion and kind)", "; the item is not linted"))
        return True
    _add_object(KObject(document, source, index), loaded)
    return True


def _add_object(obj: KObject, loaded: LoadedSource) -> None:
    if len(obj.name) > MAX_NAME or len(obj.namespace or "") > MAX_NAME:
        # Not a name Kubernetes accepts, and every message about the object would quote it.
        obj.name = clip(obj.name, MAX_NAME)
        obj.namespace = obj.namespace and clip(obj.namespace, MAX_NAME)
        obj.ref = ObjRef(obj.api_version, obj.kind, obj.namespace, obj.name)
    loaded.objects.append(obj)
    for path, expected in wrong_types(obj.data):
        loaded.problems.append(_wrong_type(obj.data, path, expected,
                                           ": the API server rejects the object"))


def _wrong_type(root: Map, path: tuple, expected: str, consequence: str) -> InputProblem:
    value = root
    for step in path:
        value = value[step]
    line, column = locate(root, path)
    return InputProblem("WS907", f"{format_path(path)} is {describe_value(value)}, not "
                                 f"{expected}{consequence}", line, column)


def describe_value(value: object) -> str:
    """`a string ("three")`, `a list`, `null`: what a manifest holds, briefly."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"[:60]
    if isinstance(value, str):
        return f"a string ({_shown(value, 40)})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


__all__ = ["DEFAULT_MAX_FILE_SIZE", "InputError", "InputProblem", "LoadedSource", "STDIN", "Seq",
           "decode", "discover", "load_part", "load_source", "read_input", "splittable"]
