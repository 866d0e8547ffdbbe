"""An empty or blank partnership id (``smpatlas show ''``) is refused with what is needed and how to find ids.

Before, ``show ''`` looked the empty id up and suggested arbitrary ids as "similar" (every id contains ''). Now every
command that takes one partnership's id says that an id is needed and that ``smpatlas list`` shows them; it asks for
no confirmation and writes nothing first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


BLANK: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("show", ""), ("An empty partnership id was given: 'smpatlas show' needs the id of a partnership.",)),
    (("show", "   "), ("A blank partnership id ('   ') was given: 'smpatlas show' needs the id of a partnership.",)),
    (("show", "\t", "--format", "json"), ("A blank partnership id ('\\t') was given",)),
    (("edit", "", "--set", "status=ongoing"), ("'smpatlas edit' needs the id of a partnership",)),
    (("delete", ""), ("'smpatlas delete' needs the id of a partnership",)),  # refused before the confirmation
    (("delete", " ", "--yes"), ("'smpatlas delete' needs the id of a partnership",)),
    (("whatif", "", "--set", "status=ongoing"), ("'smpatlas whatif' needs the id of a partnership",)),
    (("report", "partnership", "", "--out", "p.html"), ("'smpatlas report partnership' needs the id",)),
    (("assess", " "), ("'smpatlas assess' needs the id of a partnership, or --all for the portfolio.",)),
    (("assess", "", "--all"), ("An empty partnership id was given",)),
    (("align", " "), ("'smpatlas align' needs the id of a partnership, or --all for the portfolio.",)),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "words"), [pytest.param(a, w, id=repr(" ".join(a))) for a, w in BLANK])
def test_an_empty_id_says_an_id_is_needed(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                          words: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    before = demo_db.snapshot()
    res = cli(*args, *demo_db.db)
    assert res.code == 1, res.stdout + res.stderr
    assert res.stdout == ""
    message = res.stderr
    for w in (*words, "'smpatlas list' shows each partnership with its id first", "smpatlas list --text WORDS"):
        assert w in message
    assert "Similar ids" not in message and "No partnership with id" not in message
    assert "Internal error" not in message
    assert not (tmp_path / "p.html").exists()
    assert demo_db.snapshot() == before


@SQLITE_ONLY
def test_an_id_is_still_looked_up(cli: Cli, demo_db: Inventory) -> None:
    """A real id shows; an unknown one is still NotFound with its hint."""
    assert cli("show", "de-ph-triple-win", *demo_db.db).code == 0
    res = cli("show", "triple-win", *demo_db.db)
    assert res.code == 1 and "No partnership with id 'triple-win'" in res.stderr and "Similar ids" in res.stderr
