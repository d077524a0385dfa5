"""Edits placed from positions (wslint.fix.place): where they go, and which documents are left to
ruamel.yaml's round trip instead. That the placed lines are the round trip's own is a property
(tests/test_fix_properties.py); these cases pin down the layouts around it."""

from __future__ import annotations

import pytest

from wslint.engine import Linter
from wslint.fix import FileFix, fix_text
from wslint.load.sources import load_source
from wslint.model import Source
from wslint.settings import Settings

CONTAINER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: chat
  labels: &labels
    app: chat
spec:
  selector:
    matchLabels: *labels
  template:
    spec:
      containers:
      - name: chat
        image: chat:1
"""
PRESTOP = """\
        lifecycle:
          preStop:
            sleep:
              seconds: 10
"""

# (name, manifest, what it becomes (None: not pinned here), documents round-tripped)
CASES = [
    ("anchors-and-aliases-elsewhere", CONTAINER, CONTAINER + PRESTOP, 0),
    ("literal-block-last", CONTAINER + "        command: |\n          run --fast\n",
     CONTAINER + "        command: |\n          run --fast\n" + PRESTOP, 0),
    ("shallow-comment-after", CONTAINER + "      # the end\n",
     CONTAINER + PRESTOP + "      # the end\n", 0),
    ("deeper-comment-after", CONTAINER + "          # inside\n", None, 1),
    ("block-scalar-item-last", CONTAINER + "        args:\n        - |\n          run\n", None, 1),
    ("flow-container", CONTAINER.replace("      - name: chat\n        image: chat:1\n",
                                         "      - {name: chat, image: 'chat:1'}\n"), None, 1),
    ("merge-key-in-the-container",
     CONTAINER + "        resources:\n          <<: *labels\n        tty: true\n",
     CONTAINER + "        resources:\n          <<: *labels\n        tty: true\n" + PRESTOP, 0),
    ("merge-key-last-in-the-container",
     CONTAINER + "        resources:\n          <<: *labels\n", None, 1),
    ("tag-in-a-line", CONTAINER + "        workingDir: !!str /app\n", None, 1),
    ("tag-starting-a-line", CONTAINER + "        args:\n          !!seq [run]\n", None, 1),
    ("exclamation-mark-in-a-string", CONTAINER + "        workingDir: /app!x\n",
     CONTAINER + "        workingDir: /app!x\n" + PRESTOP, 0),
    ("merge-key-is-the-container", CONTAINER.replace(
        "      - name: chat\n        image: chat:1\n",
        "      - <<: *labels\n        name: chat\n        image: chat:1\n"), None, 1),
    # The last line had no line break: it gets one, and the last added line goes without.
    ("no-line-break-at-the-end", CONTAINER[:-1], (CONTAINER + PRESTOP)[:-1], 0),
    ("a-comment-without-a-line-break-after", CONTAINER + "      # the end",
     CONTAINER + PRESTOP + "      # the end", 0),
]


@pytest.mark.parametrize("name, manifest, fixed, round_tripped", CASES,
                         ids=[case[0] for case in CASES])
def test_where_edits_go_and_what_the_round_trip_places(name, manifest, fixed, round_tripped):
    linter = Linter(Settings(select=["WS202"]))
    outcome = fix_text(linter, manifest, "app.yaml")
    assert not outcome.notices, outcome.notices
    [file] = outcome.files
    assert file.round_tripped == round_tripped
    if fixed is not None:
        assert file.fixed == fixed


def test_an_edit_made_already_changes_nothing_more():
    linter = Linter(Settings(select=["WS202"]))
    loaded = load_source(Source("app.yaml", CONTAINER, is_stdin=True))
    [finding] = linter.lint_loaded([loaded]).findings
    [edit] = finding.fix.edits
    file = FileFix(loaded.source, loaded=loaded)
    assert (file.apply(edit), file.apply(edit)) == (True, False)
    assert file.render() == CONTAINER + PRESTOP
    assert file.round_tripped == 0
