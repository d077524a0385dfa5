"""The rule pages under docs/rules/ are generated from the rule metadata, docs/controllers.md
from the controller profiles and docs/load-balancers.md from the cloud profiles; all must be
current."""

from __future__ import annotations

from conftest import ROOT
from cli_helpers import invoke as run
from wslint.catalog.docs import generated_pages, stale_pages
from wslint.clouds.docs import render_load_balancers_page
from wslint.clouds.registry import CLOUDS
from wslint.controllers.docs import render_controllers_page
from wslint.controllers.registry import PROFILES
from wslint.engine.plugins import Plugins

RULE_PAGES = ROOT / "docs" / "rules"
SECTIONS = ("## What it does", "## Why it matters", "## Example", "## Use instead", "## Fix",
            "## Fix safety", "## Options", "## Silencing it")


def builtin_pages() -> dict[str, str]:
    return generated_pages(Plugins(third_party=False).rules())


def test_committed_rule_pages_are_current():
    stale = stale_pages(RULE_PAGES, builtin_pages())
    assert not stale, f"stale pages in docs/rules: {stale}; regenerate them with `wslint generate-docs`"


def test_committed_controllers_page_is_current():
    page = (ROOT / "docs" / "controllers.md").read_text(encoding="utf-8")
    assert page == render_controllers_page(), \
        "docs/controllers.md is stale; regenerate it with `wslint generate-docs`"


def test_controllers_page_describes_every_profile():
    page = render_controllers_page()
    for profile in PROFILES:
        assert f"| `{profile.id}` | {profile.title} |" in page
        assert f"### {profile.title} (`{profile.id}`)" in page


def test_committed_load_balancers_page_is_current():
    page = (ROOT / "docs" / "load-balancers.md").read_text(encoding="utf-8")
    assert page == render_load_balancers_page(), \
        "docs/load-balancers.md is stale; regenerate it with `wslint generate-docs`"


def test_load_balancers_page_describes_every_cloud():
    page = render_load_balancers_page()
    for cloud in CLOUDS:
        assert f"| `{cloud.id}` | {cloud.title} |" in page
        assert f"### {cloud.title} (`{cloud.id}`)" in page


def test_every_rule_has_a_page_with_every_section_and_an_index_entry():
    rules = Plugins(third_party=False).rules()
    pages = builtin_pages()
    for rule in rules:
        page = pages[f"{rule.code}.md"]
        assert page.splitlines()[2] == f"# {rule.code} {rule.name}"
        for section in SECTIONS:
            assert f"\n{section}\n" in page, (rule.code, section)
        assert f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity} |" in pages["README.md"]


def test_explain_and_the_page_say_the_same():
    from wslint.catalog.docs import render_rule_text

    [rule] = [r for r in Plugins(third_party=False).rules() if r.code == "WS203"]
    page, text = builtin_pages()["WS203.md"], render_rule_text(rule)
    for key in ("what", "why", "fix"):
        assert rule.docs[key].strip() in page and rule.docs[key].strip() in text


def test_generate_docs_writes_checks_and_removes(tmp_path):
    target = tmp_path / "rules"
    assert run("generate-docs", "--check", "--output", target).returncode == 1
    written = run("generate-docs", "--output", target)
    assert written.returncode == 0 and b"wrote" in written.stdout
    assert sorted(p.name for p in target.iterdir()) == sorted(builtin_pages())
    assert run("generate-docs", "--check", "--output", target).returncode == 0
    (target / "WS999.md").write_text("a rule that is gone\n")
    (target / "WS201.md").write_text("edited by hand\n")
    stale = run("generate-docs", "--check", "--output", target)
    assert stale.returncode == 1
    assert b"WS201.md: stale" in stale.stderr and b"WS999.md: stale" in stale.stderr
    again = run("generate-docs", "--output", target)
    assert b"removed" in again.stdout and not (target / "WS999.md").exists()
    assert run("generate-docs", "--check", "--output", target).returncode == 0


def test_links_between_the_guides_resolve():
    """Relative links in README and the guides point at files that exist (and at headings that
    exist, for `#anchors` into our own pages)."""
    import re

    pages = [ROOT / "README.md", *(ROOT / "docs" / name for name in
                                   ("configuration.md", "ci.md", "pre-commit.md")),
             *sorted(RULE_PAGES.glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "#")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve()
            assert linked.exists(), f"{page.name}: broken link {target}"
            if anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
                slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
                assert anchor in slugs, f"{page.name}: no heading for {target}"


def test_readme_sample_output_is_what_the_example_prints():
    """README's sample: every line it shows is printed, in that order (`...` skips lines)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("$ wslint docs/examples/chat\n", 1)[1].split("```", 1)[0].splitlines()
    printed = run("--no-config", "--color", "never", "docs/examples/chat",
                  cwd=ROOT).stdout.decode().splitlines()
    position = 0
    for line in sample:
        if line == "...":
            continue
        assert line in printed[position:], f"README shows a line the example does not print: {line}"
        position = printed.index(line, position) + 1
    assert sample[-2:] == printed[-2:], "the sample ends with the summary"
def test_generate_docs_never_writes_a_users_docs(tmp_path):
    """Without --output it writes wslint's own pages, wherever it is run from."""
    users = tmp_path / "docs" / "rules"
    users.mkdir(parents=True)
    (users / "README.md").write_text("our own rules\n")
    (users / "WS999.md").write_text("our own page\n")
    result = run("generate-docs", cwd=tmp_path)
    assert result.returncode == 0
    assert (users / "README.md").read_text() == "our own rules\n"
    assert (users / "WS999.md").exists()
    assert run("generate-docs", "--check", cwd=tmp_path).returncode == 0, "its own pages are current"
