"""A deleted partnership from the command line: its id is never reused, and ``show`` prints its kept history.

Every test runs on a SQLite file and a PostgreSQL database (the ``demo_db`` / ``fresh_db`` fixtures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from smpatlas.store import database
from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal, reuse_id, write_jsonl

Cli = Callable[..., Result]
RID = "de-ph-triple-win"


def _deleted(cli: Cli, inv: Inventory) -> str:
    """Delete RID as anna; the day of the deletion (UTC), which the messages name.

    The day is the one the delete recorded, not one taken when the tests were collected: a run across
    midnight UTC failed here when it was a module constant."""
    res = cli("delete", RID, "--yes", *inv.db, "--user", "anna")
    assert res.code == 0, res.stderr
    at = cli("show", RID, *inv.db, "--format", "json").json()["history"][-1]["at"]
    day = str(at)[:10]
    assert day in {(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=m)).strftime("%Y-%m-%d") for m in (0, 5)}
    return day


def test_an_import_cannot_reuse_the_id_of_a_deleted_partnership(cli: Cli, demo_db: Inventory,
                                                                 tmp_path: Path) -> None:
    """QA's case: delete, then import an unrelated partnership under the same id."""
    today = _deleted(cli, demo_db)
    src = write_jsonl(tmp_path / "new.jsonl", [minimal("xx-yy-fine"), minimal(RID, name="Something else")])
    before = demo_db.snapshot()
    for mode in ("insert", "upsert", "replace"):
        res = cli("import", src, *demo_db.db, "--mode", mode, "--user", "ben")
        assert res.code == 2, (mode, res.stdout, res.stderr)
        assert "new.jsonl, row 2" in res.stderr
        assert (f"id {RID!r} belonged to a partnership deleted on {today} by anna; ids are never reused"
                in res.stderr) and "choose another id" in res.stderr
    assert demo_db.snapshot() == before
    hist = cli("show", RID, *demo_db.db, "--format", "json").json()["history"]
    assert [e["action"] for e in hist] == ["create", "delete"]


def test_show_of_a_deleted_partnership_prints_its_history_and_exits_1(cli: Cli, demo_db: Inventory) -> None:
    today = _deleted(cli, demo_db)
    res = cli("show", RID, *demo_db.db)
    assert res.code == 1
    assert f"deleted on {today} by anna" in res.stderr and "history is shown above" in res.stderr
    assert "never reused" in res.stderr
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert "Triple Win" in lines[0] and "deleted in version 2" in lines[0]
    assert "History" in lines
    assert [line.split()[0] for line in lines if line.startswith("v")] == ["v1", "v2"]
    assert lines[-1].endswith("anna: delete (delete)")


def test_show_no_history_says_how_to_see_it(cli: Cli, demo_db: Inventory) -> None:
    today = _deleted(cli, demo_db)
    res = cli("show", RID, *demo_db.db, "--no-history")
    assert res.code == 1 and res.stdout == ""
    assert f"deleted on {today} by anna" in res.stderr and f"smpatlas show {RID}' without --no-history" in res.stderr


def test_show_json_of_a_deleted_partnership(cli: Cli, demo_db: Inventory) -> None:
    _deleted(cli, demo_db)
    res = cli("show", RID, *demo_db.db, "--format", "json")
    assert res.code == 1
    body = res.json()
    assert body["record"] is None and body["deleted"]["user"] == "anna" and body["deleted"]["version"] == 2
    assert [(e["version"], e["action"]) for e in body["history"]] == [(1, "create"), (2, "delete")]


def test_show_of_an_id_that_never_existed_is_unchanged(cli: Cli, demo_db: Inventory) -> None:
    res = cli("show", "nope", *demo_db.db)
    assert res.code == 1 and "No partnership with id 'nope'" in res.stderr and "deleted" not in res.stderr


def test_show_lists_the_history_of_an_id_reused_in_an_older_inventory_in_order(cli: Cli, fresh_db: Inventory
                                                                               ) -> None:
    """Inventories written before ids were retired may hold a reused id: show still lists it in order."""
    reuse_id(database.resolve_url(fresh_db.url), "aa-old")
    res = cli("show", "aa-old", *fresh_db.db)
    assert res.code == 0, res.stderr
    lines = [line.strip() for line in res.stdout.splitlines()]
    at = lines.index("History")
    tail = lines[at + 1 :]
    assert [x.split()[0] for x in tail] == ["v1", "v2", "—", "v1"]
    assert "anna: delete" in tail[1] and "used again" in tail[2] and "ben: create" in tail[3]
    assert cli("show", "aa-old", *fresh_db.db, "--format", "json").json()["version"] == 1


def test_show_help_says_what_happens_for_a_deleted_partnership(cli: Cli) -> None:
    res = cli("show", "--help")
    assert res.code == 0 and "deleted" in res.stdout and "never reused" in res.stdout
