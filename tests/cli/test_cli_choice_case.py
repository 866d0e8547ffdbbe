"""Choice options (``--format``/``-f``, ``--report-format``, ``--mode``, ``--role``, ``shortages list --status``)
take their values in any case, on every command alike, and the command works with the canonical lower-case value:
``-f JSON`` prints exactly what ``-f json`` prints. A value that is none of the choices stays a usage error (exit 2).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from smpatlas.cli.common import check_choice
from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
RID = "de-ph-triple-win"
DRAFT = """name: My draft
partnership_type: pilot_project
origin_countries: [PHL]
destination_countries: [DEU]
start_year: 2024
status: planned
"""


@pytest.mark.parametrize(("value", "choices", "canonical"), [
    ("json", ("text", "json"), "json"),
    ("JSON", ("text", "json"), "json"),
    ("Json", ("text", "json"), "json"),
    ("MarkDown", ("table", "json", "csv", "markdown"), "markdown"),
    ("UPSERT", ("insert", "upsert", "replace"), "upsert"),
    ("Editor", ("viewer", "editor", "admin"), "editor"),
])
def test_check_choice_returns_the_canonical_value(value: str, choices: tuple[str, ...], canonical: str) -> None:
    assert check_choice(value, choices, "--format") == canonical


@pytest.mark.parametrize("value", ["xml", "", "json ", "jsonl"])
def test_check_choice_refuses_what_is_no_choice(value: str) -> None:
    with pytest.raises(typer.BadParameter, match="is not one of text, json"):
        check_choice(value, ("text", "json"), "--format")


CHOICE_OPTIONS = {"-f", "--format", "--report-format", "--mode", "--status"}
#: (arguments with a value in another case, whether the command takes --db); the same in lower case must print
#: the same.
CASES: list[tuple[tuple[str, ...], bool]] = [
    (("list", "-f", "JSON"), True),
    (("list", "--format", "Csv"), True),
    (("show", RID, "-f", "JSON"), True),
    (("stats", "-f", "JSON"), True),
    (("stats", "--format", "MarkDown"), True),
    (("assess", RID, "-f", "JSON"), True),
    (("assess", "--all", "--format", "Json"), True),
    (("whatif", RID, "--set", "status=completed", "-f", "JSON"), True),
    (("benchmark", "draft.yaml", "-f", "JSON"), True),
    (("rubric", "-f", "MARKDOWN"), False),
    (("codebook", "-f", "JSON"), False),
    (("export", "-f", "JSONL", "--out", "-"), True),
    (("isco", "search", "nurse", "-f", "JSON"), False),
    (("shortages", "list", "--country", "DEU", "--status", "SHORTAGE", "-f", "CSV"), True),
    (("align", "--all", "-f", "CSV"), True),
    (("align", RID, "-f", "JSON"), True),
    (("user", "list", "-f", "JSON"), True),
    (("validate", "new.jsonl", "--report-format", "JSON", "--mode", "UPSERT"), True),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "with_db"), [pytest.param(a, d, id=" ".join(a)) for a, d in CASES])
def test_choices_in_any_case_print_what_lower_case_prints(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                                          with_db: bool) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "draft.yaml").write_text(DRAFT, "utf-8")
    write_jsonl(tmp_path / "new.jsonl", [minimal("xx-yy-new")])
    db = demo_db.db if with_db else ()
    res = cli(*args, *db)
    assert res.code == 0, res.stderr
    previous = ("", *args[:-1])
    lower = cli(*(a.lower() if option in CHOICE_OPTIONS else a for option, a in zip(previous, args, strict=True)), *db)
    assert lower.code == 0, lower.stderr
    assert res.stdout == lower.stdout and res.stdout.strip()


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "code", "words"), [
    # the format reaches the report in lower case: the file's own format, or a contradiction named in lower case
    (("report", "partnership", RID, "--out", "p.html", "-f", "HTML"), 0, ("Wrote p.html",)),
    (("report", "partnership", RID, "--out", "p.pdf", "--format", "Html"), 1,
     ("--format html contradicts the file name 'p.pdf'",)),
    (("report", "inventory", "--out", "r.pdf", "-f", "HTML"), 1, ("--format html contradicts the file name 'r.pdf'",)),
    # what is no format is a usage error, as on every other command
    (("report", "inventory", "--out", "r.html", "-f", "docx"), 2,
     ("Invalid value for --format: 'docx' is not one of html, pdf, xlsx",)),
    (("report", "partnership", RID, "--out", "p.html", "-f", "xlsx"), 2, ("'xlsx' is not one of html, pdf",)),
    (("list", "-f", "xml"), 2, ("Invalid value for --format: 'xml' is not one of table, json, csv",)),
    (("import", "new.jsonl", "--mode", "merge"), 2, ("'merge' is not one of insert, upsert, replace",)),
])
def test_report_formats_in_any_case(cli: Cli, demo_db: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    args: tuple[str, ...], code: int, words: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "new.jsonl", [minimal("xx-yy-new")])
    res = cli(*args, *demo_db.db)
    assert res.code == code, res.stdout + res.stderr
    out = " ".join((res.stdout + res.stderr).split())
    for w in words:
        assert w in out
    if code == 0:
        assert (tmp_path / "p.html").read_text("utf-8").lstrip().lower().startswith("<!doctype html")
    else:
        assert not (tmp_path / "p.pdf").exists() and not (tmp_path / "r.pdf").exists()


@SQLITE_ONLY
def test_role_in_any_case_is_stored_in_lower_case(cli: Cli, demo_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    res = cli("user", "add", "carl", "--role", "Editor", "--password-stdin", *demo_db.db)
    assert res.code == 0, res.stderr
    assert "Added carl (editor)." in res.stdout
    assert [(u["name"], u["role"]) for u in cli("user", "list", "-f", "json", *demo_db.db).json()] == [
        ("carl", "editor")]
