"""Tracking outcomes over time from the command line: ``edit --add``, what ``edit`` says it changed, and a
history (``show``) that says which outcome lines came and went, after an edit or a re-imported spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
RID = "de-ph-triple-win"  # two outcome lines in the bundled inventory
L27 = "2014-10 | employed_at_destination | 27 | DOLE press release, 3 Oct 2014"
L16 = "2014-10 | dropped_out | 16 | DOLE press release, 3 Oct 2014"
NEW = "2023 | trained | 450 | GIZ annual report 2023"


def _history(cli: Cli, inv: Inventory) -> list[str]:
    res = cli("show", RID, *inv.db)
    assert res.code == 0, res.stderr
    lines = res.stdout.splitlines()
    return [line.strip() for line in lines[lines.index("History") + 1:]]


def test_the_history_says_which_outcome_line_was_added(cli: Cli, demo_db: Inventory) -> None:
    """Was: 'outcomes: [{...}, {...}] → [{...}, {...}, {...}]', the same JSON twice but for its end."""
    res = cli("edit", RID, "--set", f"outcomes={L27}\n{L16}\n{NEW}", "--user", "officer", *demo_db.db)
    assert res.code == 0, res.stderr
    hist = _history(cli, demo_db)
    assert hist[-2].endswith("officer: outcomes: 1 line added (edit)") and hist[-1] == f"+ {NEW}"
    assert "{" not in "\n".join(hist)


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "stdout", "outcomes"), [
    # --add keeps the lines held and adds the new ones; edit says what it did.
    (("--add", f"outcomes={NEW}"), ["Saved de-ph-triple-win (now version 2).", "outcomes: 1 line added", f"+ {NEW}"],
     [L27, L16, NEW]),
    (("--add", f"outcomes={NEW}", "--add", "outcomes=2024 | departed | 300"),
     ["outcomes: 2 lines added", f"+ {NEW}", "+ 2024 | departed | 300"], [L27, L16, NEW, "2024 | departed | 300"]),
    (("--add", f"outcomes={NEW}\n2024 | departed | 300"), ["outcomes: 2 lines added"],
     [L27, L16, NEW, "2024 | departed | 300"]),
    # --set replaces every line: what it dropped is said, not only "Saved".
    (("--set", f"outcomes={NEW}"), ["outcomes: 1 line added, 2 removed", f"- {L27}", f"- {L16}", f"+ {NEW}"], [NEW]),
    (("--add", "sectors=ict", "--set", "status=completed"),
     ["sectors: added ict", 'status: "ongoing" → "completed"'], [L27, L16]),
])
def test_edit_adds_outcome_lines_and_says_what_changed(cli: Cli, demo_db: Inventory, args: tuple[str, ...],
                                                       stdout: list[str], outcomes: list[str]) -> None:
    res = cli("edit", RID, *args, *demo_db.db)
    assert res.code == 0, res.stdout + res.stderr
    printed = [line.strip() for line in res.stdout.splitlines()]
    for line in stdout:
        assert line in printed, res.stdout
    from smpatlas.cells import format_nested

    rec = cli("show", RID, "--format", "json", *demo_db.db).json()["record"]
    assert format_nested("outcomes", rec["outcomes"]).splitlines() == outcomes


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "code", "words"), [
    (("--add", f"outcomes={L16}"), 2, ["outcomes already holds the line", "to change a line, give the whole field"]),
    (("--add", f"outcomes={NEW}\n{NEW}"), 2, ["outcomes already holds the line '2023 | trained | 450"]),
    (("--add", f"outcomes={NEW}\n0000 | departed | 3"), 2, ["line 2: outcome period '0000'", "nothing was written"]),
    (("--add", "outcomes=2024 | placed | 3"), 2, ["unknown indicator 'placed'"]),
    (("--add", "status=ended"), 1, ["status holds one value", 'use --set "status=..."']),
    (("--add", f"outcomes={NEW}", "--set", f"outcomes={NEW}"), 1, ["contradict each other", "Give one of them"]),
    (("--add", f"outcomes={NEW}", "--clear", "outcomes"), 1, ["contradict each other"]),
    (("--add", "outcoms=2024 | departed | 3"), 2, ["unknown field 'outcoms'", "did you mean 'outcomes'?"]),
    (("--add", "outcomes 2024"), 1, ["write FIELD=VALUE"]),
    (("--add", "outcomes= "), 1, ["nothing to add to outcomes"]),
    (("--add", f"outcomes={NEW}", "--expected-version", "7"), 1, ["has no version 7: it is at version 1"]),
])
def test_edit_add_refuses_what_it_cannot_do(cli: Cli, demo_db: Inventory, args: tuple[str, ...], code: int,
                                            words: list[str]) -> None:
    before = demo_db.snapshot()
    res = cli("edit", RID, *args, *demo_db.db)
    assert res.code == code, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and demo_db.snapshot() == before


@SQLITE_ONLY
def test_edit_add_to_a_partnership_that_does_not_exist(cli: Cli, demo_db: Inventory) -> None:
    res = cli("edit", "nope", "--add", f"outcomes={NEW}", *demo_db.db)
    assert res.code == 1 and "No partnership with id 'nope'" in res.stderr


@SQLITE_ONLY
def test_a_spreadsheet_edited_by_hand_and_reimported_leaves_a_readable_history(cli: Cli, demo_db: Inventory,
                                                                               tmp_path: Path) -> None:
    """Export, add a line with Alt+Enter and reorder another cell's lines in the workbook, upsert it back."""
    out = tmp_path / "inv.xlsx"
    assert cli("export", "--format", "xlsx", "--out", str(out), "--destination", "DEU", *demo_db.db).code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["partnerships"]
    col = [c.value for c in ws[1]].index("outcomes") + 1
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    cell = ws.cell(rows["de-ba-triple-win"], col)
    cell.value = "\n".join(reversed(str(cell.value).split("\n")))
    wb.save(out)
    wb = openpyxl.load_workbook(out)  # what a person does next: open the file again, type a line
    ws = wb["partnerships"]
    ws.cell(rows[RID], col).value = f"{ws.cell(rows[RID], col).value}\r\n{NEW}\r\n"
    wb.save(out)
    res = cli("import", str(out), "--mode", "upsert", "--user", "officer", *demo_db.db)
    assert res.code == 0 and "2 updated" in res.stdout, res.stdout + res.stderr
    hist = _history(cli, demo_db)
    assert hist[-2].endswith(f"officer: outcomes: 1 line added (import (upsert) {out.name})")
    assert hist[-1] == f"+ {NEW}"
    res = cli("show", "de-ba-triple-win", *demo_db.db)
    assert "outcomes: the same lines in another order (import (upsert)" in res.stdout


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "warning"), [
    # What the import warns about, edit now says too (it printed only "Saved").
    (("--set", "planned_participants=4.000"),
     "warning: planned_participants: '4.000': read as 4; if a dot between thousands was meant, that is 4,000"),
    (("--set", "budget_eur=2.600"), "(hint: write 2600 for 2,600)"),
    (("--clear", "sources"), "warning: sources: no source: the record is stored but cannot be published"),
])
def test_edit_warns_as_an_import_of_the_same_values_would(cli: Cli, demo_db: Inventory, args: tuple[str, ...],
                                                          warning: str) -> None:
    res = cli("edit", RID, *args, *demo_db.db)
    assert res.code == 0 and "Saved" in res.stdout, res.stdout + res.stderr
    assert warning in res.stderr


@SQLITE_ONLY
def test_show_lists_outcomes_one_per_line_in_the_order_of_their_periods(cli: Cli, demo_db: Inventory) -> None:
    """Was: every outcome on one line, joined by '; ', in the order they were typed."""
    res = cli("edit", RID, "--add", "outcomes=2012 | recruited | 5 | Early report", "--add",
              "outcomes=2014-10 | trained | 40", *demo_db.db)
    assert res.code == 0, res.stderr
    lines = [line.strip() for line in cli("show", RID, *demo_db.db).stdout.splitlines()]
    at = next(i for i, line in enumerate(lines) if line.startswith("Outcomes:"))
    assert lines[at].endswith("4 (one per line)")
    assert lines[at + 1:at + 5] == [
        "2012: recruited = 5 (Early report)",
        "2014-10: employed at destination = 27 (DOLE press release, 3 Oct 2014)",
        "2014-10: dropped out = 16 (DOLE press release, 3 Oct 2014)",
        "2014-10: trained = 40",
    ]
    at = next(i for i, line in enumerate(lines) if line.startswith("Actors:"))
    assert lines[at].endswith("(one per line)") and "(" in lines[at + 1]


@SQLITE_ONLY
def test_edit_add_reads_again_when_an_edit_was_saved_meanwhile_and_says_only_its_own_change(
        cli: Cli, demo_db: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: exit 1, "changed by someone else meanwhile" (--add pinned the version it read, though the user named
    none), and the lines edit printed as its change included the other person's."""
    from smpatlas.atlas import Atlas
    from smpatlas.store import database

    real = Atlas.edit
    others: list[int] = []

    def edit_after_another(self: Atlas, rid: str, changes: dict[str, object], **kw: object) -> dict[str, object]:
        if not others:  # someone saves another line between --add's read and its write
            others.append(1)
            other = Atlas(database.open_engine(demo_db.url, create_if_missing=False), user="other")
            try:
                other.edit(RID, {"outcomes": f"{L27}\n{L16}\n2024 | departed | 300"})
            finally:
                other.close()
        return real(self, rid, changes, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Atlas, "edit", edit_after_another)
    res = cli("edit", RID, "--add", f"outcomes={NEW}", "--user", "officer", *demo_db.db)
    assert res.code == 0, res.stdout + res.stderr
    printed = [line.strip() for line in res.stdout.splitlines()]
    assert printed == ["Saved de-ph-triple-win (now version 3).", "outcomes: 1 line added", f"+ {NEW}"]
    from smpatlas.cells import format_nested

    rec = cli("show", RID, "--format", "json", *demo_db.db).json()["record"]
    assert format_nested("outcomes", rec["outcomes"]).splitlines() == [L27, L16, "2024 | departed | 300", NEW]
