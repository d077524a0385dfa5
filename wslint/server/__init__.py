"""`wslint server`: a Language Server Protocol server on standard input and output, so editors
show wslint's findings while a manifest is written (docs/editors.md). It needs pygls, which
`pip install 'wslint[lsp]'` brings; plain `wslint` never imports it.

- `protocol`: findings, positions and edits in the protocol's terms;
- `app`: the pygls handlers, over `wslint.workspace.Workspace`.
"""

from __future__ import annotations


def missing_dependency() -> str | None:
    """Why the server cannot start (pygls is not installed), or None."""
    try:
        import pygls  # noqa: F401
        import lsprotocol  # noqa: F401
    except ImportError as error:
        return (f"the language server needs pygls ({error}); install it with "
                f"`pip install 'wslint[lsp]'`")
    return None


def serve(plugins: bool = True) -> None:
    """Serve on standard input and output until the client says exit."""
    from wslint.server.app import serve as serve_stdio

    serve_stdio(plugins)
