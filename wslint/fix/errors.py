"""The error every part of fixing raises for what it will not change."""

class FixError(Exception):
    """A file, or one edit, that cannot be fixed: the message says why."""
