"""Rule documentation, rendered from the rule metadata: `wslint explain` prints the text form."""

from __future__ import annotations

from wslint.model import Applicability
from wslint.rules import Rule

SECTION_TITLES = {
    "what": "What it does",
    "why": "Why it matters",
    "example": "Example",
    "use-instead": "Use instead",
    "fix": "Fix",
    "notes": "Notes",
}
CODE_SECTIONS = ("example", "use-instead")


def _options_text(rule: Rule) -> str:
    if not rule.options:
        return "None."
    return "\n".join(f"- {name} ({spec.type}, default {spec.default!r}): {spec.description}"
                     for name, spec in rule.options.items())


FIX_SAFETY_TEXT = {
    Applicability.SAFE: "Safe: `wslint --fix` applies the fix.",
    Applicability.UNSAFE: "Unsafe: the fix can change behaviour beyond the finding, so "
                          "`wslint --fix` applies it only with `--unsafe-fixes`.",
    Applicability.DISPLAY_ONLY: "Display only: the fix is shown, never written; it needs values "
                                "only you know.",
}


def fix_safety_text(rule: Rule) -> str:
    """The rule's declared fix safety, with the rule's own explanation when it has one."""
    text = FIX_SAFETY_TEXT[rule.fix_safety]
    if "fix-safety" in rule.docs:
        text += " " + rule.docs["fix-safety"].strip()
    return text


def render_rule_text(rule: Rule) -> str:
    lines = [f"{rule.code} {rule.name} ({rule.severity})", "", rule.summary, ""]
    for key, title in SECTION_TITLES.items():
        if key not in rule.docs:
            continue
        lines += [f"## {title}", ""]
        body = rule.docs[key].rstrip()
        if key in CODE_SECTIONS:
            body = "\n".join("    " + line if line else "" for line in body.splitlines())
        lines += [body, ""]
        if key == "fix":
            lines += ["## Fix safety", "", fix_safety_text(rule), ""]
            lines += ["## Options", "", _options_text(rule), ""]
    return "\n".join(lines).rstrip() + "\n"
