"""wslint's built-in checks, one module per family of rules; each module's `checks` holds its
rules' check functions by code. `wslint.builtin` lists the modules and binds them to the rule
definitions of `rules/`."""
