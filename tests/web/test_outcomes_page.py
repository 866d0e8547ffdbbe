"""Outcomes over time on the web: ``GET /api/v1/outcomes``, the ``/outcomes`` page and its CSV, thin shells over
:meth:`Atlas.outcomes` (docs/statistics.md, "Outcomes over time"; docs/web.md).

The API is ``Atlas.outcomes(...).to_dict()`` (plus ``ok``) for the stats route's filters and ``indicator``; the page
shows the same figures per indicator (year → people, partnerships of those reporting, which), the lines spanning
years apart, the notes and the left-out lines with their rule; the CSV is ``rows()`` under ``CSV_HEADER``. Bad
parameters are a 400 naming them; readers only (as ``/api/v1/stats``); HEAD answers as GET.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any

import pytest

from smpatlas.analysis.outcomes import CSV_HEADER
from tests.conftest import minimal
from tests.web.conftest import log_in, token_for

BOTH_ENGINES = True

#: (URL parameters, the same selection as Atlas.outcomes keywords, indicator given to Atlas.outcomes)
SELECTIONS: list[tuple[list[tuple[str, str]], dict[str, Any], Any]] = [
    ([], {}, None),
    ([("destination", "DEU")], {"destination": ["DEU"]}, None),
    ([("destination", "Japan"), ("indicator", "departed")], {"destination": ["JPN"]}, "departed"),
    ([("sector", "health care"), ("indicator", "Employed at destination"), ("indicator", "recruited")],
     {"sector": ["health_care"]}, ["employed_at_destination", "recruited"]),
    ([("g2g", "yes")], {"g2g": True}, None),
    ([("year_from", "2015"), ("year_to", "2020"), ("origin", "PHL"), ("origin", "IND")],
     {"year_from": 2015, "year_to": 2020, "origin": ["PHL", "IND"]}, None),
    ([("text", "triple win"), ("indicator", "")], {"text": "triple win"}, None),  # an empty indicator: all
]
IDS = ["all", "DEU", "JPN-departed", "health-two-indicators", "g2g", "years-origins", "text"]


def _atlas(client: Any) -> Any:
    return client.app.state.smpatlas.atlas


def _text(fragment: str) -> str:
    inline = re.sub(r"</?(?:a|strong|small|span)\b[^>]*>", "", fragment)  # words around them run on
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _rows(page: str, ident: str) -> list[list[str]]:
    """The body rows of the table ``ident`` as text cells."""
    body = page.split(f'<table id="{ident}">', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    return [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def _chart_points(page: str) -> set[tuple[str, int, Any]]:
    """(indicator, year, people) of every bar of the page's outcomes chart (its Vega-Lite spec's inline data)."""
    found = re.search(r'<script type="application/json" id="spec-outcomes">(.*?)</script>', page, flags=re.S)
    if found is None:
        return set()
    points: set[tuple[str, int, Any]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if {"indicator_key", "year", "people"} <= node.keys():
                points.add((node["indicator_key"], int(node["year"]), node["people"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(html.unescape(found.group(1))))
    return points


def _num(v: Any) -> str:
    return f"{v:,}"


@pytest.mark.parametrize(("params", "kw", "indicator"), SELECTIONS, ids=IDS)
def test_the_api_is_atlas_outcomes(ro_client: Any, params: list[tuple[str, str]], kw: dict[str, Any],
                                   indicator: Any) -> None:
    expected = _atlas(ro_client).outcomes(kw, indicator=indicator).to_dict()
    r = ro_client.get("/api/v1/outcomes", params=params)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got.pop("ok") is True
    assert got == expected
    assert got["n"] == ro_client.get("/api/v1/stats", params=[p for p in params if p[0] != "indicator"]
                                     ).json()["stats"]["n"]


def test_a_filter_only_the_web_has_selects_the_same_partnerships_as_browse(ro_client: Any) -> None:
    params = {"target_groups": "women"}
    got = ro_client.get("/api/v1/outcomes", params=params).json()
    listed = ro_client.get("/api/v1/partnerships", params={**params, "per_page": 200, "facet": "none"}).json()
    whole = _atlas(ro_client).outcomes().to_dict()
    assert 0 < got["n"] == listed["count"] < whole["n"]
    assert got["filters"] == {"target_groups": ["women"]}
    ids = {p["id"] for p in listed["partnerships"]}
    counted = {i for c in got["cells"] + got["spans"] for i in c["ids"]}
    assert counted and counted <= ids
    for c in got["cells"]:  # each cell is the whole inventory's cell restricted to the selection
        full = next(w for w in whole["cells"] if (w["indicator"], w["year"]) == (c["indicator"], c["year"]))
        assert set(c["ids"]) == set(full["ids"]) & ids


@pytest.mark.parametrize(("params", "kw", "indicator"), SELECTIONS, ids=IDS)
def test_the_page_shows_the_same_figures(ro_client: Any, params: list[tuple[str, str]], kw: dict[str, Any],
                                         indicator: Any) -> None:
    o = _atlas(ro_client).outcomes(kw, indicator=indicator)
    d = o.to_dict()
    r = ro_client.get("/outcomes", params=params)
    assert r.status_code == 200, r.text
    page = r.text
    for h in o.headlines():
        assert h in html.unescape(page)
    for ind in d["indicators"]:
        cells = [c for c in d["cells"] if c["indicator"] == ind]
        spans = [c for c in d["spans"] if c["indicator"] == ind]
        if not d["reporting"][ind]:
            assert f'id="indicator-{ind}"' not in page
            continue
        if cells:
            assert _rows(page, f"years-{ind}") == [
                [str(c["year"]), _num(c["sum"]), f"{c['partnerships']} of {c['reporting']}", ", ".join(c["ids"])]
                for c in cells]
            for rid in cells[0]["ids"]:
                assert f'<a href="/partnerships/{rid}">{rid}</a>' in page
        else:
            assert f'id="years-{ind}"' not in page
        if spans:
            assert [row[:3] for row in _rows(page, f"spans-{ind}")] == [
                [str(c["year"]), _num(c["sum"]), f"{c['partnerships']} of {c['reporting']}"] for c in spans]
        else:
            assert f'id="spans-{ind}"' not in page
    for n in d["notes"]:
        assert n["text"] in html.unescape(page)
    # the chart (the report's) draws exactly the tables' years: people per indicator and year, spans left out
    drawn = _chart_points(page)
    counted = {(c["indicator"], c["year"], c["sum"]) for c in d["cells"] if d["reporting"][c["indicator"]]}
    assert drawn == counted
    assert ('id="outcomes-chart"' in page) is bool(counted)
    if params and any(k != "indicator" for k, v in params if v):
        assert 'id="selection"' in page and 'id="whole-inventory"' in page and 'id="browse-selection"' in page
    else:
        assert 'id="selection"' not in page


@pytest.mark.parametrize(("params", "kw", "indicator"), SELECTIONS[:4], ids=IDS[:4])
def test_the_csv_is_the_rows(ro_client: Any, params: list[tuple[str, str]], kw: dict[str, Any],
                             indicator: Any) -> None:
    o = _atlas(ro_client).outcomes(kw, indicator=indicator)
    r = ro_client.get("/outcomes.csv", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(r.text))) == [CSV_HEADER, *[[str(v) for v in row] for row in o.rows()]]
    page = ro_client.get("/outcomes", params=params).text
    link = re.search(r'<a href="([^"]*)" id="outcomes-csv"', page)
    assert link is not None
    assert ro_client.get(html.unescape(link.group(1))).text == r.text


def test_the_selection_is_said_in_words_with_the_dashboards_links(ro_client: Any) -> None:
    page = ro_client.get("/outcomes", params=[("destination", "DEU"), ("sector", "health care"),
                                              ("indicator", "departed")]).text
    selection = re.search(r'<p class="notice" id="selection">(.*?)</p>', page, flags=re.S)
    assert selection is not None
    assert "destination Germany (DEU); sector health care" in _text(selection.group(1))
    assert 'href="/partnerships?destination=DEU&amp;sector=health_care" id="browse-selection"' in page
    assert 'href="/?destination=DEU&amp;sector=health_care" id="stats-selection"' in page
    assert 'href="/outcomes?indicator=departed" id="whole-inventory"' in page
    assert 'id="indicator-departed"' in page and 'id="indicator-recruited"' not in page


def test_the_dashboard_and_the_navigation_link_to_the_outcomes(ro_client: Any) -> None:
    whole = ro_client.get("/").text
    assert '<a href="/outcomes" id="outcomes-link">' in whole
    assert '<li><a href="/outcomes" >Outcomes</a></li>' in whole
    chosen = ro_client.get("/", params={"destination": "JPN", "sort": "-name"}).text
    assert '<a href="/outcomes?destination=JPN" id="outcomes-link">' in chosen
    page = ro_client.get("/outcomes").text
    assert '<a href="/outcomes" aria-current="page">Outcomes</a>' in page


def test_an_empty_selection_and_no_outcomes_say_so(ro_client: Any) -> None:
    r = ro_client.get("/outcomes", params={"text": "zzzz no such partnership"})
    assert r.status_code == 200
    assert 'id="no-match"' in r.text and "No partnership matches" in r.text and "<table" not in r.text
    assert 'id="outcomes-chart"' not in r.text and "vega.min.js" not in r.text
    assert ro_client.get("/api/v1/outcomes", params={"text": "zzzz no such partnership"}).json()["n"] == 0
    n = _atlas(ro_client).outcomes(indicator="remote_placements").n
    r = ro_client.get("/outcomes", params={"indicator": "remote_placements"})
    assert r.status_code == 200
    assert f"None of the {n} partnerships selected reports remote placements." in _text(r.text)
    assert "<table" not in r.text


@pytest.mark.parametrize(("params", "message"), [
    ({"indicator": "nope"}, "Unknown outcome indicator 'nope'"),
    ({"indicator": "departd"}, "departed"),
    ({"destinaton": "DEU"}, "(did you mean 'destination'?)"),
    ({"year_from": "soon"}, "year_from='soon': not a whole number."),
    ({"destination": "XXX"}, "destination='XXX'"),
    ({"year_from": "2020", "year_to": "2010"}, "year_to=2010 is before year_from=2020"),
])
def test_bad_parameters_are_400_naming_them(ro_client: Any, params: dict[str, str], message: str) -> None:
    r = ro_client.get("/api/v1/outcomes", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and body["status"] == 400 and message in body["error"]
    assert ro_client.get("/outcomes.csv", params=params).status_code == 400
    page = ro_client.get("/outcomes", params=params)
    assert page.status_code == 400
    problems = re.search(r'id="outcomes-problems">(.*?)</div>', page.text, flags=re.S)
    assert problems is not None and message in html.unescape(problems.group(1))


def test_readers_only_as_for_stats(app_factory: Any) -> None:
    c = app_factory(public=False)
    for path in ("/api/v1/stats", "/api/v1/outcomes"):
        r = c.get(path)
        assert r.status_code == 401 and r.json()["ok"] is False
    for path in ("/outcomes", "/outcomes.csv?destination=DEU"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    log_in(c, "vic")  # a viewer reads
    assert c.get("/api/v1/outcomes").status_code == 200
    assert c.get("/outcomes").status_code == 200
    assert c.get("/outcomes.csv").status_code == 200


@pytest.mark.parametrize("path", ["/outcomes?destination=DEU", "/outcomes.csv?indicator=departed",
                                  "/api/v1/outcomes?destination=JPN", "/api/v1/outcomes?indicator=nope",
                                  "/outcomes?indicator=nope"])
def test_head_is_get_without_the_body(ro_client: Any, path: str) -> None:
    get, head = ro_client.get(path), ro_client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    varying = {"date", "set-cookie"}
    assert {k: v for k, v in head.headers.items() if k not in varying} == {
        k: v for k, v in get.headers.items() if k not in varying}


def test_left_out_lines_and_notes_are_shown_with_their_rule(client: Any, db_copy: Any) -> None:
    outcomes = [
        {"period": "2022", "indicator": "recruited", "value": 100, "source": "Annual report 2022"},
        {"period": "2022-03", "indicator": "recruited", "value": 20, "source": "Newsletter"},
        {"period": "2020/2021", "indicator": "recruited", "value": 70, "source": "Evaluation"},
    ]
    r = client.post("/api/v1/partnerships", json=minimal("xx-yy-outcomes", outcomes=outcomes),
                    headers=token_for(db_copy, "erin"))
    assert r.status_code == 201, r.text
    params = {"origin": "PHL", "destination": "DEU", "indicator": "recruited"}
    d = client.get("/api/v1/outcomes", params=params).json()
    mine = [line for line in d["left_out"] if line["partnership"] == "xx-yy-outcomes"]
    assert [(line["period"], line["rule"]) for line in mine] == [("2022-03", "whole_year_preferred")]
    assert any(n["partnership"] == "xx-yy-outcomes" and n["rule"] == "whole_year_preferred" for n in d["notes"])
    page = client.get("/outcomes", params=params).text
    rows = _rows(page, "left-out-recruited")
    assert ["xx-yy-outcomes", "2022-03", "20", "whole year preferred"] in rows
    assert '<a href="/partnerships/xx-yy-outcomes">xx-yy-outcomes</a>' in page
    spans = _rows(page, "spans-recruited")
    assert any("xx-yy-outcomes: 2020/2021, 70" in row[3] for row in spans)
    note = next(n for n in d["notes"] if n["partnership"] == "xx-yy-outcomes")
    assert note["text"] in html.unescape(page)
