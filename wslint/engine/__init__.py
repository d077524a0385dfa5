"""The run: read the inputs, build the graph, run the rules, apply suppressions and baselines,
over one process or several. `Linter` is the entry point every interface calls."""

from wslint.engine.run import Linter

__all__ = ["Linter"]
