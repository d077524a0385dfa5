"""What the built-in checks share."""

from __future__ import annotations

from wslint.plugin import CheckSet

checks = CheckSet()


def quoted(value: object) -> str:
    return f'"{value}"'


def indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())
