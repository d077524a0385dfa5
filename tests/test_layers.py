"""The layering of wslint's modules: each imports only what sits below it (or beside it, without
a cycle), counting imports inside functions. Imports under `if TYPE_CHECKING:` are for type names
only and never run, so they do not count."""

from __future__ import annotations

import ast

import pytest

from conftest import ROOT

PACKAGE = ROOT / "wslint"

# From the bottom up. A module belongs to the longest prefix listed; it may import modules of its
# own layer or of layers below.
LAYERS = [
    ["wslint.load.yamltree", "wslint.load.yamlevents", "wslint.load.k8svalues", "wslint.hookspecs",
     "wslint.__init__"],
    ["wslint.model"],
    ["wslint.load", "wslint.catalog.errors", "wslint.catalog.patterns", "wslint.catalog.rules",
     "wslint.catalog.declarative", "wslint.catalog.selectors"],
    ["wslint.k8s"],
    ["wslint.controllers"],
    ["wslint.clouds"],
    ["wslint.graph"],
    ["wslint.settings"],
    ["wslint.api"],
    ["wslint.checks", "wslint.catalog.docs"],
    ["wslint.report"],
    ["wslint.builtin"],
    ["wslint.engine"],
    ["wslint.fix"],
    ["wslint.config", "wslint.workspace"],
    ["wslint.cli", "wslint.server", "wslint.__main__"],
]
# Contracts beyond the order: who must never import whom although the order would allow it.
FORBIDDEN = [("wslint.report", "wslint.checks")]
LEAVES = ["wslint.model", "wslint.load.yamltree", "wslint.api"]


def module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(name: str) -> str | None:
    """The wslint module an imported name stands for (a submodule when it is one)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("wslint"):
                    found.add(_resolve(alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wslint"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else _resolve(node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def layer_of(module: str) -> int:
    best, rank = -1, None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    if rank is None:
        pytest.fail(f"{module} belongs to no layer: add it to LAYERS in tests/test_layers.py")
    return rank


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_every_module_imports_only_its_layer_or_below():
    upward = [f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
              if layer_of(target) > layer_of(module)]
    assert not upward, "modules importing upwards:\n" + "\n".join(sorted(upward))


def test_forbidden_imports():
    found = [f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
             for source, forbidden in FORBIDDEN if _within(module, source) and _within(target, forbidden)]
    assert not found, "\n".join(found)


def test_checks_never_import_the_engine_and_leaves_import_nothing_above_them():
    for module, targets in GRAPH.items():
        if _within(module, "wslint.checks"):
            assert not [t for t in targets if _within(t, "wslint.engine")], module
    for leaf in LEAVES:
        assert all(layer_of(target) <= layer_of(leaf) for target in GRAPH[leaf]), leaf


def test_no_import_cycles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            strongconnect(module)
    assert not cycles, f"import cycles: {cycles}"


def test_imports_inside_functions_count():
    """The CLI imports the engine inside its commands (for start-up time): those edges are seen,
    so a cycle or an upward import made inside a function fails the tests above too."""
    assert "wslint.engine" in GRAPH["wslint.cli"]
    fake_upward = {"wslint.model": {"wslint.engine.run"}}
    assert [t for m, ts in fake_upward.items() for t in ts if layer_of(t) > layer_of(m)]
