"""Properties of `--fix` over generated manifests in many hand-written styles (2 or 4 spaces,
flush or indented sequences, flow or block mappings, quoted or plain strings, CRLF or LF, a
comment on any line, several documents): fixing never removes or moves a comment out of
existence, the result parses to the same objects apart from the fixed fields, documents with no
fix come back byte for byte, and a second run changes nothing; and the lines edits placed from
positions are those ruamel.yaml's round trip would have written."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st

from wslint.engine import Linter
from wslint.settings import Settings
from wslint.fix import fix_text
from wslint.fix.edit import apply_edit, object_root
from wslint.fix.patch import RoundTrip
from wslint.load.yamltree import parse_stream

LINTER = Linter(Settings())
SEPARATOR = re.compile(r"(?m)^---(?: # c\d+)?\r?\n")


class Block(str):
    """A string written as a literal block scalar (`|`): its lines are content, `#` included."""


def _scalar(value, quoted: bool) -> str:
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if quoted or not re.fullmatch(r"[a-z][a-z0-9./-]*", value) or value in ("true", "false", "null"):
        return '"' + value + '"'
    return value


class Writer:
    """Writes data as YAML in one drawn style, with comments drawn line by line."""

    def __init__(self, draw, indent: int, flush: bool) -> None:
        self.draw, self.indent, self.flush = draw, indent, flush
        self.lines: list[str] = []
        self.comments = 0

    def comment(self) -> str:
        self.comments += 1
        return f"# c{self.comments}"

    def line(self, text: str) -> None:
        if self.draw(st.booleans()):
            text += ("  " if self.draw(st.booleans()) else " ") + self.comment()
        self.lines.append(text)

    def flow(self, value) -> str | None:
        """`value` in flow style, when it is small enough and the draw says so."""
        quoted = self.draw(st.booleans())
        if isinstance(value, dict) and value and all(not isinstance(v, (dict, list)) for v in value.values()):
            return "{" + ", ".join(f"{k}: {_scalar(v, quoted)}" for k, v in value.items()) + "}"
        if isinstance(value, list) and value and all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(_scalar(v, quoted) for v in value) + "]"
        return None

    def mapping(self, data: dict, column: int, dash: str | None = None) -> None:
        for index, (key, value) in enumerate(data.items()):
            lead = dash if dash is not None and index == 0 else " " * column
            if index and self.draw(st.integers(0, 3)) == 0:
                self.lines.append(" " * column + self.comment())
            if index and self.draw(st.integers(0, 5)) == 0:
                self.lines.append("")
            flow = self.flow(value) if self.draw(st.booleans()) else None
            if isinstance(value, Block):
                self.line(f"{lead}{key}: |")
                self.lines += [" " * (column + self.indent) + text for text in value.splitlines()]
            elif flow is not None:
                self.line(f"{lead}{key}: {flow}")
            elif isinstance(value, dict) and value:
                self.line(f"{lead}{key}:")
                self.mapping(value, column + self.indent)
            elif isinstance(value, list) and value:
                self.line(f"{lead}{key}:")
                flush = self.flush if self.draw(st.integers(0, 4)) else not self.flush  # mixed
                self.sequence(value, column + (0 if flush else self.indent))
            else:
                self.line(f"{lead}{key}: {_scalar(value, self.draw(st.booleans()))}")

    def sequence(self, items: list, column: int) -> None:
        for item in items:
            flow = self.flow(item) if self.draw(st.integers(0, 3)) == 0 else None
            if flow is not None:
                self.line(" " * column + "- " + flow)
            elif isinstance(item, dict):
                self.mapping(item, column + 2, dash=" " * column + "- ")
            else:
                self.line(" " * column + "- " + _scalar(item, self.draw(st.booleans())))


def _container(draw, name: str) -> dict:
    container = {"name": name, "image": f"{name}:1"}
    if draw(st.booleans()):
        container["ports"] = [{"name": "ws", "containerPort": 8080}]
    if draw(st.booleans()):
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": draw(st.sampled_from([5, 10, 40]))}}}
    return container


def _document(draw, kind: str, name: str) -> dict:
    if kind == "Deployment":
        spec = {"containers": [_container(draw, n) for n in ("app", "side")[:draw(st.integers(1, 2))]]}
        if draw(st.booleans()):
            spec["terminationGracePeriodSeconds"] = draw(st.sampled_from([10, 30, 60]))
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}
    if kind == "Ingress":
        prefix = "nginx.ingress.kubernetes.io/"
        options = {"proxy-http-version": ["1.0", "1.1"], "connection-proxy-header": ["close"],
                   "proxy-read-timeout": ["60", "3600", "3600s"], "ssl-redirect": ["true"]}
        annotations = {prefix + key: draw(st.sampled_from(values))
                       for key, values in options.items() if draw(st.booleans())}
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": name, "annotations": annotations},
                "spec": {"ingressClassName": "nginx", "rules": [{"http": {"paths": [
                    {"path": "/ws", "pathType": "Prefix",
                     "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]}}
    if kind == "NginxIncIngress":
        annotations = {"nginx.org/websocket-services": "other"} if draw(st.booleans()) else {}
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": name, "annotations": annotations},
                "spec": {"ingressClassName": "nginx-inc", "defaultBackend": {
                    "service": {"name": name, "port": {"number": 80}}}}}
    if kind == "HTTPProxy":
        routes = [{"conditions": [{"prefix": "/ws"}], "services": [{"name": name, "port": 80}]}]
        if draw(st.booleans()):
            routes[0]["enableWebsockets"] = False
        return {"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy",
                "metadata": {"name": name}, "spec": {"routes": routes}}
    if kind == "Service":
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"selector": {"app": name}, "ports": [{"name": "ws", "port": 80}]}}
    if kind == "Mapping":
        spec = {"prefix": "/ws/", "service": name}
        if draw(st.booleans()):
            spec["allow_upgrade"] = ["h2c"]
        return {"apiVersion": "getambassador.io/v3alpha1", "kind": "Mapping",
                "metadata": {"name": name}, "spec": spec}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"mode": "fast", "level": "3",
                     "script": Block("# not a comment: content\necho 'a # b'\n")}}


@st.composite
def manifests(draw):
    writer = Writer(draw, draw(st.sampled_from([2, 4])), draw(st.booleans()))
    kinds = draw(st.lists(st.sampled_from(["Deployment", "Ingress", "NginxIncIngress", "HTTPProxy",
                                           "Mapping", "Service", "ConfigMap"]),
                          min_size=1, max_size=4))
    text = "---\n" if draw(st.booleans()) else ""
    for index, kind in enumerate(kinds):
        writer.lines = []
        if index:
            writer.lines.append("--- " + writer.comment() if draw(st.booleans()) else "---")
        if draw(st.booleans()):
            writer.lines.append(writer.comment())
        # The same name across documents, so that Services select workloads and routes reach them.
        writer.mapping(_document(draw, kind, "chat"), 0)
        if draw(st.integers(0, 3)) == 0:
            writer.lines.append(writer.comment() if draw(st.booleans()) else "")
        text += "\n".join(writer.lines) + "\n"
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


def _comments(text: str) -> Counter:
    return Counter(re.findall(r"# c\d+", text))


def _drop_fixed_field(document, reference, path: tuple) -> None:
    """Delete the field at `path`, or the first part of it that `reference` does not have (a
    mapping the fix created)."""
    node, ref = document, reference
    for depth, step in enumerate(path):
        if isinstance(node, list) and type(step) is int and step < len(node):
            node, ref = node[step], ref[step] if isinstance(ref, list) and step < len(ref) else None
            continue
        if not isinstance(node, dict) or step not in node:
            return
        if depth == len(path) - 1 or not isinstance(ref, dict) or step not in ref:
            del node[step]
            return
        node, ref = node[step], ref[step]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), st.booleans())
def test_fixing_keeps_comments_objects_and_untouched_documents(text, unsafe):
    outcome = fix_text(LINTER, text, "app.yaml", unsafe=unsafe)
    assert not outcome.notices, outcome.notices
    if not outcome.files:
        return
    [file] = outcome.files
    fixed = file.fixed
    assert _comments(fixed) == _comments(text)
    if "\r\n" in text:
        assert fixed.count("\n") == fixed.count("\r\n")
    edited = {edit.obj.doc_index for edit in file.edits}
    start = 1 if text.startswith("---") else 0  # an explicit first document start
    before, after = SEPARATOR.split(text)[start:], SEPARATOR.split(fixed)[start:]
    assert len(before) == len(after)
    for index, (old, new) in enumerate(zip(before, after)):
        if index not in edited:
            assert old == new
    # The same objects, apart from the fixed fields.
    original, result = parse_stream(text).documents, parse_stream(fixed).documents
    for edit in file.edits:
        _drop_fixed_field(result[edit.obj.doc_index], original[edit.obj.doc_index], edit.path)
    for edit in file.edits:
        document = original[edit.obj.doc_index]
        _drop_fixed_field(document, document, edit.path)
    assert result == original
    assert not fix_text(LINTER, fixed, "app.yaml", unsafe=unsafe).files, \
        "a second --fix changes nothing"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), st.booleans())
def test_edits_placed_from_positions_are_what_the_round_trip_writes(text, unsafe):
    outcome = fix_text(LINTER, text, "app.yaml", unsafe=unsafe)
    for file in outcome.session.files.values():
        for placer in file.placers.values():
            round_trip = RoundTrip(placer.lines)
            for edit in placer.edits:
                apply_edit(object_root(round_trip.tree, edit.obj.item_index), edit,
                           round_trip=True)
            assert placer.patched() == round_trip.patched(placer.ending)
