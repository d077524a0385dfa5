"""Every hook a wslint plugin can implement.

Plugins are found through the `wslint` entry-point group, and wslint's own rules and output
formats arrive the same way (entry point `builtin` = `wslint.builtin`). A hook implementation may
take fewer arguments than its specification, so specifications can grow without breaking plugins.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("wslint")


@hookspec
def wslint_rules():
    """Return the rules this plugin provides, as a list of :class:`wslint.catalog.rules.Rule` with their
    ``check`` bound (see :func:`wslint.api.load_rules`).

    Each rule's ``check(obj, ctx)`` is called once for every object whose kind the rule lists and
    yields :class:`wslint.model.Problem` instances. ``ctx`` is a :class:`wslint.api.CheckContext`:
    the resource graph (``ctx.graph``), the rule's resolved options (``ctx.options``) and the rule.
    Codes and names must be unique across all plugins.
    """


@hookspec
def wslint_reporters():
    """Return a mapping of output format name to reporter class.

    A reporter is constructed as ``Reporter(stream, settings)`` and its ``report(result)`` writes
    one complete run's :class:`wslint.model.LintResult` to ``stream`` (a text stream).
    """
