"""``smpatlas show ID --version N``: a past version, rebuilt from the history, as text and JSON; also of a deleted
partnership; a version the history lacks is one clear message.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
RID = "de-ph-triple-win"
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _edited(cli: Cli, inv: Inventory) -> tuple[dict, dict]:  # type: ignore[type-arg]
    first = cli("show", RID, *inv.db, "--format", "json").json()
    assert first["version"] == 1
    res = cli("edit", RID, *inv.db, "--set", "status=suspended", "--set", "end_year=2030", "--user", "anna")
    assert res.code == 0, res.stderr
    assert cli("edit", RID, *inv.db, "--set", "status=completed", "--user", "ben").code == 0
    return first, cli("show", RID, *inv.db, "--format", "json").json()


def test_a_past_version_as_json_and_text(cli: Cli, demo_db: Inventory) -> None:
    first, now = _edited(cli, demo_db)
    v1 = cli("show", RID, *demo_db.db, "--version", "1", "--format", "json").json()
    assert v1["record"] == first["record"] and (v1["version"], v1["latest_version"]) == (1, 3)
    assert v1["made"]["fields"] == [] and v1["deleted"] is None and len(v1["history"]) == 4  # create + 3 changes
    v2 = cli("show", RID, *demo_db.db, "--version", "2", "--format", "json", "--no-history").json()
    assert v2["record"] == {**first["record"], "status": "suspended", "end_year": 2030}
    assert v2["made"]["user"] == "anna" and sorted(v2["made"]["fields"]) == ["end_year", "status"]
    assert v2["history"] == []
    v3 = cli("show", RID, *demo_db.db, "--version", "3", "--format", "json").json()
    assert v3["record"] == now["record"]

    text = cli("show", RID, *demo_db.db, "--version", "2", "--no-history").stdout
    lines = text.splitlines()
    assert lines[0].endswith(f"({RID}, version 2; the current version is 3)")
    assert lines[1].startswith("As it stood after anna changed ") and "End year" in lines[1]  # labels, not codes
    assert any(line.split() == ["Status:", "suspended"] for line in lines)
    assert "History" not in text
    assert "(de-ph-triple-win, version 3; the current version)" in cli("show", RID, *demo_db.db, "--version", "3").stdout


@SQLITE_ONLY
def test_versions_of_a_deleted_partnership(cli: Cli, demo_db: Inventory) -> None:
    _, now = _edited(cli, demo_db)
    assert cli("delete", RID, "--yes", *demo_db.db).code == 0
    res = cli("show", RID, *demo_db.db, "--version", "3", "--format", "json")
    assert res.code == 0 and res.json()["record"] == now["record"] and res.json()["deleted"]["version"] == 4
    text = cli("show", RID, *demo_db.db, "--version", "3", "--no-history").stdout
    assert f"({RID}, version 3; deleted in version 4)" in text


@SQLITE_ONLY
@pytest.mark.parametrize(("version", "message"), [
    ("4", f"There is no version 4 of '{RID}': its versions are 1 to 3"),
    ("0", "There is no version 0"),
    ("two", "Invalid value for '--version'"),
])
def test_a_version_it_never_had(cli: Cli, demo_db: Inventory, version: str, message: str) -> None:
    _edited(cli, demo_db)
    res = cli("show", RID, *demo_db.db, "--version", version)
    assert res.code != 0 and message in " ".join(res.stderr.split()) and "Traceback" not in res.stderr
