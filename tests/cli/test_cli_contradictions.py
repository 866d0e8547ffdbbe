"""Options that contradict each other are refused with one clear message, never settled silently.

Covers: the flag pairs (``--g2g``/``--not-g2g`` on every command that filters, ``show --history/--no-history``,
``serve --public/--private`` and ``--secure-cookies/--no-secure-cookies``), ``--set`` and ``--clear`` of one
field and two different ``--set`` of one field (``edit`` and ``whatif``), ``chart --list`` with a chart to
draw, filters given with one partnership id (``assess``, ``align``) and ``--year-from`` after ``--year-to``.
Each is a ConfigError: exit 1, the message on stderr, nothing on stdout and nothing written. What is not a
contradiction (one flag of a pair, the same flag or the same change twice) still works.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
RID = "de-ph-triple-win"
G2G = "--g2g and --not-g2g contradict each other: give one of them, or neither"
DRAFT = """id: my-draft
name: My draft
partnership_type: pilot_project
origin_countries: [PHL]
destination_countries: [DEU]
start_year: 2024
status: planned
"""


REFUSED: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    # --g2g and --not-g2g, in either order, on every command with the filters
    (("list", "--g2g", "--not-g2g"), (G2G, "to select partnerships of both kinds")),
    (("list", "--not-g2g", "--g2g", "--format", "json"), (G2G,)),
    (("export", "--g2g", "--not-g2g", "--out", "x.csv"), (G2G,)),
    (("stats", "--not-g2g", "--g2g"), (G2G,)),
    (("assess", "--all", "--g2g", "--not-g2g"), (G2G,)),
    (("assess", RID, "--g2g", "--not-g2g"), (G2G,)),
    (("benchmark", "draft.yaml", "--g2g", "--not-g2g"), (G2G,)),
    (("align", "--all", "--g2g", "--not-g2g"), (G2G,)),
    (("chart", "timeline", "--out", "t.svg", "--g2g", "--not-g2g"), (G2G,)),
    (("report", "inventory", "--out", "r.html", "--g2g", "--not-g2g"), (G2G,)),
    # the other flag pairs
    (("show", RID, "--history", "--no-history"), ("--history and --no-history contradict each other",)),
    (("show", RID, "--no-history", "--history", "--format", "json"), ("--history and --no-history",)),
    # --set and --clear of one field, either order; a field named by its alias is the same field
    (("edit", RID, "--set", "status=ongoing", "--clear", "status"),
     ("'--set status=ongoing' and '--clear status' contradict each other", "Give one of them.")),
    (("edit", RID, "--clear", "notes", "--set", "notes=see the MoU"), ("'--set notes=see the MoU' and '--clear notes'",)),
    (("edit", RID, "--set", "Status=ongoing", "--clear", "status"), ("'--set Status=ongoing' and '--clear status'",)),
    # two different --set of one field
    (("edit", RID, "--set", "status=ongoing", "--set", "status=completed"),
     ("'--set status=ongoing' and '--set status=completed' both set status, to different values: give it once.",)),
    (("edit", RID, "--set", "status=ongoing", "--set", "Status=completed"), ("both set status",)),
    (("edit", RID, "--set", "origin_countries=PHL", "--set", "origin_countries=IND"),
     ("both set origin_countries", "give them all in one --set, separated by ';'",
      '--set "origin_countries=PHL; IND"')),
    (("whatif", RID, "--set", "status=ongoing", "--clear", "status"), ("contradict each other",)),
    (("whatif", RID, "--set", "status=ongoing", "--set", "status=completed"), ("both set status",)),
    # listing the charts, or drawing one
    (("chart", "--list", "world_map"), ("--list lists the charts and draws none, so it contradicts NAME:",
                                        "run 'smpatlas chart --list' alone")),
    (("chart", "timeline", "--out", "t.svg", "--list"), ("it contradicts NAME and --out",)),
    (("chart", "--list", "--spec"), ("it contradicts --spec",)),
    # filters select the portfolio: with one id there is nothing to filter
    (("align", RID, "--destination", "DEU"),
     ("--destination selects partnerships for --all", "use --all to align the filtered portfolio")),
    (("align", RID, "--not-g2g", "--year-from", "2015"), ("--year-from, --g2g/--not-g2g select partnerships",)),
    (("align", RID, "--uncovered", "3"), ("--uncovered is for the portfolio", "Drop --uncovered, or use --all")),
    (("assess", RID, "--not-g2g"), ("--g2g/--not-g2g selects partnerships for --all",)),
    # already refused before: stays so
    (("list", "--year-from", "2020", "--year-to", "2010"), ("--year-to 2010 is before --year-from 2020",)),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "words"), [pytest.param(a, w, id=" ".join(a)) for a, w in REFUSED])
def test_contradictory_options_are_refused(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                           words: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "draft.yaml").write_text(DRAFT, "utf-8")
    before = demo_db.snapshot()
    files = sorted(p.name for p in tmp_path.iterdir())
    res = cli(*args, *demo_db.db)
    assert res.code == 1, res.stdout + res.stderr
    assert res.stdout == ""
    assert "Internal error" not in res.stderr and "Traceback" not in res.stderr
    message = " ".join(res.stderr.split())
    assert message.startswith("Error: ")
    for w in words:
        assert w in message
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no x.csv, t.svg or r.html
    assert demo_db.snapshot() == before


@pytest.mark.parametrize(("args", "words"), [
    (("--public", "--private"), ("--public and --private contradict each other", "SMPATLAS_PUBLIC decides")),
    (("--private", "--public"), ("--public and --private contradict each other",)),
    (("--secure-cookies", "--no-secure-cookies"),
     ("--secure-cookies and --no-secure-cookies contradict each other", "SMPATLAS_SECURE_COOKIES decides")),
])
def test_serve_refuses_contradictory_flags_before_starting(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           args: tuple[str, ...], words: tuple[str, ...]) -> None:
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))  # never serve from a test
    db = tmp_path / "atlas.db"
    res = cli("serve", "--db", str(db), *args)
    assert res.code == 1, res.stdout + res.stderr
    assert started == [] and not db.exists()
    message = " ".join(res.stderr.split())
    for w in words:
        assert w in message


@SQLITE_ONLY
@pytest.mark.parametrize(("flags", "g2g"), [
    (("--g2g",), {True}),
    (("--g2g", "--g2g"), {True}),  # the same flag twice is no contradiction
    (("--not-g2g",), {False}),
    ((), {True, False, None}),  # neither: every partnership, g2g not coded too
])
def test_one_flag_of_the_pair_still_filters(cli: Cli, demo_db: Inventory, flags: tuple[str, ...],
                                            g2g: set[bool | None]) -> None:
    res = cli("list", *flags, "--format", "json", *demo_db.db)
    assert res.code == 0, res.stderr
    assert {r.get("government_to_government") for r in res.json()} == g2g


@SQLITE_ONLY
@pytest.mark.parametrize(("flag", "shown"), [((), True), (("--history",), True), (("--no-history",), False)])
def test_show_history_flags(cli: Cli, demo_db: Inventory, flag: tuple[str, ...], shown: bool) -> None:
    res = cli("show", RID, *flag, *demo_db.db)
    assert res.code == 0, res.stderr
    assert ("\nHistory\n" in res.stdout) is shown


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "field", "value"), [
    (("--set", "status=completed", "--set", "status=completed"), "status", "completed"),  # the same change twice
    (("--set", "status=completed", "--set", "Status= completed "), "status", "completed"),
    (("--clear", "notes", "--clear", "notes"), "notes", None),
    (("--set", "notes=", "--clear", "notes"), "notes", None),  # both make it missing
])
def test_the_same_change_twice_is_one_change(cli: Cli, demo_db: Inventory, args: tuple[str, ...], field: str,
                                             value: Any) -> None:
    res = cli("edit", RID, *args, *demo_db.db)
    assert res.code == 0, res.stderr
    assert "Saved" in res.stdout or "No change" in res.stdout
    assert cli("show", RID, "--format", "json", *demo_db.db).json()["record"].get(field) == value
