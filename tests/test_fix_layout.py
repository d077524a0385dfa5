"""The fix package is layered: each module imports only the modules below it (imports inside
functions included), so there is no import cycle and each job can be read on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import wslint.fix

PACKAGE = Path(wslint.fix.__file__).parent

# Bottom first: a module may import only modules listed before it.
LAYERS = ["errors", "scan", "edit", "place", "patch", "diff", "write", "file", "rounds", "run"]

# What the package may use from the rest of wslint: the model and the input layer, never the
# checks or the command line above it; of the engine, only `run` uses its helpers for work
# shared out over processes (forking, trading parsed trees). The linter is given.
OUTSIDE = ("wslint.model", "wslint.load.")
ENGINE_HELPERS = {"run": ("wslint.engine.parallel", "wslint.engine.forked")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {name for name in names if name == "wslint" or name.startswith("wslint.")}


def test_every_module_has_a_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)


def test_each_module_imports_only_what_sits_below_it():
    for index, module in enumerate(LAYERS):
        below = {f"wslint.fix.{name}" for name in LAYERS[:index]}
        for name in _imports(PACKAGE / f"{module}.py"):
            if name.startswith("wslint.fix"):
                assert name in below, f"wslint.fix.{module} imports {name}"
            else:
                assert name.startswith(OUTSIDE) or name in ENGINE_HELPERS.get(module, ()), \
                    f"wslint.fix.{module} imports {name}"
