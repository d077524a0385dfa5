"""Reading YAML two ways gives one result.

Most manifests are built straight from libyaml's events (`yamltree._read_simple`); what that
does not handle (collections or aliases as keys, merges of anything but an alias, what a limit
refuses, any error) goes to libyaml's composer and `_Builder`. For every text, whichever way reads it, the documents,
their values and types, every position, the repeated keys and the problem must be what the
composer's way gives.
"""

from __future__ import annotations

import math
import threading

import _ruamel_yaml
import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml.events import ScalarEvent

from conftest import FIXTURES
from wslint.load import yamlevents, yamltree
from wslint.load.sources import decode
from wslint.load.yamltree import Map, Seq, parse_stream


def shape(value):
    """A document as plain, comparable data: types, values and positions."""
    if isinstance(value, Map):
        return ("map", value.line, value.column,
                [(shape(key), value.key_pos[key], shape(dict.__getitem__(value, key)))
                 for key in dict.keys(value)])
    if isinstance(value, Seq):
        return ("seq", value.line, value.column, value.item_pos, [shape(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def stream_shape(stream):
    return ([shape(document) for document in stream.documents], stream.duplicates,
            stream.complex_keys, stream.problem)


def by_composer(text: str, *limits):
    """The stream as the composer and `_Builder` read it."""
    simple, yamltree._read_simple = yamltree._read_simple, lambda *args: None
    try:
        return parse_stream(text, *limits)
    finally:
        yamltree._read_simple = simple


# (text, whether it is of the simple kind, read from events)
CASES = [
    ("a: 1\nb: [x, {c: d}]\n", True),
    ("- a: 1\n  b: 2\n- !!map\n  c: 3\n- {d: 4}\n- - x\n  - y\n", True),
    ("a: 1\na: 2\na: 3\nb: {c: d, c: e}\n", True),
    (".nan: 1\n.nan: 2\n", True),
    ("b: ! 8\nc: !!str 8\nd: !!int '8'\ne: !!binary aGVsbG8=\nf: !foo%2541 x\n", True),
    ("'a': 1\n\"a\": 2\n1: a\n0x1: b\nyes: c\ntrue: d\n", True),
    ("--- |\n  text\n---\n---\n...\n--- [1]\n", True),
    ("%YAML 1.1\n---\na: 1\n...\n", True),
    ("# only a comment\n", True),
    ("a: 1\r\nb: [x,\r\n y]\r\n", True),
    ("? a\n: b\n", True),
    ("!!str <<: 1\na: !!str <<\n", True),
    ("a: &x 1\nb: *x\nc: [*x]\n", True),
    ("a: &x {p: 1, q: [1, 2]}\nb: *x\nc: [*x, *x]\n- x\n", False),
    ("a: &x {p: 1, q: [1, 2]}\nb: *x\nc: [*x, *x]\n", True),
    ("- &m\n  k: v\n- *m\n- !!map &n\n  k: w\n- *n\n", True),
    ("a: &x 1\n---\nb: &x 2\nc: *x\n", True),
    ("base: &b {a: 1, c: 0}\nm:\n  <<: *b\n  c: 2\n", True),
    ("b: &b {a: 1}\no: &o [{z: 2}, 3]\nm:\n  <<: *o\n  <<: *b\n  a: 2\n  a: 3\n", True),
    ("m:\n  <<: {a: 1}\n", False),
    ("b: &b {a: 1}\nm:\n  <<: [*b]\n", False),
    ("s: &s 5\nm:\n  <<: *s\n", False),
    ("a: &k key\n*k : v\n", False),
    ("a: &x [*x]\n", False),
    ("a: &x 1\nb: &x 2\n", False),
    ("- &a [1, 2, 3]\n- &b [*a, *a, *a]\n- &c [*b, *b, *b]\n- [*c, *c, *c]\n", True),
    ("[a, b]: c\n", False),
    ("{{ .Values.x }}: y\n", False),
    ("a: *undefined\n", False),
    ("key: value\n  bad: indent\n", False),
    ("a: 1\n---\nb: [\n", False),
    ("a: 1\rb: 2\n", False),
    ("a: 1\x85b: 2\n", False),
    ("args: [--listen=:80]\n", False),
    ("[" * 1500 + "]" * 1500 + "\n", False),
]


@pytest.mark.parametrize("text, simple", CASES)
def test_both_ways_read_the_same(text, simple):
    assert stream_shape(parse_stream(text)) == stream_shape(by_composer(text))
    assert (yamltree._read_simple(text, yamltree.DEFAULT_MAX_DEPTH, yamltree.DEFAULT_MAX_ALIAS_EXPANSION) is not None) == simple


# Documents that aliases expand past `max_alias_expansion` or nest past `max_depth` are
# refused, and each way must refuse the same documents, at the same place.
EXPANDING = ["- &a [1, 2, 3]\n- &b [*a, *a, *a]\n- &c [*b, *b, *b]\n- [*c, *c, *c]\n",
             "a: &a {x: [1, {y: 2}]}\nb: {c: [*a, {d: *a}]}\nm:\n  <<: *a\n  k: *a\n---\nz: 1\n",
             "base: &b {p: [1, 2]}\nl:\n- &m\n  <<: *b\n  q: 1\n- *m\n- [*m, [*b]]\n"]


@pytest.mark.parametrize("text", EXPANDING)
def test_both_ways_refuse_the_same_expansions(text):
    limits = [(depth, 1000) for depth in range(1, 9)] + \
        [(1000, expansion) for expansion in range(0, 400)] + [(4, 20), (5, 60), (6, 100)]
    refused = set()
    for limit in limits:
        stream = parse_stream(text, *limit)
        assert stream_shape(stream) == stream_shape(by_composer(text, *limit)), limit
        refused.add(stream.problem is not None)
    assert refused == {True, False}


def test_every_fixture_reads_the_same_both_ways():
    paths = sorted(FIXTURES.rglob("*.yaml"))
    assert paths
    for path in paths:
        text, _ = decode(path.read_bytes())
        assert stream_shape(parse_stream(text)) == stream_shape(by_composer(text)), path


# Texts with YAML's significant characters (and the constructs left to the composer) inserted,
# lines cut and joined: most still read, some no longer do.
PIECES = ["&a ", "*a", "<<: ", "? ", ": ", "- ", "[", "]", "{", "}", "\t", "!!int ", "! ",
          "!!str ", "'", '"', "#", "\n", "---\n", "...\n", "\r", ",", "|\n", ">-\n", "~", "yes",
          "0x1F", "08", "1e3", ".nan", "\x00", "%"]
BASE = (FIXTURES / "live" / "chat.yaml").read_text(encoding="utf-8")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(BASE)), st.sampled_from(PIECES),
                          st.integers(0, 6)), max_size=4))
def test_altered_texts_read_the_same_both_ways(edits):
    text = BASE
    for at, piece, cut in edits:
        text = text[:at] + piece + text[at + cut:]
    assert stream_shape(parse_stream(text)) == stream_shape(by_composer(text))


def test_only_the_thread_reading_gets_tuples():
    """While one thread reads events as tuples, another thread reading events gets the usual
    objects; afterwards the parser's module is as it was."""
    before = dict(vars(_ruamel_yaml))
    seen = []

    def other_thread():
        parser = _ruamel_yaml.CParser("a: b\n")
        seen.extend(type(parser.get_event()).__name__ for _ in range(4))

    with yamlevents.tuple_events() as ready:
        assert ready
        parser = _ruamel_yaml.CParser("a: b\n")
        mine = [parser.get_event() for _ in range(4)]
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert mine[0] is yamlevents.STREAM_START and mine[3][0] == yamlevents.SCALAR
    assert seen == ["StreamStartEvent", "DocumentStartEvent", "MappingStartEvent", "ScalarEvent"]
    assert vars(_ruamel_yaml) == before
    assert _ruamel_yaml.ScalarEvent is ScalarEvent


def test_a_parser_that_passes_other_fields_is_read_the_composer_way(monkeypatch):
    """Should ruamel.yaml's parser ever pass its events other fields, the check at first use
    fails and every text is read the composer's way, with the same result."""

    def other_fields(anchor, tag, implicit, value, start_mark, end_mark, style):
        if threading.get_ident() != yamlevents._reader[0]:
            return ScalarEvent(anchor, tag, implicit, value, start_mark, end_mark, style)
        return (yamlevents.SCALAR, anchor, value, tag, start_mark, style)

    monkeypatch.setattr(yamlevents, "_works", [])
    monkeypatch.setitem(yamlevents._MAKERS, "ScalarEvent", other_fields)
    text = "a: [b, c]\n"
    assert yamltree._read_simple(text, yamltree.DEFAULT_MAX_DEPTH, yamltree.DEFAULT_MAX_ALIAS_EXPANSION) is None
    assert yamlevents._works == [False]
    assert stream_shape(parse_stream(text)) == stream_shape(by_composer(text))
    assert _ruamel_yaml.ScalarEvent is ScalarEvent


def test_a_reader_that_starts_no_thread_gets_tuples_without_a_thread_check(monkeypatch):
    """`tuple_events(starts_no_thread=True)` in a process of one thread: the parser makes tuples
    without asking which thread calls it, and the documents read are the same; with another
    thread alive, it asks, and that thread still gets the usual objects."""
    text = "a: &x [b, {c: d}]\ne: *x\n---\n- 1\n"
    threads = threading.active_count()  # other tests' threads may still be ending
    with yamlevents.tuple_events(starts_no_thread=True) as ready:
        assert ready
        alone = _ruamel_yaml.ScalarEvent is yamlevents._MAKERS_ALONE["ScalarEvent"]
        parser = _ruamel_yaml.CParser(text)
        events = []
        while (event := parser.get_event()) is not None:
            events.append(_comparable(event))
        parser.dispose()
    with yamlevents.tuple_events() as ready:
        checked = [_comparable(event) for event in yamlevents._events(text)]
    if threading.active_count() == threads:
        assert alone == (threads == 1)
    assert events == checked
    assert stream_shape(parse_stream(text)) == stream_shape(by_composer(text))
    assert _ruamel_yaml.ScalarEvent is ScalarEvent

    seen = []
    release = threading.Event()

    def other_thread():
        release.wait(10)
        parser = _ruamel_yaml.CParser("a: b\n")
        seen.extend(type(parser.get_event()).__name__ for _ in range(2))

    worker = threading.Thread(target=other_thread)
    worker.start()
    try:
        with yamlevents.tuple_events(starts_no_thread=True) as ready:
            assert ready
            assert _ruamel_yaml.ScalarEvent is yamlevents._MAKERS["ScalarEvent"]
            release.set()
            worker.join()
    finally:
        release.set()
        worker.join()
    assert seen == ["StreamStartEvent", "DocumentStartEvent"]


def _comparable(event):
    return yamlevents._comparable(event) if isinstance(event, tuple) else event
