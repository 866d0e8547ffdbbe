"""The partnership profile is one A4 page, even for the largest bundled records; the HTML profile lists everything.

The records are chosen by computing over the bundled inventory (most sources, most recommendations, most actors,
most outcomes, longest summary, longest record), so the test follows the data as it grows.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
from sqlalchemy import Engine

from smpatlas.atlas import Atlas
from smpatlas.report import profile, render
from tests.report.test_reports import SQLITE_ONLY, atlas_of, pdf_text


def _actors(rec: dict[str, Any]) -> int:
    return max((len(v) for v in rec.values() if isinstance(v, list) and v and isinstance(v[0], dict)
                and "role" in v[0]), default=0)


def largest(atlas: Atlas) -> dict[str, str]:
    """The bundled record that is largest by each measure (what makes a profile long), by id."""
    recs = atlas.records()
    n_recs = {r["id"]: len(atlas.assess(r["id"]).recommendations) for r in recs}
    measures: dict[str, Callable[[dict[str, Any]], int]] = {
        "sources": lambda r: len(r.get("sources") or []),
        "recommendations": lambda r: n_recs[r["id"]],
        "actors": _actors,
        "outcomes": lambda r: len(r.get("outcomes") or []),
        "summary": lambda r: len(r.get("summary") or ""),
        "name": lambda r: len(r.get("name") or ""),
        "record": lambda r: len(json.dumps(r, ensure_ascii=False)),
    }
    return {what: max(recs, key=lambda r, f=f: (f(r), r["id"]))["id"] for what, f in measures.items()}


@SQLITE_ONLY
@pytest.mark.slow
def test_largest_bundled_profiles_are_one_a4_page(sample_engine: Engine) -> None:
    atlas = atlas_of(sample_engine)
    picked = largest(atlas)
    assert len(atlas.get(picked["sources"])["sources"]) > profile.MAX_SOURCES  # the caps are exercised
    assert len(atlas.assess(picked["recommendations"]).recommendations) > profile.MAX_RECOMMENDATIONS
    for what, rid in picked.items():
        reader = pypdf.PdfReader(io.BytesIO(profile.pdf(atlas, rid)))
        assert len(reader.pages) == 1, f"the profile of {rid} (most {what}) runs onto {len(reader.pages)} pages"
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
        text = pdf_text(reader.pages[0])
        for heading in ("Six dimensions", "Stakeholder profile", "Balance index", "Gap flags", "Recommendations",
                        "Outcomes over time", "Coded fields", "Sources"):
            assert heading in text, (rid, heading)
        if what in ("sources", "recommendations"):
            assert re.search(r"and \d+ more — full list in the HTML profile", text), rid


@SQLITE_ONLY
def test_pdf_page_shortens_lists_and_says_so_html_lists_everything(sample_engine: Engine) -> None:
    atlas = atlas_of(sample_engine)
    picked = largest(atlas)
    rid = picked["recommendations"]
    total = len(atlas.assess(rid).recommendations)
    page = profile.context(atlas, rid, for_print=True)
    assert len(page["recommendations"]) == profile.MAX_RECOMMENDATIONS
    assert page["more_recommendations"] == (f"and {total - profile.MAX_RECOMMENDATIONS} more — "
                                            f"{profile.FULL_LIST}")
    full = profile.context(atlas, rid)
    assert len(full["recommendations"]) == total and full["more_recommendations"] is None
    rid = picked["sources"]
    n_sources = len(atlas.get(rid)["sources"])
    assert len(profile.context(atlas, rid, for_print=True)["sources"]) == profile.MAX_SOURCES
    assert len(profile.context(atlas, rid)["sources"]) == n_sources
    rid = picked["summary"]
    summary = atlas.get(rid)["summary"]
    cut = profile.context(atlas, rid, for_print=True)["summary"]
    assert len(summary) > profile.MAX_SUMMARY_CHARS and cut.endswith("…") and summary.startswith(cut[:-1])
    assert profile.context(atlas, rid)["summary"] == summary
    assert summary in profile.html(atlas, rid).replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")


def test_print_svg_helpers() -> None:
    svg = '<svg width="10" height="10"><path d="M1.23456,2.5L-3.98765,4"/></svg>'
    assert render.for_print(svg) == '<svg width="10" height="10"><path d="M1.2,2.5L-3.9,4"/></svg>'
    uri = render.data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,") and "http" not in uri.split(",", 1)[1]
    assert render.embedded({"title": {"text": "t"}, "mark": "bar"}) == {"mark": "bar"}


@SQLITE_ONLY
def test_html_profile_says_which_shortage_lists_the_flag_used_the_pdf_page_has_no_room(sample_engine: Engine) -> None:
    atlas = atlas_of(sample_engine)
    full = profile.context(atlas, "de-ph-triple-win")
    noted = [f for f in full["flags"] if f["note"]]
    assert [f["title"] for f in noted] == ["Targets no shortage occupation"]
    assert noted[0]["note"].startswith("0 of 1 occupation listed for Germany (EURES 2022 shortage list")
    assert noted[0]["note"] in profile.html(atlas, "de-ph-triple-win")
    assert all(f["note"] is None for f in profile.context(atlas, "de-ph-triple-win", for_print=True)["flags"])


@SQLITE_ONLY
def test_a_profile_without_party_scores_ranks_by_benefit_weight_and_shows_no_gain(engine: Engine,
                                                                                   tmp_path: Any) -> None:
    """Was: "Ranked by how much each would raise the score of the weakest party" and "+0.0" on every line."""
    from smpatlas.io.importer import import_files
    from tests.conftest import minimal, write_jsonl

    assert import_files(engine, [write_jsonl(tmp_path / "one.jsonl", [minimal("xx-bare")])], user="t").valid
    atlas = atlas_of(engine)
    assert atlas.assess("xx-bare").recommendations_ranked_by == "benefit_weight"
    page = profile.html(atlas, "xx-bare")
    assert "+0.0" not in page and "weakest party (" not in page
    assert "ranked by the benefit weight at stake" in page and "; benefit weight " in page
