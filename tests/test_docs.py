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


def _import_report_doc() -> str:
    return (ROOT / "docs" / "import-report.md").read_text("utf-8")


def _doc_section(doc: str, heading: str) -> str:
    """The text of one '## ' section of a doc (up to the next '## ' heading)."""
    assert f"\n{heading}\n" in doc, f"docs/import-report.md has no section {heading!r}"
    return doc.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _problem_codes_in_source() -> set[str]:
    """Every problem code the package can report: ``code="..."`` literals, the defaults of ``code``
    parameters (Problem, CellError, FileError), and the codes given positionally to ``CellProblem``."""
    import ast
    import re

    src = ROOT / "src" / "smpatlas"
    codes: set[str] = set()
    for path in sorted(src.rglob("*.py")):
        text = path.read_text("utf-8")
        codes.update(re.findall(r'\bcode="([a-z_0-9]+)"', text))  # \b: not status_code="..."
        codes.update(re.findall(r'\bcode: str = "([a-z_0-9]+)"', text))
        if "CellProblem(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "CellProblem":
                given = node.args[4] if len(node.args) > 4 else next(
                    (k.value for k in node.keywords if k.arg == "code"), None)
                assert isinstance(given, ast.Constant) and isinstance(given.value, str), (
                    f"{path.name}:{node.lineno}: CellProblem's code is not a literal; teach this test to find it")
                codes.add(given.value)
    assert {"invalid", "file", "error_cell", "merged_cells", "unknown_value"} <= codes  # the scan still works
    return codes


def test_import_report_doc_lists_every_problem_code() -> None:
    import re

    table = _doc_section(_import_report_doc(), "## Problem codes")
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", table, flags=re.M)
    assert len(documented) == len(set(documented)), "a code is documented twice"
    assert documented == sorted(documented), "sort the rows of the problem codes table by code"
    in_source = _problem_codes_in_source()
    assert not in_source - set(documented), f"undocumented codes: {sorted(in_source - set(documented))}"
    assert not set(documented) - in_source, f"documented codes that no longer exist: {sorted(set(documented) - in_source)}"


def test_import_report_doc_lists_the_keys_of_a_report_and_of_a_problem() -> None:
    import re

    from smpatlas.problems import Problem, Report

    doc = _import_report_doc()
    report = Report(files=["x.csv"], problems=[Problem("m", file="x.csv", row=2)]).to_dict()
    keys = re.findall(r"^\| `(\w+)` \|", _doc_section(doc, "## Report keys"), flags=re.M)
    assert keys == list(report)
    keys = re.findall(r"^\| `(\w+)` \|", _doc_section(doc, "## Problem keys"), flags=re.M)
    assert keys == list(report["problems"][0])
