"""The nouns every part of wslint shares: sources, Kubernetes objects, findings and fixes."""

from __future__ import annotations

import enum
import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wslint.load.yamltree import Map, Seq, locate


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass
class Source:
    """One input: a file, or the standard input. `path` is what the user sees (as given on the
    command line, joined with the path found below a directory)."""

    path: str
    text: str = ""
    is_stdin: bool = False
    # For rendered inputs (kustomize): where findings go when the object's origin is unknown.
    real_path: str | None = None
    # The text stops before bytes that do not decode (a WS901): the input is not all there.
    truncated: bool = False
    # Standard input's bytes, as read: `--fix -` prints them back when it changes nothing.
    raw: bytes | None = None


@dataclass(frozen=True)
class ObjRef:
    api_version: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind,
                "namespace": self.namespace, "name": self.name}


def dig(node: Any, *path: Any) -> Any:
    """The value at `path` below `node`, or None where a step is missing or of the wrong type.
    Checks use it so that `metadata: null` or `containers: {}` never raise."""
    for step in path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and type(step) is int and -len(node) <= step < len(node):
            node = node[step]
        else:
            return None
    return node


def dig_map(node: Any, *path: Any) -> Map | dict:
    """Like `dig`, but an empty mapping when the value is missing or not a mapping."""
    value = dig(node, *path)
    return value if isinstance(value, dict) else {}


def dig_list(node: Any, *path: Any) -> list:
    value = dig(node, *path)
    return value if isinstance(value, list) else []


def as_str_map(value: Any) -> dict[str, str]:
    """Labels, annotations, selectors: only string keys; values as Kubernetes would read them."""
    if not isinstance(value, dict):
        return {}
    result = {}
    for key, item in value.items():
        if isinstance(key, str) and item is not None and not isinstance(item, (dict, list)):
            result[key] = "true" if item is True else "false" if item is False else str(item)
    return result


@dataclass(eq=False)
class KObject:
    """One Kubernetes object: a document, or an item of a `kind: List`."""

    data: Map
    source: Source
    doc_index: int
    item_index: int | None = None  # position within a `kind: List`
    origin: "Origin | None" = None  # where a rendered object came from (kustomize)

    def __post_init__(self) -> None:
        data = self.data
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        self.api_version: str = str(data.get("apiVersion"))
        self.kind: str = str(data.get("kind"))
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            generate = metadata.get("generateName")
            name = f"{generate}*" if isinstance(generate, str) and generate else "<unnamed>"
        self.name: str = name
        namespace = metadata.get("namespace")
        self.namespace: str | None = namespace if isinstance(namespace, str) and namespace else None
        self.labels: dict[str, str] = as_str_map(metadata.get("labels"))
        self.annotations: dict[str, str] = as_str_map(metadata.get("annotations"))
        self.ref = ObjRef(self.api_version, self.kind, self.namespace, self.name)

    @property
    def api_group(self) -> str:
        return self.api_version.rsplit("/", 1)[0] if "/" in self.api_version else ""

    def get(self, *path: Any) -> Any:
        return dig(self.data, *path)

    def locate(self, path: tuple) -> tuple[int, int]:
        return locate(self.data, path)

    def sort_key(self) -> tuple:
        return (self.source.path, self.doc_index, self.item_index or 0)

    def __repr__(self) -> str:
        return f"<KObject {self.ref} {self.source.path}#{self.doc_index}>"


@dataclass(frozen=True)
class Origin:
    """Where a rendered object's text really is (e.g. kustomize's origin annotation)."""

    path: str
    line: int | None = None
    column: int | None = None


def _is_identifier(step: str) -> bool:
    """Letters, digits, `_` and `-` only (and not empty)."""
    rest = step.replace("_", "").replace("-", "")
    return bool(step) and (not rest or rest.isalnum())


# Paths written already: rules report at a few dozen paths, thousands of times in a large run.
_FORMATTED: dict[tuple, str] = {}
_FORMATTED_MAX = 4096


def format_path(path: tuple) -> str:
    """`("spec", "containers", 0, "name")` -> `spec.containers[0].name`; keys that are not plain
    identifiers are quoted: `metadata.annotations["nginx.org/websocket-services"]`."""
    # Only paths of text and whole numbers are looked up: True and 1.0 equal 1 as keys.
    if not all(type(step) is str or type(step) is int for step in path):
        return _format_path(path)
    written = _FORMATTED.get(path)
    if written is None:
        written = _format_path(path)
        if len(_FORMATTED) < _FORMATTED_MAX:
            _FORMATTED[path] = written
    return written


def _format_path(path: tuple) -> str:
    out = []
    for step in path:
        if type(step) is int:
            out.append(f"[{step}]")
        elif isinstance(step, str) and _is_identifier(step):
            out.append(f".{step}" if out else step)
        else:
            text = str(step).replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{text}"]')
    return "".join(out)


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"

    def __str__(self) -> str:
        return self.value


class EditOp(str, enum.Enum):
    SET = "set"  # set the value at a path, creating missing mappings on the way
    REMOVE = "remove"  # remove the key at a path (nothing to do when it is missing)
    APPEND = "append"  # add an item to the list at a path unless it is there; create the list

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Edit:
    """One change a fix makes, as data: an operation at a path within a Kubernetes object.
    `obj` is the object to change; None means the object the finding is about (the engine fills
    it in). `--fix` applies edits with ruamel.yaml's round trip (wslint/fix/)."""

    op: EditOp
    path: tuple
    value: Any = None
    obj: "KObject | None" = field(default=None, compare=False)

    @classmethod
    def set(cls, path: tuple, value: Any, obj: "KObject | None" = None) -> "Edit":
        return cls(EditOp.SET, tuple(path), value, obj)

    @classmethod
    def remove(cls, path: tuple, obj: "KObject | None" = None) -> "Edit":
        return cls(EditOp.REMOVE, tuple(path), None, obj)

    @classmethod
    def append(cls, path: tuple, value: Any, obj: "KObject | None" = None) -> "Edit":
        return cls(EditOp.APPEND, tuple(path), value, obj)

    def as_dict(self) -> dict[str, Any]:
        edit = {"op": str(self.op), "path": format_path(self.path)}
        if self.op is not EditOp.REMOVE:
            edit["value"] = self.value
        if self.obj is not None:
            edit["object"] = self.obj.ref.as_dict()
            edit["file"] = self.obj.source.path
        return edit


@dataclass(frozen=True)
class Fix:
    """How to fix a finding: a one-line description, the YAML to write where it helps, and the
    edits `--fix` makes. `applicability` None means the rule's declared fix safety; a fix without
    edits is display-only whatever it says (there is nothing to write)."""

    description: str
    snippet: str | None = None
    applicability: Applicability | None = None
    edits: tuple[Edit, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"description": self.description, "snippet": self.snippet,
                "applicability": str(self.applicability or Applicability.DISPLAY_ONLY),
                "edits": [edit.as_dict() for edit in self.edits]}


@dataclass(frozen=True)
class Related:
    """Another object involved in a finding (the Service and the route behind it, ...). `at`:
    where it is (line, column), which the engine settles when it makes the finding, in the
    process that found it (another process may hold the object without its positions)."""

    obj: KObject
    path: tuple = ()
    message: str = ""
    at: tuple[int, int] | None = None

    def position(self) -> tuple[int, int]:
        return self.at or self.obj.locate(self.path)


@dataclass
class Problem:
    """What a check yields: the engine turns it into a Finding with a position and the rule's
    identity. `obj` defaults to the object the check was given."""

    path: tuple
    message: str
    fix: Fix | None = None
    obj: KObject | None = None
    related: tuple[Related, ...] = ()
    controller: str | None = None


@dataclass
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    object: ObjRef | None = None
    path: str = ""
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    controller: str | None = None

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.message)


@dataclass
class InternalError:
    """A check that raised: reported, and the run exits 2, but the other checks' findings stand."""

    rule: str
    plugin: str
    obj: str
    error: str


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    objects: int = 0
    skipped_documents: int = 0  # YAML documents that are not Kubernetes objects
    internal_errors: list[InternalError] = field(default_factory=list)
    suppressed: int = 0  # findings silenced by annotations, comments or configured exemptions
    baselined: int = 0  # findings hidden because the baseline holds them
    # What kept parts of the input from being linted on this machine, not a fault of the files
    # (a renderer not installed, no network): warnings for standard error, not findings.
    notices: list[str] = field(default_factory=list)
    # The inputs by reported path: reporters that show source positions read the text from here.
    sources: dict[str, Source] = field(default_factory=dict, repr=False)
    # Findings written already in the report's format (`Reporter.finding_text`), where the
    # processes of a run wrote their own: by id() of the finding, with the finding itself.
    finding_texts: dict[int, tuple[Finding, str]] = field(default_factory=dict, repr=False)

    def text_of(self, finding: Finding) -> str | None:
        """`finding` as written already in the report's format, if it was."""
        written = self.finding_texts.get(id(finding))
        return written[1] if written is not None and written[0] is finding else None

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        # Counted by severity first: writing each finding's severity as text takes longer.
        for severity, count in Counter(finding.severity for finding in self.findings).items():
            counts[str(severity)] += count
        return counts


__all__ = [
    "Applicability", "Edit", "EditOp", "Finding", "Fix", "InternalError", "KObject", "LintResult", "Map", "ObjRef",
    "Origin", "Problem", "Related", "Seq", "Severity", "Source", "as_str_map", "dig", "dig_list",
    "dig_map", "format_path",
]


@dataclass(frozen=True)
class Exemption:
    """A configuration `exemptions` entry: rules silenced for objects matching the globs."""

    rules: tuple[str, ...]
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    reason: str | None = None
    origin: str = "configuration"

    def covers(self, ref: ObjRef) -> bool:
        return all(pattern is None or fnmatch.fnmatchcase(value or "", pattern)
                   for pattern, value in ((self.kind, ref.kind), (self.namespace, ref.namespace),
                                          (self.name, ref.name)))


def applicable(finding: Finding, unsafe: bool) -> bool:
    """Whether `--fix` applies this finding's fix (`--unsafe-fixes`: `unsafe`)."""
    fix = finding.fix
    if fix is None or not fix.edits or any(rendered(edit.obj) for edit in fix.edits):
        return False
    return fix.applicability is Applicability.SAFE or (
        unsafe and fix.applicability is Applicability.UNSAFE)


def rendered(obj: KObject | None) -> bool:
    """An object rendered from other files (kustomize): its text is in no file wslint could edit,
    so `--fix` leaves it, and its fixes are not counted as fixable."""
    return bool(obj is not None and (obj.source.real_path or obj.origin))
