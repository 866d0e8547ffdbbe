"""A long-lived Atlas (the web app's) sees shortage lists imported by another program, without a restart."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from smpatlas.atlas import Atlas
from smpatlas.io.importer import import_files
from smpatlas.reference import shortages
from smpatlas.store import database
from tests.conftest import minimal, write_jsonl


def test_a_shortage_list_imported_elsewhere_is_used_at_once(engine: Engine, tmp_path: Path) -> None:
    rec = minimal("jp-ph-nurses", destination_countries=["JPN"], occupations=["2221"])
    assert import_files(engine, [write_jsonl(tmp_path / "p.jsonl", [rec])]).valid
    atlas = Atlas(engine)
    before = atlas.align("jp-ph-nurses")
    assert atlas.context.shortages.get("JPN") is None  # no list for Japan yet
    other = database.open_engine(str(engine.url.render_as_string(hide_password=False)))  # "another program"
    try:
        path = tmp_path / "jpn.csv"
        path.write_text("Country,ISCO08,Year,Status,Source\nJPN,2221,2024,shortage,MHLW list\n", "utf-8")
        assert shortages.import_file(other, path).valid
    finally:
        other.dispose()
    after = atlas.align("jp-ph-nurses")
    assert after != before
    assert [r.isco for r in atlas.context.shortages["JPN"]] == ["2221"]
    assert atlas.assess("jp-ph-nurses").notes["alignment.shortage_occupations"].startswith(
        "1 of 1 occupation listed for Japan (MHLW list (2024))")
    context = atlas.context
    assert atlas.context is context  # unchanged tables: loaded once
