"""The field-type check (WS907) against a direct reading of its shapes: whatever a manifest holds,
the checkers made from the shapes find what reading the shapes value by value finds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from wslint.load.fieldtypes import (EXPECTED, INT_OR_STRING, INTEGER, KINDS, LIST, METADATA,
                                    OBJECT, QUANTITY, QUANTITY_MAP, STRING, STRING_MAP, _fits,
                                    _checker, shape_of, wrong_types)


def _read(value: Any, shape: Any, path: tuple, found: list) -> None:
    """What a value holds against its shape, read from the shape for every value."""
    kind = shape if isinstance(shape, str) else shape[0]
    if value is None:
        if kind == OBJECT and not shape[2]:
            found.append((path, EXPECTED[kind]))
        return
    if isinstance(value, str) and "${" in value:
        return
    if not _fits(value, kind):
        found.append((path, EXPECTED[kind]))
        return
    if kind == OBJECT:
        for name, field_shape in shape[1].items():
            if name in value:
                _read(value[name], field_shape, path + (name,), found)
    elif kind == LIST:
        object_items = not isinstance(shape[1], str) and shape[1][0] == OBJECT
        for index, item in enumerate(value):
            if item is None and object_items:
                found.append((path + (index,), EXPECTED[OBJECT]))
            else:
                _read(item, shape[1], path + (index,), found)
    elif kind in (STRING_MAP, QUANTITY_MAP):
        scalar = STRING if kind == STRING_MAP else QUANTITY
        for name, item in value.items():
            if item is not None and not _fits(item, scalar):
                found.append((path + (name,), EXPECTED[scalar]))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.sampled_from(["", "x", "1Gi", "${NAME}", "a ${B} c", "true"]))


def _like(shape: Any) -> st.SearchStrategy:
    """Values for a field of `shape`: mostly of its type, any other now and then."""
    kind = shape if isinstance(shape, str) else shape[0]
    anything = st.recursive(SCALARS, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name", "x"]), inner,
                                                     max_size=3)), max_leaves=6)
    if kind == OBJECT:
        fields = shape[1]
        fitting = st.fixed_dictionaries({}, optional={name: st.deferred(lambda f=f: _like(f))
                                                      for name, f in fields.items()})
    elif kind == LIST:
        fitting = st.lists(st.deferred(lambda: _like(shape[1])), max_size=3)
    elif kind in (STRING_MAP, QUANTITY_MAP):
        fitting = st.dictionaries(st.sampled_from(["a", "b", "c"]), SCALARS, max_size=3)
    else:
        fitting = {STRING: st.text(max_size=3), INTEGER: st.integers(),
                   INT_OR_STRING: st.one_of(st.integers(), st.text(max_size=3)),
                   QUANTITY: st.one_of(st.integers(), st.floats(), st.just("500m")),
                   }.get(kind, SCALARS)
    return st.one_of(fitting, fitting, fitting, fitting, anything)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(KINDS)).flatmap(
    lambda kind: st.tuples(st.sampled_from([kind, kind, "Unknown"]),
                           st.sampled_from(["v1", "apps/v1", "example.com/v1"]),
                           _like(KINDS[kind]), _like(METADATA))))
def test_the_checkers_find_what_reading_the_shapes_finds(case):
    kind, api_version, body, metadata = case
    data = {"apiVersion": api_version, "kind": kind, "metadata": metadata,
            **(body if isinstance(body, dict) else {"spec": body})}
    expected: list = []
    _read(data, shape_of(data), (), expected)
    assert wrong_types(data) == expected


def _shapes(shape: Any) -> list:
    """The shape and every shape within it."""
    if isinstance(shape, str):
        return [shape]
    if shape[0] == OBJECT:
        return [shape] + [inner for field in shape[1].values() for inner in _shapes(field)]
    return [shape] + _shapes(shape[1])


EVERY_SHAPE = [shape for kind in sorted(KINDS) for shape in _shapes(KINDS[kind])]


@settings(max_examples=600, deadline=None)
@given(st.integers(0, len(EVERY_SHAPE) - 1).flatmap(
    lambda index: st.tuples(st.just(index), _like(EVERY_SHAPE[index]))))
def test_each_shapes_checker_finds_what_reading_it_finds(case):
    index, value = case
    shape = EVERY_SHAPE[index]
    expected: list = []
    _read(value, shape, ("at",), expected)
    found: list = []
    _checker(shape)(value, ("at",), found)
    assert found == expected
