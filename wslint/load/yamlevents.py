"""libyaml's events as plain tuples, for building documents straight from them.

ruamel.yaml's C parser hands out each event as an instance of a Python class whose `__init__`
calls two more: half the cost of reading a manifest is making those objects, more than libyaml
takes to parse it. The parser looks the classes up by name in its module each time, so while
`tuple_events()` is active it finds functions that make a tuple instead (a third of the cost).

Only the thread that entered `tuple_events()` gets tuples: any other thread reading events
meanwhile gets the usual objects, and outside it the module is as ruamel.yaml left it. A first
use checks that the parser passes what these functions expect (the fields of every kind of
event, against the usual objects); if it does not, `tuple_events()` yields False and the caller
reads another way.

The tuples: `(SCALAR, anchor, tag, value, start_mark, style)`, `(MAPPING_START or
SEQUENCE_START, anchor, tag, flow_style, start_mark)`, `(ALIAS, anchor, start_mark)`, and the
constants END (a mapping or sequence ends), DOCUMENT_START, DOCUMENT_END, STREAM_START and
STREAM_END. Tags are as libyaml gives them, before ruamel.yaml's `Tag` decodes them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

import _ruamel_yaml

SCALAR, MAPPING_START, SEQUENCE_START, ALIAS = 0, 1, 2, 3
END = (4,)
DOCUMENT_START, DOCUMENT_END, STREAM_START, STREAM_END = (5,), (6,), (7,), (8,)

_NAMES = ("ScalarEvent", "MappingStartEvent", "SequenceStartEvent", "AliasEvent",
          "MappingEndEvent", "SequenceEndEvent", "DocumentStartEvent", "DocumentEndEvent",
          "StreamStartEvent", "StreamEndEvent")
_CLASSES = {name: getattr(_ruamel_yaml, name) for name in _NAMES}
_get_ident = threading.get_ident
_reader = [0]  # the thread that gets tuples (0: none)
_lock = threading.Lock()

# Each takes what the parser passes the class of the same name (positionally, in its order).


def _scalar(anchor, tag, implicit, value, start_mark, end_mark, style):
    if _get_ident() != _reader[0]:
        return _CLASSES["ScalarEvent"](anchor, tag, implicit, value, start_mark, end_mark, style)
    return (SCALAR, anchor, tag, value, start_mark, style)


def _mapping_start(anchor, tag, implicit, start_mark, end_mark, flow_style):
    if _get_ident() != _reader[0]:
        return _CLASSES["MappingStartEvent"](anchor, tag, implicit, start_mark, end_mark,
                                             flow_style)
    return (MAPPING_START, anchor, tag, flow_style, start_mark)


def _sequence_start(anchor, tag, implicit, start_mark, end_mark, flow_style):
    if _get_ident() != _reader[0]:
        return _CLASSES["SequenceStartEvent"](anchor, tag, implicit, start_mark, end_mark,
                                              flow_style)
    return (SEQUENCE_START, anchor, tag, flow_style, start_mark)


def _alias(anchor, start_mark, end_mark):
    if _get_ident() != _reader[0]:
        return _CLASSES["AliasEvent"](anchor, start_mark, end_mark)
    return (ALIAS, anchor, start_mark)


def _constant(name: str, event: tuple):
    real = _CLASSES[name]

    def make(*args):
        return event if _get_ident() == _reader[0] else real(*args)

    make.__name__ = name
    return make


# The same where the reading thread is the process's only one (`tuple_events(starts_no_thread)`).
def _scalar_alone(anchor, tag, implicit, value, start_mark, end_mark, style):
    return (SCALAR, anchor, tag, value, start_mark, style)


def _mapping_start_alone(anchor, tag, implicit, start_mark, end_mark, flow_style):
    return (MAPPING_START, anchor, tag, flow_style, start_mark)


def _sequence_start_alone(anchor, tag, implicit, start_mark, end_mark, flow_style):
    return (SEQUENCE_START, anchor, tag, flow_style, start_mark)


def _alias_alone(anchor, start_mark, end_mark):
    return (ALIAS, anchor, start_mark)


def _constant_alone(name: str, event: tuple):
    def make(*args):
        return event

    make.__name__ = name
    return make


# The events that carry nothing but their kind, each always the same tuple.
_CONSTANTS = {"MappingEndEvent": END, "SequenceEndEvent": END, "DocumentStartEvent": DOCUMENT_START,
              "DocumentEndEvent": DOCUMENT_END, "StreamStartEvent": STREAM_START,
              "StreamEndEvent": STREAM_END}

_MAKERS = {
    "ScalarEvent": _scalar, "MappingStartEvent": _mapping_start,
    "SequenceStartEvent": _sequence_start, "AliasEvent": _alias,
    **{name: _constant(name, event) for name, event in _CONSTANTS.items()},
}

_MAKERS_ALONE = {
    "ScalarEvent": _scalar_alone, "MappingStartEvent": _mapping_start_alone,
    "SequenceStartEvent": _sequence_start_alone, "AliasEvent": _alias_alone,
    **{name: _constant_alone(name, event) for name, event in _CONSTANTS.items()},
}


def _expected(event: Any) -> tuple:
    """What the tuple of one of the parser's usual event objects should hold (marks as their
    line and column)."""
    name = type(event).__name__
    if name == "ScalarEvent":
        return (SCALAR, event.anchor, event.ctag, event.value, _mark(event.start_mark),
                event.style)
    if name in ("MappingStartEvent", "SequenceStartEvent"):
        code = MAPPING_START if name == "MappingStartEvent" else SEQUENCE_START
        return (code, event.anchor, event.ctag, event.flow_style, _mark(event.start_mark))
    if name == "AliasEvent":
        return (ALIAS, event.anchor, _mark(event.start_mark))
    return _CONSTANTS[name]


def _mark(mark: Any) -> tuple:
    return (mark.line, mark.column)


def _comparable(event: tuple) -> tuple:
    if event[0] in (SCALAR, MAPPING_START, SEQUENCE_START):
        return event[:4] + (_mark(event[4]),) + event[5:]
    if event[0] == ALIAS:
        return event[:2] + (_mark(event[2]),)
    return event


# Every kind of event, with anchors, tags, styles and both flow styles.
_SAMPLE = "--- &m\nkey: !t 'quoted'\nlist: &s [plain, {a: b}]\nagain: *s\n...\n--- |\n  text\n"
_works: list[bool] = []


def _check() -> bool:
    """Whether the parser passes the fields these functions expect (called with them in
    place): the usual objects of this thread, then its tuples, for the same text."""
    reader, _reader[0] = _reader[0], 0
    try:
        expected = [_expected(event) for event in _events(_SAMPLE)]
        _reader[0] = reader
        return [_comparable(event) for event in _events(_SAMPLE)] == expected
    except Exception:  # a parser that calls them otherwise
        return False
    finally:
        _reader[0] = reader


def _events(text: str) -> list:
    parser = _ruamel_yaml.CParser(text)
    events = []
    try:
        while (event := parser.get_event()) is not None:
            events.append(event)
    finally:
        parser.dispose()
    return events


@contextmanager
def tuple_events(starts_no_thread: bool = False) -> Iterator[bool]:
    """While active, ruamel.yaml's C parser gives this thread events as tuples; yields False
    (and changes nothing) where it cannot: another thread is in here, or the parser does not
    pass what this module expects. `starts_no_thread`: the caller starts no thread while it is
    active; where this thread is the process's only one, no other can then read events, and
    the parser makes tuples without asking which thread calls it."""
    if not _lock.acquire(blocking=False):
        yield False
        return
    module = vars(_ruamel_yaml)
    try:
        module.update(_MAKERS)
        _reader[0] = _get_ident()
        if not _works:
            _works.append(_check())
        if _works[0] and starts_no_thread and threading.active_count() == 1:
            module.update(_MAKERS_ALONE)
        yield _works[0]
    finally:
        _reader[0] = 0
        module.update(_CLASSES)
        _lock.release()
