"""The report's figures are explainable and the same as everywhere else.

Gap flags are shares of the partnerships where each could be judged (as ``smpatlas assess --all`` gives them),
with how many it could not be judged for; a flag judged for none says so instead of showing 0%. Percentages in the
tables and chart labels are rounded once from the exact count ÷ denominator, as the headline figures are; the
dimension means and the skew count carry their denominators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smpatlas.analysis.stats_result import percent
from smpatlas.atlas import Atlas
from smpatlas.io.importer import import_files
from smpatlas.report import html as html_mod
from smpatlas.report import inventory
from smpatlas.report.tables import InventoryData
from smpatlas.store import database
from tests.conftest import minimal, write_jsonl

WHO = "Health workers recruited from a WHO safeguards-list country without a government-to-government agreement"
LANGUAGE_ONLY = "Integration support is language only"
#: Eight partnerships: integration support coded for two (one language only), one low-skilled, one planning 5,000.
RECORDS = [
    minimal("xx-a", integration_support=["language"], skill_levels=["low"], planned_participants=5000),
    minimal("xx-b", integration_support=["language", "mentoring"], skill_levels=["high"]),
    *(minimal(f"xx-{c}", skill_levels=["high"]) for c in "cdefgh"),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InventoryData]:
    tmp = tmp_path_factory.mktemp("figures")
    engine = database.open_engine(str(tmp / "atlas.db"))
    report = import_files(engine, [write_jsonl(tmp / "in.jsonl", RECORDS)], user="test")
    assert report.valid, report.to_text()
    atlas = Atlas(engine)
    yield inventory.collect(atlas)
    engine.dispose()


def _row(table: Any, label: str) -> dict[str, Any]:
    return next(r for r in table.rows if r["label"] == label)


def _cells(table: Any, label: str) -> list[str]:
    row = _row(table, label)
    return [html_mod.cell(row.get(key), key) for key, _ in table.columns]


@pytest.mark.parametrize(("label", "cells"), [
    # raised in 1 of the 2 partnerships where integration support is coded: 50%, not 1 of N = 8 (13%)
    (LANGUAGE_ONLY, [LANGUAGE_ONLY, "1", "2", "50%", "6"]),
    # no WHO list loaded: judged for none, so no share at all (it was shown as 0%)
    (WHO, [WHO, "0", "0", "—", "8"]),
])
def test_gap_flags_are_shares_of_those_judged(data: InventoryData, label: str, cells: list[str]) -> None:
    table, spec = inventory.chart("gap_flags", data)
    assert [h for _, h in table.columns] == ["Gap", "Raised in", "Judged for", "Share of those judged", "Not known for"]
    assert _cells(table, label) == cells
    texts = {r["label"]: r["text"] for r in spec["datasets"][next(iter(spec["datasets"]))]} if "datasets" in spec \
        else {r["label"]: r["text"] for r in spec["data"]["values"]}
    assert texts[label] == ("cannot be assessed" if cells[3] == "—" else f"{cells[1]} of {cells[2]} ({cells[3]})")


def test_gap_flags_agree_with_assess_all(data: InventoryData) -> None:
    """Every flag's counts are the portfolio's (``assess --all``, the web API), in its order: assessable first."""
    table, _ = inventory.chart("gap_flags", data)
    flags = data.portfolio.flags
    by_title = {f["title"]: f for f in flags.values()}
    for row in table.rows:
        f = by_title[row["label"]]
        assert (row["count"], row["known"], row["unknown"]) == (f["count"], f["known"], f["unknown"])
        assert row["share"] == f["share_of_known"]
    assessable = [r["share"] is not None for r in table.rows]
    assert assessable == sorted(assessable, reverse=True)
    assert any(WHO in note for note in table.notes[1:])


@pytest.mark.parametrize(("chart", "label", "shown"), [
    ("skill_levels", "Low", "13%"),   # 1 of 8 = 12.5%: half up, as the headline says it (was 12%)
    ("skill_levels", "High", "88%"),  # 7 of 8 = 87.5%
    ("planned_scale", "5,000–19,999", "13%"),
])
def test_table_percentages_match_the_headlines(data: InventoryData, chart: str, label: str, shown: str) -> None:
    table, spec = inventory.chart(chart, data)
    row = _row(table, label)
    assert html_mod.cell(row["share"], "share") == shown == percent(row["count"], data.n)
    values = spec["datasets"][next(iter(spec["datasets"]))] if "datasets" in spec else spec["data"]["values"]
    assert next(v["text"] for v in values if v["label"] == label) == f"{row['count']} ({shown})"


def test_headline_and_chart_say_the_same_low_skill_share(data: InventoryData) -> None:
    headline = next(h for h in data.stats.headlines() if "low-skilled" in h)
    assert headline.startswith("13% (1 of 8)")


def test_dimension_means_have_assess_precision_and_denominator(data: InventoryData) -> None:
    table, _ = inventory.chart("dimensions", data)
    assert table.notes[0].startswith("N = 8 partnerships;")
    for key, d in data.portfolio.dimensions.items():
        title = data.rubric.dimensions[key].title
        if d["mean"] is None:
            assert f"{title}: not scored for any" in table.notes[1]
        else:
            assert f"{title}: mean {d['mean']:.2f} over {d['n_scored']} scored ({d['n_low_coverage']} on coverage " \
                   "below 50%)" in table.notes[1]


def test_skew_count_states_how_many_could_be_judged(data: InventoryData) -> None:
    table, _ = inventory.chart("stakeholders", data)
    skew = data.portfolio.flags["destination_skewed"]
    note = table.notes[0]
    if skew["known"]:
        assert re.search(rf"{skew['count']} of the {skew['known']} partnerships? with all four party scores", note)
    else:
        assert "none has all four party scores" in note


def test_planned_scale_says_how_the_bins_relate_to_the_headline(data: InventoryData) -> None:
    """A plan of exactly 5,000 is in the 5,000–19,999 bin but not 'more than 5,000' in the headline: both say so."""
    table, _ = inventory.chart("planned_scale", data)
    assert _row(table, "5,000–19,999")["count"] == 1
    assert "0 of 8 planned more than 5,000 participants" in " ".join(data.stats.headlines())
    assert "more than 5,000 participants (0); a bin includes both ends of its range" in table.notes[1]


def test_html_report_shows_the_same_figures(data: InventoryData, tmp_path: Path) -> None:
    page = inventory.html(data)
    assert "Share of those judged" in page and "Share of N" in page
    flat = re.sub(r"<[^>]+>", " ", page)
    flat = re.sub(r"\s+", " ", flat)
    assert f"{LANGUAGE_ONLY} 1 2 50% 6" in flat
    assert "Low 1 13%" in flat and "13% (1 of 8) target low-skilled" in flat
