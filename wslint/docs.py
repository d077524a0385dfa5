"""Rule documentation, rendered from the rule metadata: `wslint explain` prints the text form."""

from __future__ import annotations

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
            lines += ["## Options", "", _options_text(rule), ""]
    return "\n".join(lines).rstrip() + "\n"
