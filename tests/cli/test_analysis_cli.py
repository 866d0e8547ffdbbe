"""stats, assess, whatif, benchmark and rubric from the command line (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]


@pytest.fixture
def demo(demo_db: Inventory) -> tuple[str, ...]:
    """The --db arguments of the bundled inventory, on each engine (none when it is in SMPATLAS_DATABASE_URL)."""
    return demo_db.db


@pytest.mark.db_via_env
def test_stats_formats(cli: Cli, demo: tuple[str, ...], sample_records: list[dict]) -> None:  # type: ignore[type-arg]
    d = cli("stats", *demo, "--format", "json").json()
    assert d["n"] == len(sample_records)
    de = cli("stats", *demo, "--destination", "DEU", "--format", "json").json()
    assert de["n"] == sum("DEU" in r["destination_countries"] for r in sample_records)
    assert de["filters"] == {"destination": ["DEU"]}
    rows = list(csv.reader(io.StringIO(cli("stats", *demo, "--format", "csv").stdout)))
    assert rows[0] == ["field", "value", "count", "denominator", "share", "missing", "unspecified"]
    md = cli("stats", *demo, "--format", "markdown").stdout
    assert "## Headline figures" in md
    table = cli("stats", *demo, "--by", "destination_countries", "--by", "skill_levels")
    assert table.code == 0 and "Cross-tabulation" in table.stdout
    thr = cli("stats", *demo, "--scale-threshold", "100", "--format", "json").json()
    assert thr["derived"]["planned_participants_above_threshold"]["threshold"] == 100


def test_assess_one_and_all(cli: Cli, demo: tuple[str, ...]) -> None:
    text = cli("assess", "de-ph-triple-win", *demo)
    assert text.code == 0 and "Stakeholder profile" in text.stdout and "Recommendations" in text.stdout
    d = cli("assess", "de-ph-triple-win", *demo, "--format", "json").json()
    assert d["id"] == "de-ph-triple-win" and d["rubric_version"]
    port = cli("assess", "--all", *demo, "--format", "json").json()
    assert port["n"] > 0 and "recognition_unspecified" in port["flags"]
    assert cli("assess", "--all", *demo).code == 0
    assert cli("assess", *demo).code == 1  # neither an id nor --all


def test_whatif_writes_nothing(cli: Cli, demo_db: Inventory) -> None:
    demo = demo_db.db
    before = demo_db.snapshot()
    w = cli("whatif", "de-ph-triple-win", "--set", "return_expected=yes",
            "--set", "reintegration_support=career_guidance; job_placement", *demo, "--format", "json").json()
    assert w["delta"]["stakeholders"]["origin"] > 0
    assert demo_db.snapshot() == before
    bad = cli("whatif", "de-ph-triple-win", "--set", "return_expected=perhaps", *demo)
    assert bad.code == 2 and "return_expected" in bad.stderr


@pytest.mark.parametrize(("backend", "kind"), [("sqlite", "yaml"), ("postgresql", "yaml"), ("sqlite", "json"),
                                               ("sqlite", "xlsx")], indirect=["backend"])
def test_benchmark_a_draft(cli: Cli, demo: tuple[str, ...], tmp_path: Path, kind: str) -> None:
    fields = {"name": "Draft care partnership", "destination_countries": "Germany", "origin_countries": "Ghana",
              "sectors": "health_care", "skill_levels": "middle", "mobility_types": "circular; long_term",
              "recognition_mechanism": "bridging course", "tracks": "home; away"}
    path = tmp_path / f"draft.{kind}"
    if kind == "yaml":
        path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()), "utf-8")
    elif kind == "json":
        path.write_text(json.dumps(fields), "utf-8")
    else:
        wb = Workbook()
        ws = wb.active
        ws.append(["field", "value"])
        for k, v in fields.items():
            ws.append([k, v])
        wb.save(path)
    res = cli("benchmark", path, *demo, "--format", "json")
    assert res.code == 0, res.stderr
    d = res.json()
    assert d["draft"]["destination_countries"] == ["DEU"]
    assert len(d["most_similar"]) <= 5 and d["similarity_measure"]
    assert d["percentiles"]["compared_with"] > 0
    assert cli("benchmark", path, *demo).code == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the draft is refused before the inventory is read
def test_benchmark_rejects_a_bad_draft(cli: Cli, demo: tuple[str, ...], tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("sectors: helth care\nfavourite: blue\n", "utf-8")
    res = cli("benchmark", path, *demo)
    assert res.code == 2 and "did you mean 'health_care'" in res.stderr and "unknown field 'favourite'" in res.stderr


def test_rubric_command(cli: Cli, tmp_path: Path) -> None:
    assert "## 1. (Re)integration support" in cli("rubric").stdout
    bad = tmp_path / "r.toml"
    bad.write_text('version = "x"\n[parties]\n[dimensions.a]\ntitle="A"\nway=1\ndescription="d"\n', "utf-8")
    res = cli("rubric", "--rubric", bad)
    assert res.code == 1 and "has no rules" in res.stderr


def test_python_api_matches_the_cli(cli: Cli, demo_db: Inventory) -> None:
    import smpatlas

    demo = demo_db.db
    with smpatlas.open(demo_db.url, create=False) as atlas:
        assert atlas.stats(destination="DEU").to_dict() == cli(
            "stats", *demo, "--destination", "DEU", "--format", "json").json()
        assert atlas.assess("de-ph-triple-win").to_dict() == cli(
            "assess", "de-ph-triple-win", *demo, "--format", "json").json()
