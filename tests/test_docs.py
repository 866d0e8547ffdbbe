"""Docs stay honest: generated docs are current, the README shows the two commands and every command."""

from __future__ import annotations

from pathlib import Path

from smpatlas import codebook
from smpatlas.cli.app import app

ROOT = Path(__file__).resolve().parents[1]


def test_generated_codebook_doc_is_current() -> None:
    assert (ROOT / "docs" / "codebook.md").read_text("utf-8") == codebook.to_markdown(), \
        "docs/codebook.md is stale: run 'make docs'"


def test_readme_quick_start_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quick.splitlines() if line.strip().startswith("make ")]
    assert commands == ["make demo", "make test"]


def test_readme_tours_every_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for c in app.registered_commands:
        name = c.name or (c.callback.__name__ if c.callback else "")
        assert f"smpatlas {name}" in readme, f"README does not show 'smpatlas {name}'"


def test_changelog_exists() -> None:
    assert "## " in (ROOT / "CHANGELOG.md").read_text("utf-8")


def test_ci_runs_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "make test" in ci


def test_assessment_json_doc_lists_exactly_the_keys_of_the_contract() -> None:
    import re

    from smpatlas.analysis.assessment import assess

    doc = (ROOT / "docs" / "assessment-json.md").read_text("utf-8")
    table = doc.split("## Keys", 1)[1]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.M)
    assert documented == list(assess({"id": "x", "skill_levels": ["high"]}).to_dict())
