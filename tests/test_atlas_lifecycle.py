"""Opening, closing and sharing an Atlas: smpatlas.open's wrong input, ``with`` blocks, a closed Atlas used again,
two Atlas objects on one file, and reprs a notebook can show."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import smpatlas
from smpatlas import Atlas, ConfigError, ConflictError, NotFound, SmpAtlasError
from tests.conftest import minimal, write_jsonl
from tests.pgserver import PgServer

# (what the user passes to smpatlas.open, words of the error); {tmp} is a fresh folder
OPEN_WRONG: list[tuple[str, Callable[[Path], Any], str]] = [
    ("an int", lambda t: smpatlas.open(5), r"The inventory is a file path such as 'atlas\.db' or a database URL, "  # type: ignore[arg-type]
     r"not 5 \(int\)"),
    ("a list", lambda t: smpatlas.open([str(t / "a.db")]), r"not \['.*\(list\)"),  # type: ignore[arg-type]
    ("bytes", lambda t: smpatlas.open(b"a.db"), r"not b'a\.db' \(bytes\)"),  # type: ignore[arg-type]
    ("create as text", lambda t: smpatlas.open(t / "a.db", create="no"), r"create= is True or False"),  # type: ignore[arg-type]
    ("user as int", lambda t: smpatlas.open(t / "a.db", user=7), r"user= is a name"),  # type: ignore[arg-type]
    ("rubric as int", lambda t: smpatlas.open(t / "a.db", rubric=7), r"rubric= is a file name"),  # type: ignore[arg-type]
    ("missing, not created", lambda t: smpatlas.open(t / "a.db", create=False), r"No SMP Atlas inventory at"),
    ("missing folder", lambda t: smpatlas.open(t / "nope" / "a.db"), r"Folder '.*nope' does not exist"),
    ("a folder", lambda t: smpatlas.open(t), r"is a folder, not an SMP Atlas inventory"),
    ("a text file", lambda t: smpatlas.open(t / "notes.txt"), r"is not an SMP Atlas inventory"),
    ("a rubric that is not there", lambda t: smpatlas.open(t / "a.db", rubric=t / "r.toml"), r"Cannot read rubric"),
    ("dialect misspelt", lambda t: smpatlas.open("postgressql+psycopg://atlas@localhost/atlas"),
     r"Cannot use database 'postgressql\+psycopg://atlas@localhost/atlas'"),
    ("driver misspelt", lambda t: smpatlas.open("postgresql+pyscopg://atlas@localhost/atlas"),
     r"Cannot use database 'postgresql\+pyscopg://"),
    ("port not a number", lambda t: smpatlas.open("postgresql+psycopg://atlas:secret@localhost:54x2/atlas"),
     r"Not a database URL: 'postgresql\+psycopg://atlas:\*\*\*@localhost:54x2/atlas'"),
    ("no server there", lambda t: smpatlas.open("postgresql+psycopg://atlas:secret@127.0.0.1:1/atlas"),
     r"Cannot open database postgresql\+psycopg://atlas:\*\*\*@127\.0\.0\.1:1/atlas: connection failed"),
]


def _text_file(folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("not an inventory\n", "utf-8")
    return path


@pytest.mark.parametrize(("call", "words"), [pytest.param(c, w, id=i) for i, c, w in OPEN_WRONG])
def test_open_refuses_wrong_input_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           call: Callable[[Path], Any], words: str) -> None:
    monkeypatch.chdir(tmp_path)
    _text_file(tmp_path)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ConfigError) as caught:
        call(tmp_path)
    assert re.search(words, str(caught.value)), str(caught.value)
    assert "secret" not in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == before  # no inventory named '5' or "['…']" was created


def test_open_a_postgresql_database_whose_name_is_misspelt(pg_server: PgServer) -> None:
    url = pg_server.create_database()
    typo = url.rsplit("/", 1)[0] + "/atlsa_no_such_database"
    with pytest.raises(SmpAtlasError) as caught:
        smpatlas.open(typo)
    assert "atlsa_no_such_database" in str(caught.value) and "sqlalchemy" not in str(caught.value).lower()


@pytest.fixture
def atlas(db_path: Path) -> Iterator[Atlas]:
    a = smpatlas.open(db_path, user="anna")
    assert a.import_files([write_jsonl(db_path.with_suffix(".jsonl"), [minimal("xx-yy-one"), minimal("xx-yy-two")])]).valid
    yield a
    a.close()


USES: list[tuple[str, Callable[[Atlas, Path], Any]]] = [
    ("get", lambda a, t: a.get("xx-yy-one")),
    ("deletion", lambda a, t: a.deletion("xx-yy-one")),
    ("records", lambda a, t: a.records()),
    ("count", lambda a, t: a.count()),
    ("overview", lambda a, t: a.overview()),
    ("history", lambda a, t: a.history("xx-yy-one")),
    ("stats", lambda a, t: a.stats()),
    ("assess", lambda a, t: a.assess("xx-yy-one")),
    ("assess_all", lambda a, t: a.assess_all()),
    ("whatif", lambda a, t: a.whatif("xx-yy-one", {"status": "completed"})),
    ("benchmark", lambda a, t: a.benchmark({"sectors": ["health_care"]})),
    ("align", lambda a, t: a.align("xx-yy-one")),
    ("align_all", lambda a, t: a.align_all()),
    ("import_files", lambda a, t: a.import_files([t / "atlas.jsonl"], mode="upsert")),
    ("export", lambda a, t: a.export("csv", t / "out.csv")),
    ("report", lambda a, t: a.report(t / "out.html")),
    ("profile", lambda a, t: a.profile("xx-yy-one", t / "out.html")),
    ("edit", lambda a, t: a.edit("xx-yy-one", {"status": "completed"})),
    ("delete", lambda a, t: a.delete("xx-yy-one")),
    ("with", lambda a, t: a.__enter__()),
]


@pytest.mark.parametrize("use", [pytest.param(u, id=i) for i, u in USES])
def test_a_closed_atlas_says_so(atlas: Atlas, db_path: Path, use: Callable[[Atlas, Path], Any]) -> None:
    with atlas:
        pass
    assert atlas.closed
    with pytest.raises(ConfigError, match=r"This Atlas on '.*atlas\.db' is closed .* smpatlas\.open"):
        use(atlas, db_path.parent)
    assert not (db_path.parent / "out.csv").exists() and not (db_path.parent / "out.html").exists()
    with smpatlas.open(db_path) as again:  # nothing was written
        assert again.count() == 2 and again.get("xx-yy-one")["status"] == "ongoing"


def test_close_twice_and_an_error_in_a_with_block(atlas: Atlas) -> None:
    with pytest.raises(NotFound), atlas:
        atlas.get("nope")
    assert atlas.closed
    atlas.close()
    assert "closed" in repr(atlas)


def test_two_atlas_objects_on_one_file(db_path: Path, atlas: Atlas) -> None:
    atlas.close()
    one, two = smpatlas.open(db_path, user="one"), smpatlas.open(db_path, user="two")
    try:
        version = len(one.history("xx-yy-one"))
        one.edit("xx-yy-one", {"status": "completed"}, expected_version=version)
        assert two.get("xx-yy-one")["status"] == "completed"  # the other sees the change at once
        with pytest.raises(ConflictError, match="status changed meanwhile"):
            two.edit("xx-yy-one", {"status": "suspended"}, expected_version=version)
        two.delete("xx-yy-one")
        with pytest.raises(NotFound, match=r"deleted on .* by two"):
            one.edit("xx-yy-one", {"status": "ongoing"})
        two.close()
        assert one.count() == 1  # closing one leaves the other open
        assert [e["user_name"] for e in one.history("xx-yy-one")][-2:] == ["one", "two"]
    finally:
        one.close()
        two.close()


def test_repr(atlas: Atlas) -> None:
    assert repr(atlas) == f"Atlas('sqlite:///{atlas.engine.url.database}', user='anna')"


def test_help_names_the_entry_points() -> None:
    doc = smpatlas.__doc__ or ""
    for name in ("smpatlas.open", "import_files", "records", "stats", "assess", "whatif", "benchmark", "export",
                 "report", "SmpAtlasError", "NotFound", "ValidationFailed"):
        assert name in doc, name

