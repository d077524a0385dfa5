"""Small pieces of the model and the engine that trade generality for speed: the same results as
the general way."""

from __future__ import annotations

import dataclasses

from hypothesis import given, strategies as st

from wslint.engine.run import _with
from wslint.model import Applicability, Edit, Fix, KObject, Related, Source, _format_path, format_path
from wslint.load.yamltree import parse_stream

STEPS = st.one_of(st.text(max_size=6), st.integers(-3, 3), st.booleans(), st.floats(-2, 2),
                  st.sampled_from(["spec", "a.b", "x-y", 'q"', "1", 0, 1, True, 1.0]))


@given(st.lists(st.lists(STEPS, max_size=4).map(tuple), max_size=6))
def test_paths_written_once_are_written_as_the_first_time(paths):
    """Written paths are remembered, but `(1,)`, `(True,)` and `(1.0,)`, equal as keys, are each
    written their own way, however often and in whatever order they come."""
    for path in paths + paths:
        assert format_path(path) == _format_path(path)


def test_a_path_is_written_with_its_steps_own_kinds():
    assert [format_path(path) for path in [(1,), (True,), (1.0,), (1,)]] == \
        ["[1]", '["True"]', '["1.0"]', "[1]"]
    assert format_path(("metadata", "annotations", "nginx.org/x", 0)) == \
        'metadata.annotations["nginx.org/x"][0]'


def test_copies_with_changes_are_what_dataclasses_replace_makes():
    source = Source("a.yaml", "kind: Service\nmetadata: {name: s}\n")
    obj = KObject(parse_stream(source.text).documents[0], source, 0)
    edit = Edit.set(("spec", "x"), {"a": 1})
    fix = Fix("describe", "snippet: 1", Applicability.SAFE, (edit,))
    related = Related(obj, ("metadata",), "the Service")
    for value, changes in [(edit, {"obj": obj}), (fix, {"edits": (), "applicability": None}),
                           (related, {"at": (2, 1)})]:
        changed, replaced = _with(value, **changes), dataclasses.replace(value, **changes)
        assert type(changed) is type(replaced) and changed == replaced
        assert dataclasses.asdict(changed) == dataclasses.asdict(replaced)
        assert changed is not value and value == dataclasses.replace(value)  # left as it was
        try:
            changed.path = ()
        except dataclasses.FrozenInstanceError:
            pass
        else:
            raise AssertionError("a copy of a frozen dataclass can be changed")
