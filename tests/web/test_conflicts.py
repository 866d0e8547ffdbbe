"""Two editors on one partnership: a stale save merges three ways instead of undoing the other editor's work."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from smpatlas.codebook import default as default_codebook
from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store import users as users_store
from smpatlas.web import forms
from tests.web.conftest import PASSWORD, log_in

BOTH_ENGINES = True
RID = "de-ph-triple-win"
EDIT = f"/partnerships/{RID}/edit"
ERIN_NOTES = "Notes as erin typed them."


class _EditForm(HTMLParser):
    """The fields a browser would submit from the edit form (and the field messages next to them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.action = ""
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "edit" in a.get("class", "").split():
            self._in_form, self.action = True, a["action"]
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "checkbox":
                self.fields.setdefault(name, [])
                if "checked" in a:
                    self.fields[name].append(a["value"])
            elif isinstance(self.fields.get(name), list):  # a hidden value sent with a checkbox group (what-if)
                self.fields[name].append(a.get("value", ""))
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields[name] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a["value"]
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "p" and a.get("class") == "field-error":
            self._error = a["id"].removeprefix("field-").removesuffix("-error")
            self.errors[self._error] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "p":
            self._error = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data.removeprefix("\n") if not self.fields[self._textarea] else data
        elif self._error:
            self.errors[self._error] += data


def form_of(html: str) -> _EditForm:
    parser = _EditForm()
    parser.feed(html)
    assert parser.fields, "no edit form in the page"
    return parser


def editors(app_factory: Any, db: Path | str) -> tuple[Any, Any]:
    """Two clients logged in as two editors: erin (B, who saves last) and ed (A, who saves first)."""
    engine = database.open_engine(str(db))
    with engine.begin() as conn:
        users_store.create_user(conn, name="ed", role="editor", password=PASSWORD)
    engine.dispose()
    erin, ed = app_factory(), app_factory()
    log_in(erin, "erin")
    log_in(ed, "ed")
    return erin, ed


def stored(db: Path | str, rid: str = RID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    engine = database.open_engine(str(db))
    with engine.connect() as conn:
        rec, history = repo.get(conn, rid), repo.history_of(conn, rid)
    engine.dispose()
    assert rec is not None
    return rec, history


def changes_after(history: list[dict[str, Any]], version: int) -> dict[str, tuple[str, Any, Any]]:
    """Field → (who, old, new) of every update after ``version``."""
    return {e["field"]: (e["user_name"], e["old_value"], e["new_value"]) for e in history
            if e["version"] > version and e["action"] == "update"}


def test_an_unchanged_form_saves_nothing(app_factory: Any, db_copy: Path) -> None:
    """The merge tells changed fields by comparing form values, so a form sent back as loaded must change nothing."""
    erin, _ = editors(app_factory, db_copy)
    form = form_of(erin.get(EDIT).text).fields
    assert erin.post(EDIT, data=form, follow_redirects=False).status_code == 303
    _, history = stored(db_copy)
    assert changes_after(history, int(form["version"])) == {}


def test_stale_save_keeps_the_other_editors_change(app_factory: Any, db_copy: Path) -> None:
    erin, ed = editors(app_factory, db_copy)
    mine = form_of(erin.get(EDIT).text).fields
    theirs = form_of(ed.get(EDIT).text).fields
    loaded = int(mine["version"])
    old_notes = mine["notes"]
    theirs["notes"] = "Notes as ed rewrote them."
    assert ed.post(EDIT, data=theirs, follow_redirects=False).status_code == 303

    mine.update(status="completed", end_year="2024")
    r = erin.post(EDIT, data=mine, follow_redirects=False)
    assert r.status_code == 409
    again = form_of(r.text)
    assert again.fields["notes"] == "Notes as ed rewrote them."  # not erin's stale copy
    assert again.fields["status"] == "completed" and again.fields["end_year"] == "2024"
    assert again.fields["version"] == str(loaded + 1)
    assert again.errors == {}  # nobody changed the same field: nothing to decide
    assert "ed saved changes" in r.text and "Notes changed" in r.text
    assert "your changes to End year and Status applied on top" in r.text
    assert "Saving again applies your changes over version" in r.text

    assert erin.post(EDIT, data=again.fields, follow_redirects=False).status_code == 303
    rec, history = stored(db_copy)
    assert rec["notes"] == "Notes as ed rewrote them."
    assert rec["status"] == "completed" and rec["end_year"] == 2024
    assert changes_after(history, loaded) == {
        "notes": ("ed", old_notes, "Notes as ed rewrote them."),
        "status": ("erin", "ongoing", "completed"),
        "end_year": ("erin", None, 2024),
    }


def test_a_field_both_changed_is_marked_and_saving_keeps_mine(app_factory: Any, db_copy: Path) -> None:
    erin, ed = editors(app_factory, db_copy)
    mine = form_of(erin.get(EDIT).text).fields
    theirs = form_of(ed.get(EDIT).text).fields
    loaded = int(mine["version"])
    theirs.update(notes="Notes as ed rewrote them.", confidence="low")
    assert ed.post(EDIT, data=theirs, follow_redirects=False).status_code == 303

    mine.update(notes=ERIN_NOTES, status="suspended")
    r = erin.post(EDIT, data=mine, follow_redirects=False)
    assert r.status_code == 409
    again = form_of(r.text)
    assert again.fields["notes"] == ERIN_NOTES and again.fields["status"] == "suspended"
    assert again.fields["confidence"] == "low"  # only ed changed it
    assert list(again.errors) == ["notes"]
    note = again.errors["notes"]
    assert "ed" in note and "Notes as ed rewrote them." in note and "saving keeps yours" in note
    assert "Notes was changed by both you and ed" in r.text

    assert erin.post(EDIT, data=again.fields, follow_redirects=False).status_code == 303
    rec, history = stored(db_copy)
    assert (rec["notes"], rec["status"], rec["confidence"]) == (ERIN_NOTES, "suspended", "low")
    after = changes_after(history, loaded + 1)
    assert after == {"notes": ("erin", "Notes as ed rewrote them.", ERIN_NOTES),
                     "status": ("erin", "ongoing", "suspended")}


def test_saving_a_partnership_deleted_meanwhile_keeps_my_values(app_factory: Any, db_copy: Path) -> None:
    erin, ed = editors(app_factory, db_copy)
    mine = form_of(erin.get(EDIT).text).fields
    token = form_of(ed.get(EDIT).text).fields["csrf_token"]
    assert ed.post(f"/partnerships/{RID}/delete", data={"csrf_token": token},
                   follow_redirects=False).status_code == 303

    mine["notes"] = ERIN_NOTES
    r = erin.post(EDIT, data=mine, follow_redirects=False)
    assert r.status_code == 409
    assert "ed deleted partnership" in r.text and "ids are never reused, so give it a new id" in r.text
    again = form_of(r.text)
    assert again.action == "/new"
    assert again.fields["id"] == RID and again.fields["notes"] == ERIN_NOTES

    refused = erin.post("/new", data=again.fields, follow_redirects=False)  # the old id: refused, values kept
    assert refused.status_code == 422 and "never reused" in refused.text and ERIN_NOTES in refused.text
    renamed = {**again.fields, "id": f"{RID}-2"}
    assert erin.post("/new", data=renamed, follow_redirects=False).status_code == 303
    rec, _ = stored(db_copy, f"{RID}-2")
    assert rec["notes"] == ERIN_NOTES


def test_saving_a_partnership_that_never_existed_is_404(app_factory: Any, db_copy: Path) -> None:
    erin, _ = editors(app_factory, db_copy)
    form = form_of(erin.get(EDIT).text).fields
    assert erin.post("/partnerships/no-such-thing/edit", data=form).status_code == 404


def test_merge_compares_form_values_by_meaning() -> None:
    by_name = {f.name: f for f in default_codebook().fields}
    fields = [by_name[n] for n in ("sectors", "end_year", "notes")]
    base = {"sectors": ["health_care", "care"], "end_year": 2020, "notes": "a\nb"}
    current = {"sectors": ["health_care"], "end_year": 2021, "notes": "a\nb"}
    submitted = {"sectors": ["care", "health_care"], "end_year": "2020.0", "notes": "a\r\nb "}
    merged = forms.merge(base, current, submitted, fields)
    assert merged.mine == [] and merged.both == []
    assert merged.values == {"sectors": ["health_care"], "end_year": "2021", "notes": "a\nb"}
    unknown = forms.merge(None, current, submitted, fields)
    assert unknown.both == ["sectors", "end_year"]


def test_creating_a_partnership_whose_id_exists_says_so_and_keeps_the_values(app_factory: Any, db_copy: Path) -> None:
    erin, _ = editors(app_factory, db_copy)
    fields = {**form_of(erin.get(EDIT).text).fields, "notes": ERIN_NOTES}
    fields["csrf_token"] = form_of(erin.get("/new").text).fields["csrf_token"]
    r = erin.post("/new", data=fields, follow_redirects=False)
    assert r.status_code == 422
    assert "a partnership with this id exists already" in r.text and "choose another id, or edit that partnership" \
        in r.text and ERIN_NOTES in r.text
    assert stored(db_copy, RID)[0]["notes"] != ERIN_NOTES


def test_a_form_without_a_valid_version_is_not_saved(app_factory: Any, db_copy: Path) -> None:
    """The form always sends its version; without one, an old copy could overwrite newer work unseen."""
    erin, _ed = editors(app_factory, db_copy)
    mine = form_of(erin.get(EDIT).text).fields
    for version in ("", "abc", None):
        data = {**mine, "notes": "Saved without a version."}
        if version is None:
            del data["version"]
        else:
            data["version"] = version
        r = erin.post(EDIT, data=data, follow_redirects=False)
        assert r.status_code == 409, (version, r.status_code)
        assert "did not say which version" in r.text and "nothing was saved" in r.text
        again = form_of(r.text)
        assert again.fields["version"] == mine["version"] and again.fields["notes"] == "Saved without a version."
    rec, history = stored(db_copy)
    assert rec["notes"] != "Saved without a version." and len(history) == 1
    assert erin.post(EDIT, data=again.fields, follow_redirects=False).status_code == 303  # the form it gave back saves
    assert stored(db_copy)[0]["notes"] == "Saved without a version."
