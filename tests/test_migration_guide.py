"""docs/migrating-from-ingress-nginx.md: each routing example, linted together with the guide's
application, gives exactly the findings the guide says it does (none for the equivalents)."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from wslint.engine import Linter
from wslint.settings import Settings

GUIDE = ROOT / "docs" / "migrating-from-ingress-nginx.md"
APPLICATION = "The application"
# The findings each section's example gives with the application, by the section's heading.
EXPECTED = {
    "Today: ingress-nginx": ["WS108"],
    "What ingress2gateway writes": ["WS102", "WS107"],
    "Envoy Gateway": [],
    "NGINX Gateway Fabric": [],
    "Traefik": [],
    "OpenShift": [],
}


def examples() -> dict[str, str]:
    """The YAML code blocks of the guide, by the heading of the section holding them (one each)."""
    found: dict[str, str] = {}
    for section in re.split(r"^## ", GUIDE.read_text(encoding="utf-8"), flags=re.M)[1:]:
        heading = section.splitlines()[0].strip()
        blocks = re.findall(r"^```yaml\n(.*?)^```$", section, flags=re.M | re.S)
        assert len(blocks) <= 1, f"section {heading!r} holds {len(blocks)} YAML blocks"
        if blocks:
            found[heading] = blocks[0]
    return found


def codes(text: str) -> list[str]:
    result = Linter(Settings()).lint_text(text, "guide.yaml")
    assert not result.internal_errors
    return sorted(f.code for f in result.findings)


def test_the_guide_has_an_example_for_each_section_the_test_knows():
    assert sorted(examples()) == sorted([APPLICATION, *EXPECTED])


def test_the_application_alone_lints_clean():
    assert codes(examples()[APPLICATION]) == []


@pytest.mark.parametrize("heading", list(EXPECTED))
def test_each_example_gives_what_the_guide_says(heading):
    found = examples()
    assert codes(found[APPLICATION] + "---\n" + found[heading]) == EXPECTED[heading]
