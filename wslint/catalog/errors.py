"""What goes wrong in a rule's definition or its options."""


class RuleDefinitionError(Exception):
    """A rule file (or a rule a plugin declares) is malformed."""


class OptionError(ValueError):
    """A rule option given a value of the wrong kind, or an option the rule does not have."""
