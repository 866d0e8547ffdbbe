"""The change history on the web says what each change did, as ``smpatlas show`` does.

A change of a nested field (outcomes, actors, sources) was shown as its old and new JSON cut at 160 characters:
a line added at the end left both halves identical, so a person saw no difference. The partnership page and the
edit page's list of changes made meanwhile now say it in words (:func:`smpatlas.display.change`): a summary, the
lines added (+) and removed (-) in the cell syntax, and where the change came from (the edit, the import and its
file).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

import smpatlas
from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.web.conftest import log_in
from tests.web.test_conflicts import form_of

RID = "de-ph-triple-win"
LINE = {"period": "2025", "indicator": "departed", "value": 120, "source": "Annual report 2025"}
ACTOR = {"name": "POEA", "role": "government", "country": "PHL"}


def _text(fragment: str) -> str:
    inline = re.sub(r"</?(?:span|small|code)\b[^>]*>", "", fragment)  # words around them run on
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def history(page: str) -> list[tuple[str, list[str]]]:
    """The history table's "What" cells, newest first: (the cell's text without its lines, its +/- lines)."""
    body = page.split('<table class="history">', 1)[1].split("</tbody>", 1)[0]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S):
        what = re.findall(r"<td>(.*?)</td>", row, flags=re.S)[-1]
        lines = [_text(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", what, flags=re.S)]
        out.append((_text(re.sub(r"<ul.*?</ul>", "", what, flags=re.S)), lines))
    return out


def _edit(db: Path | str, changes: dict[str, Any], user: str = "ed") -> None:
    atlas = smpatlas.open(db, user=user)
    try:
        atlas.edit(RID, changes)
    finally:
        atlas.close()


def _current(db: Path | str) -> dict[str, Any]:
    atlas = smpatlas.open(db)
    try:
        return atlas.get(RID)
    finally:
        atlas.close()


# field → (the new value from the current one, the cell's text, its lines)
CHANGES = [
    # a line added at the end: the 160-character cut left old and new the same
    ("outcomes", lambda v: [*v, LINE], "Outcomes: 1 line added (edit)", ["+ 2025 | departed | 120 | Annual report 2025"]),
    ("outcomes", lambda v: v[1:], "Outcomes: 1 line removed (edit)",
     ["- 2014-10 | employed_at_destination | 27 | DOLE press release, 3 Oct 2014"]),
    ("outcomes", lambda v: [*v[:1], {**v[1], "value": 17}], "Outcomes: 1 line added, 1 removed (edit)",
     ["- 2014-10 | dropped_out | 16 | DOLE press release, 3 Oct 2014",
      "+ 2014-10 | dropped_out | 17 | DOLE press release, 3 Oct 2014"]),
    ("actors", lambda v: [*v, ACTOR], "Actors: 1 line added (edit)", ["+ POEA | government | PHL"]),
    ("sources", lambda v: [*v, {"url": "https://example.org/r", "title": "A report"}], "Sources: 1 line added (edit)",
     ["+ A report | https://example.org/r"]),
    ("sectors", lambda v: [*v, "ict"], "Sectors: added ict (edit)", []),
    ("status", lambda v: "completed", 'Status: "ongoing" → "completed" (edit)', []),
    # text a person typed is text on the page, never markup
    ("outcomes", lambda v: [*v, {**LINE, "source": "<b>Annual</b> & co"}], "Outcomes: 1 line added (edit)",
     ["+ 2025 | departed | 120 | <b>Annual</b> & co"]),
]


@pytest.mark.parametrize(("field", "new", "what", "lines"), CHANGES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHANGES)])
def test_the_history_says_what_a_change_did(client: Any, db_copy: Path, field: str, new: Any, what: str,
                                            lines: list[str]) -> None:
    _edit(db_copy, {field: new(_current(db_copy)[field])})
    page = client.get(f"/partnerships/{RID}").text
    assert history(page)[0] == (what, lines)
    assert "<b>" not in page.split('<table class="history">', 1)[1]  # escaped by Jinja


def test_an_import_says_which_file_it_came_from(client: Any, db_copy: Path, tmp_path: Path) -> None:
    fix = tmp_path / "fix.csv"
    fix.write_text(f"id,end_year\n{RID},2025\n", "utf-8")
    engine = database.open_engine(str(db_copy))
    try:
        assert import_files(engine, [fix], mode="upsert", user="anna").valid
    finally:
        engine.dispose()
    rows = history(client.get(f"/partnerships/{RID}").text)
    assert rows[0] == ("End year: not coded → 2025 (import (upsert) fix.csv)", [])
    assert rows[-1][0].startswith("create (import (")  # the first version, and where it came from, still shown


def test_the_changes_made_meanwhile_say_what_they_did(app_factory: Any, db_copy: Path) -> None:
    """The edit page's 409: the changes someone else saved while the form was open, in words."""
    erin = app_factory()
    log_in(erin, "erin")
    edit = f"/partnerships/{RID}/edit"
    mine = form_of(erin.get(edit).text).fields
    _edit(db_copy, {"outcomes": [*_current(db_copy)["outcomes"], LINE]})
    mine["notes"] = "Mine."
    r = erin.post(edit, data=mine, follow_redirects=False)
    assert r.status_code == 409
    table = r.text.split("<caption>What changed meanwhile</caption>", 1)[1].split("</table>", 1)[0]
    cells = [_text(c) for c in re.findall(r"<td>(.*?)</td>", table.split("<tbody>", 1)[1], flags=re.S)]
    assert cells[2:] == ["ed", "Outcomes", "1 line added (edit) + 2025 | departed | 120 | Annual report 2025"]
