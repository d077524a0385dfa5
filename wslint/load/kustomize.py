"""Kustomize: render the kustomizations in the input with `kubectl kustomize`, and point findings
back at the files the objects came from.

What gets rendered. Every directory in the input that holds a `kustomization.yaml` (or
`kustomization.yml`, `Kustomization`) is read. A kustomization that another one in the input
uses (as a resource, base or component) is rendered only through that one, so an overlay and its
base are reported once, as the overlay deploys them; the others, the roots, are rendered
separately. A `kind: Component` renders only from its parent: one that nothing in the input uses
is skipped, files and all (its patches are fragments, not objects).

Rendering. `wslint.load.render` runs `kubectl kustomize` for the roots, several at a time, and
keeps the output across runs (`wslint.load.rendercache`), keyed by what `reads` says a root can
read: kustomize's default load restrictor lets a kustomization read files only in or below its
own directory, so the trees of the kustomizations a root uses are all it can read, besides
remote bases (which are never cached).

Raw files. The files a rendered kustomization uses (resources, patches, generator inputs, the
kustomization files themselves; followed through its bases and components) are not linted again
as plain files; any other YAML file in the same directories is. When a root cannot be rendered
(kubectl is missing, or `kubectl kustomize` fails), a WS906 finding at its kustomization file
says why, and its resource files are linted as plain files instead (not its patches).

Where findings point. Each root is built through a wrapper kustomization that adds
`buildMetadata: [originAnnotations]`, so every object says which file it came from
(`config.kubernetes.io/origin`; the annotation is removed again before linting). The object is
matched to its document in that file (by kind and name, allowing for name prefixes and
suffixes), and every position in the rendered object is moved to the same field in the source
document; a field the source does not have (added by a patch or a transformer) points at its
nearest parent that the source has. A generated object (ConfigMapGenerator & co.) points at the
generator in its kustomization file; an object whose file cannot be told points at the root's
kustomization file. The message names the object either way. Objects keep the rendered
kustomization as their place in the input (`Source.real_path`), so objects of two overlays
never relate to each other.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from wslint.model import KObject, Origin, Source
from wslint.load.files import FileRefused, read_regular_file
from wslint.load.sources import InputProblem, LoadedSource, display_path, is_kubernetes_object
from wslint.load.yamltree import Map, Seq, parse_stream

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
RENDER_CODE = "WS906"
HINT = "pass --no-kustomize to lint the raw files instead"

# Fields whose entries are other kustomizations (directories) or whole objects (files).
_RESOURCE_FIELDS = ("resources", "bases", "components", "crds")
# Fields whose entries are files the build reads but that are not objects to lint.
_PATCH_FIELDS = ("patchesStrategicMerge", "patchesJson6902", "patches", "replacements",
                 "configurations", "generators", "transformers", "validators")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")


@dataclass
class Kustomization:
    """One kustomization directory and what it uses."""

    directory: str  # absolute, normalised
    file: str  # the kustomization file, absolute
    display: str  # the kustomization file as reported
    kind: str = "Kustomization"
    directories: list[str] = field(default_factory=list)  # kustomizations it uses
    resource_files: set[str] = field(default_factory=set)  # object files it uses
    other_files: set[str] = field(default_factory=set)  # patches, generator inputs ...
    generator_inputs: set[str] = field(default_factory=set)  # files generators read
    text: str = ""


def find_kustomization_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def _is_remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(("github.com/", "git@", "gitlab.com/")) or \
        "?ref=" in entry


def _entries(value: Any) -> Iterable[str]:
    """File names in a kustomization field: strings, or `path` of mappings."""
    for item in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
        if isinstance(item, str) and "\n" not in item:
            yield item
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            yield item["path"]


def _generator_files(value: Any) -> Iterable[str]:
    for generator in value if isinstance(value, list) else []:
        if not isinstance(generator, dict):
            continue
        for key in ("files", "envs"):
            for item in generator.get(key) or []:
                if isinstance(item, str):
                    yield item.split("=", 1)[-1]
        if isinstance(generator.get("env"), str):
            yield generator["env"]


def read_kustomization(directory: str, display_dir: str) -> Kustomization | None:
    """What a kustomization directory uses, from its kustomization file."""
    path = find_kustomization_file(directory)
    if path is None:
        return None
    found = Kustomization(os.path.normpath(os.path.abspath(directory)),
                          os.path.abspath(path), display_path(os.path.join(display_dir,
                                                                          os.path.basename(path))))
    try:  # a regular file of bounded size, as any input
        found.text = read_regular_file(path).decode("utf-8-sig")
    except (FileRefused, OSError, UnicodeDecodeError):
        return found  # kubectl will say what is wrong with it
    stream = parse_stream(found.text)
    data = stream.documents[0] if stream.documents else None
    if not isinstance(data, Map):
        return found
    if data.get("kind") == "Component":
        found.kind = "Component"

    def local(entry: str) -> str | None:
        if _is_remote(entry):
            return None
        return os.path.normpath(os.path.join(found.directory, entry))

    for key in _RESOURCE_FIELDS:
        for entry in _entries(data.get(key)):
            target = local(entry)
            if target is None:
                continue
            if os.path.isdir(target):
                found.directories.append(target)
            else:
                found.resource_files.add(target)
    for key in _PATCH_FIELDS:
        for entry in _entries(data.get(key)):
            target = local(entry)
            if target is not None and not os.path.isdir(target):
                found.other_files.add(target)
    for key in _GENERATOR_FIELDS:
        for entry in _generator_files(data.get(key)):
            target = local(entry)
            if target is not None:
                found.other_files.add(target)
                found.generator_inputs.add(target)
    return found


@dataclass
class Plan:
    """Which kustomizations to render, and which files they account for."""

    roots: list[Kustomization]
    by_directory: dict[str, Kustomization]
    skipped_files: set[str]  # files of Components that nothing renders

    def closure(self, root: Kustomization) -> list[Kustomization]:
        """The root and every kustomization it uses, each once."""
        seen: dict[str, Kustomization] = {}
        stack = [root]
        while stack:
            item = stack.pop()
            if item.directory in seen:
                continue
            seen[item.directory] = item
            for directory in item.directories:
                used = self.by_directory.get(directory) or read_kustomization(directory, directory)
                if used is not None:
                    self.by_directory.setdefault(directory, used)
                    stack.append(used)
        return list(seen.values())

    def files(self, root: Kustomization, resources_only: bool = False) -> set[str]:
        used: set[str] = set()
        for item in self.closure(root):
            used |= item.resource_files
            if not resources_only:
                used |= item.other_files | {item.file}
        return used


def plan(paths: list[str], files: list[str]) -> Plan:
    """Find the kustomizations among the discovered files and directories, and pick the roots."""
    directories: dict[str, str] = {}  # absolute -> as given
    for path in paths:
        if os.path.isdir(path):
            directories.setdefault(os.path.normpath(os.path.abspath(path)), path)
    for path in files:
        parent = os.path.dirname(path) or "."
        directories.setdefault(os.path.normpath(os.path.abspath(parent)), parent)
    found = {}
    for absolute, given in directories.items():
        kustomization = read_kustomization(absolute, given)
        if kustomization is not None:
            found[absolute] = kustomization
    used = {d for k in found.values() for d in k.directories}
    roots = [k for d, k in sorted(found.items()) if d not in used and k.kind != "Component"]
    result = Plan(roots, dict(found), set())
    for directory, item in found.items():
        if item.kind == "Component" and directory not in used:
            result.skipped_files |= item.resource_files | item.other_files | {item.file}
    return result


def kubectl_path() -> str | None:
    import shutil  # here: a run that renders nothing needs none of it

    return shutil.which("kubectl")


@dataclass
class Rendering:
    root: Kustomization
    text: str | None = None
    error: str | None = None
    wrapper: str = ""
    outside: bool = False  # the error's cause lies outside the files (see `Cause`)


# What the wrapper kustomization adds in front of the root's own error.
_WRAPPER_ERROR = re.compile(r"^accumulating resources: accumulation err='accumulating resources "
                            r"from '[^']*': '[^']*' must resolve to a file': (?:recursed "
                            r"accumulation of path '[^']*': |couldn't make target for path "
                            r"'[^']*': )?")


_MISSING_FILE = re.compile(r"evalsymlink failure on '([^']+)'")
_ACCUMULATING = re.compile(r"accumulating resources from '([^']+)'")
_NETWORK_ERROR = re.compile(r"no such host|[Cc]ould not resolve host|[Cc]onnection refused|"
                            r"[Nn]etwork is unreachable|i/o timeout|[Cc]onnection timed out")


@dataclass
class Cause:
    """Why a kustomization did not render. `outside`: the cause lies outside its files (this
    machine has no network to fetch a remote resource, or a generator reads a file that is
    written at deploy time or kept out of the repository, such as an `.env` of secrets)."""

    reason: str
    outside: bool = False


def _cause(stderr: str, generator_inputs: frozenset[str] = frozenset(),
           kept_out: Callable[[str], bool] = lambda path: False) -> Cause:
    """kubectl's reason, without its log prefix (`E1125 ... run.go:72] "command failed"
    err="..."`) and without what the wrapper kustomization adds to it."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()
             and not line.lstrip().startswith("# Warning")]
    # A multi-line error is logged as a block: `... err=<`, its lines indented, then ` >`.
    opened = next((i for i, line in enumerate(lines) if line.rstrip().endswith("err=<")), None)
    if opened is not None:
        block = []
        for line in lines[opened + 1:]:
            if line.strip() == ">":
                break
            block.append(line.strip())
        joined = " ".join(block).replace(" : exit status", ": exit status").strip()
        if joined:
            lines = [f'err="{joined}"']
    # The error line: kubectl's `err="..."` or `Error: ...`, else the last line that says
    # something (a multi-line error may end in a lone `>` or a brace).
    said = [line for line in lines if sum(ch.isalnum() for ch in line) >= 4]
    marked = [line for line in said if 'err="' in line or line.lstrip().startswith("Error:")]
    text = (marked or said or lines or [stderr.strip() or "no output"])[-1]
    text = text.strip().removeprefix("Error: ")
    if 'err="' in text:
        text = text.split('err="', 1)[1].rstrip('"')
    text = _WRAPPER_ERROR.sub("", text.replace('\\"', '"')).rstrip("'")
    network = _NETWORK_ERROR.search(text)
    remote = [entry for entry in _ACCUMULATING.findall(text) if _is_remote(entry)]
    if network and remote:  # kustomize tries a remote entry as a path first, then fetches it
        return Cause(f"its remote resource {remote[-1]} could not be fetched "
                     f"({network.group(0)})", outside=True)
    missing = _MISSING_FILE.search(text)
    if missing:  # the commonest failure, under several layers of kustomize's error chain
        path = missing.group(1)
        shown = os.path.relpath(path) if os.path.isabs(path) else path
        if os.path.normpath(path) in generator_inputs:
            return Cause(f"{shown} does not exist (a generator reads it: written at deploy "
                         f"time, or kept out of the repository)", outside=True)
        if kept_out(path):
            return Cause(f"{shown} does not exist (.gitignore keeps it out of the repository: "
                         f"written by a tool before deploying)", outside=True)
        return Cause(f"{shown} does not exist")
    return Cause(text if len(text) <= 400 else text[:397] + "...")


def _kustomization_data(path: str) -> Map | None:
    try:
        stream = parse_stream(read_regular_file(path).decode("utf-8-sig"))
    except (FileRefused, OSError, UnicodeDecodeError):
        return None
    data = stream.documents[0] if stream.documents else None
    return data if isinstance(data, Map) else None


class Kustomize:
    """The renderer of kustomization directories (see `wslint.load.render`)."""

    name = "kustomize"
    label = "kubectl kustomize"
    tool_name = "kubectl"
    markers = KUSTOMIZATION_FILES
    version_arguments = ["version", "--client"]

    @staticmethod
    def tool() -> str | None:
        return kubectl_path()

    @staticmethod
    def plan(paths: list[str], files: list[str]) -> Plan:
        return plan(paths, files)

    @staticmethod
    def reads(root: Kustomization) -> list[str]:
        """What `kubectl kustomize` may read to render `root`. Under kustomize's default load
        restrictor a kustomization reads only files in or below its own directory, so: the
        whole tree of every kustomization the build uses, found through the entries of their
        kustomization files (a directory entry is another kustomization: one without a
        kustomization file fails, so only that file's absence is keyed), and each entry itself
        (one that is missing counts as missing: its appearing changes the key). A remote entry
        cannot be keyed."""
        paths: list[str] = []
        seen: set[str] = set()
        todo = [root.directory]
        while todo:
            directory = todo.pop()
            if directory in seen:
                continue
            seen.add(directory)
            paths.append(directory)
            file = find_kustomization_file(directory)
            data = _kustomization_data(file) if file else None
            if data is None:
                continue  # kustomize fails, or reads nothing more: the tree is keyed
            entries = [entry for key in _RESOURCE_FIELDS + _PATCH_FIELDS
                       for entry in _entries(data.get(key))]
            entries += [entry for key in _GENERATOR_FIELDS
                        for entry in _generator_files(data.get(key))]
            for entry in entries:
                if _is_remote(entry):
                    from wslint.load.rendercache import Uncacheable

                    raise Uncacheable(f"remote entry {entry}")
                target = os.path.normpath(os.path.join(directory, entry))
                if not os.path.isdir(target):
                    paths.append(target)
                elif find_kustomization_file(target):
                    todo.append(target)
                else:  # kustomize fails, whatever the directory holds: until one appears
                    paths += [os.path.join(target, name) for name in KUSTOMIZATION_FILES]
        return paths

    @staticmethod
    def command(root: Kustomization, kubectl: str, workdir: str) -> tuple[list[str], str]:
        """`kubectl kustomize` through a wrapper kustomization that adds origin annotations."""
        import tempfile

        wrapper = tempfile.mkdtemp(dir=workdir)
        relative = os.path.relpath(root.directory, wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n- {relative}\nbuildMetadata: [originAnnotations]\n")
        return [kubectl, "kustomize", wrapper], wrapper

    @staticmethod
    def rendering(root: Kustomization, output: dict) -> Rendering:
        """The rendering from what kubectl printed (perhaps in an earlier run: the origin
        annotations are relative to that run's wrapper, which is only ever joined with them)."""
        wrapper = output.get("wrapper", "")
        if output.get("error"):
            return Rendering(root, error=output["error"], outside=bool(output.get("outside")))
        if output["returncode"] != 0:
            display_dir = os.path.dirname(root.display)
            from wslint.load.ignore import GitIgnored

            cause = _cause(output["stderr"], _generator_inputs(root), GitIgnored().kept_out)
            reason = cause.reason.replace(os.path.relpath(root.directory, wrapper), display_dir)
            return Rendering(root, error=reason.replace(root.directory, display_dir),
                             outside=cause.outside)
        return Rendering(root, text=output["stdout"], wrapper=wrapper)

    @staticmethod
    def load(rendering: Rendering, reading) -> list[LoadedSource]:
        if rendering.error is not None:
            return [_failure(rendering.root, rendering.error, rendering.outside)]
        # The source files are read once per run, whichever roots use them.
        files = reading.shared.setdefault("kustomize-files", _Files())
        return [load_rendering(rendering, files, reading.max_depth)]

    @staticmethod
    def failure(root: Kustomization, reason: str) -> LoadedSource:
        return _failure(root, reason)


# --- mapping rendered objects back to their files ---------------------------------------------

class _Files:
    """Source files read once per run: their text, and their objects by kind."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[str, list[tuple[int, Map]]] | None] = {}

    def get(self, path: str) -> tuple[str, list[tuple[int, Map]]] | None:
        if path not in self.cache:
            try:
                text = read_regular_file(path).decode("utf-8-sig")
            except (FileRefused, OSError, UnicodeDecodeError):
                self.cache[path] = None
                return None
            stream = parse_stream(text)
            documents = [(i, d) for i, d in enumerate(stream.documents) if is_kubernetes_object(d)]
            self.cache[path] = (text, documents)
        return self.cache[path]


def _match(documents: list[tuple[int, Map]], obj: Map) -> tuple[int, Map] | None:
    """The source document of a rendered object: same kind, and the same name or one that
    prefixes and suffixes turned into the rendered name."""
    kind = obj.get("kind")
    name = str((obj.get("metadata") or {}).get("name", ""))
    same_kind = [(i, d) for i, d in documents if d.get("kind") == kind]
    named = [(i, d, str((d.get("metadata") or {}).get("name", ""))) for i, d in same_kind]
    exact = [(i, d) for i, d, n in named if n == name]
    if exact:
        return exact[0]
    inside = sorted(((len(n), i, d) for i, d, n in named if n and n in name), key=lambda t: -t[0])
    if inside:
        return inside[0][1], inside[0][2]
    return same_kind[0] if len(same_kind) == 1 else None


def _align(rendered: Any, source: Any, at: tuple[int, int]) -> None:
    """Move the rendered tree's positions onto the source tree's; fields the source lacks take
    `at`, the position of their nearest parent in the source."""
    if isinstance(rendered, Map):
        own = isinstance(source, Map)
        rendered.line, rendered.column = (source.line, source.column) if own else at
        for key, value in rendered.items():
            if own and key in source:
                position = source.key_pos.get(key, at)
                rendered.key_pos[key] = position
                _align(value, source[key], position)
            else:
                rendered.key_pos[key] = at
                _align(value, None, at)
    elif isinstance(rendered, Seq):
        own = isinstance(source, Seq)
        rendered.line, rendered.column = (source.line, source.column) if own else at
        by_name = {item.get("name"): n for n, item in enumerate(source or [])
                   if isinstance(item, Map) and isinstance(item.get("name"), str)} if own else {}
        positions = []
        for index, item in enumerate(rendered):
            name = item.get("name") if isinstance(item, Map) else None
            partner = by_name.get(name) if name in by_name else (
                index if own and index < len(source) and not by_name else None)
            if partner is None:
                positions.append(at)
                _align(item, None, at)
            else:
                position = source.item_pos[partner]
                positions.append(position)
                _align(item, source[partner], position)
        rendered.item_pos = positions


def _strip_origin(document: Map) -> str | None:
    """Remove the origin annotation (it is wslint's, not the author's); return its text."""
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Map) else None
    if not isinstance(annotations, Map) or ORIGIN_ANNOTATION not in annotations:
        return None
    value = annotations.pop(ORIGIN_ANNOTATION)
    annotations.key_pos.pop(ORIGIN_ANNOTATION, None)
    if not annotations:
        metadata.pop("annotations")
        metadata.key_pos.pop("annotations", None)
    return value if isinstance(value, str) else None


def _key_position(text: str, key: str) -> tuple[int, int]:
    """Where a top-level key of a kustomization file is written (1, 1 when it is not)."""
    stream = parse_stream(text)
    data = stream.documents[0] if stream.documents else None
    return data.pos_of(key) if isinstance(data, Map) and key in data else (1, 1)


class _Mapper:
    """Turns one rendering's documents into objects placed in their source files."""

    def __init__(self, rendering: Rendering, files: _Files) -> None:
        self.rendering = rendering
        self.files = files
        root = rendering.root
        self.root_display_dir = os.path.dirname(root.display)
        self.sources: dict[str, Source] = {}

    def display(self, absolute: str) -> str:
        relative = os.path.relpath(absolute, self.rendering.root.directory)
        return display_path(os.path.normpath(os.path.join(self.root_display_dir, relative)))

    def source(self, absolute: str, text: str) -> Source:
        display = self.display(absolute)
        if display not in self.sources:
            self.sources[display] = Source(display, text, real_path=self.rendering.root.display)
        return self.sources[display]

    def place(self, document: Map, index: int) -> KObject:
        origin = self._origin(_strip_origin(document))
        root = self.rendering.root
        path = origin.get("path") if origin and "repo" not in origin else None
        if isinstance(path, str):
            absolute = os.path.normpath(os.path.join(self.rendering.wrapper, path))
            loaded = self.files.get(absolute)
            matched = _match(loaded[1], document) if loaded else None
            if matched is not None:
                doc_index, source_document = matched
                _align(document, source_document, (source_document.line, source_document.column))
                return KObject(document, self.source(absolute, loaded[0]), doc_index,
                               origin=Origin(self.display(absolute), source_document.line,
                                             source_document.column))
            if loaded is not None:
                return self._anchored(document, absolute, loaded[0], (1, 1), index)
        configured_in = origin.get("configuredIn") if origin else None
        if isinstance(configured_in, str) and "repo" not in origin:
            absolute = os.path.normpath(os.path.join(self.rendering.wrapper, configured_in))
            loaded = self.files.get(absolute)
            text = loaded[0] if loaded else ""
            kind = (origin.get("configuredBy") or {}).get("kind", "") if isinstance(
                origin.get("configuredBy"), dict) else ""
            key = {"ConfigMapGenerator": "configMapGenerator",
                   "SecretGenerator": "secretGenerator"}.get(kind, "")
            return self._anchored(document, absolute, text, _key_position(text, key), index)
        return self._anchored(document, root.file, root.text, (1, 1), index)

    def _anchored(self, document: Map, absolute: str, text: str, at: tuple[int, int],
                  index: int) -> KObject:
        _align(document, None, at)
        return KObject(document, self.source(absolute, text), index,
                       origin=Origin(self.display(absolute), at[0], at[1]))

    @staticmethod
    def _origin(text: str | None) -> dict | None:
        if not text:
            return None
        stream = parse_stream(text)
        data = stream.documents[0] if stream.documents and not stream.problem else None
        return data if isinstance(data, dict) else None


def load_rendering(rendering: Rendering, files: _Files, max_depth: int) -> LoadedSource:
    root = rendering.root
    loaded = LoadedSource(Source(root.display, root.text, real_path=root.display))
    stream = parse_stream(rendering.text or "", max_depth=max_depth)
    if stream.problem is not None:
        loaded.problems.append(InputProblem(
            RENDER_CODE, f"the output of kubectl kustomize does not parse: "
                         f"{stream.problem.message}", hint=HINT))
        return loaded
    mapper = _Mapper(rendering, files)
    for index, document in enumerate(stream.documents):
        if document is None:
            continue
        if not is_kubernetes_object(document):
            loaded.skipped_documents += 1
            continue
        loaded.objects.append(mapper.place(document, index))
    return loaded


def _generator_inputs(root: Kustomization) -> frozenset[str]:
    """The files the generators of the root and of the kustomizations it uses read."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [root]
    while todo:
        item = todo.pop()
        if item.directory in seen:
            continue
        seen.add(item.directory)
        found |= item.generator_inputs
        todo += [used for directory in item.directories
                 if (used := read_kustomization(directory, directory)) is not None]
    return frozenset(found)


def _failure(root: Kustomization, reason: str, outside: bool = False) -> LoadedSource:
    loaded = LoadedSource(Source(root.display, root.text, real_path=root.display))
    instead = ("its resource files are linted as plain files (without its patches)"
               if root.resource_files or root.directories else "it names no local file to lint instead")
    loaded.problems.append(InputProblem(
        RENDER_CODE, f"kustomization not rendered: {reason}; {instead}", hint=HINT,
        notice=outside))
    return loaded


RENDERER = Kustomize()
