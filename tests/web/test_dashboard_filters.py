"""The dashboard honours Browse's filters: its figures and charts are the selection's, said in words.

``GET /?destination=DEU`` answered 200 with the whole inventory's figures: the query string was ignored without
a word. The dashboard now reads the parameters of Browse and ``/api/v1/stats`` with the same code, names the
selection (:func:`smpatlas.store.filters.describe`), links back to the whole inventory, answers a bad parameter
as Browse does (400, the same message), draws no chart of an empty selection, and Browse links to the statistics
of its selection.
"""

from __future__ import annotations

import html
import json
import os
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from smpatlas.web import charts
from tests.web.conftest import CHROMIUM

BOTH_ENGINES = True
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def _text(fragment: str) -> str:
    inline = re.sub(r"</?(?:strong|small|span)\b[^>]*>", "", fragment)  # words around them run on
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _by_id(page: str, tag: str, ident: str) -> str | None:
    m = re.search(rf'<{tag}[^>]* id="{ident}"[^>]*>(.*?)</{tag}>', page, flags=re.S)
    return m.group(1) if m else None


def _href(page: str, ident: str) -> str | None:
    m = re.search(rf'<a href="([^"]*)" id="{ident}"', page)
    return html.unescape(m.group(1)) if m else None


def _specs(page: str) -> dict[str, str]:
    return dict(re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, flags=re.S))


def _table(page: str, key: str) -> list[list[str]]:
    body = page.split(f'id="data-{key}"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    return [[_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


SELECTIONS = [  # parameters → the selection in words
    ([("destination", "DEU")], "destination Germany (DEU)"),
    ([("destination", "DEU"), ("destination", "JPN")], "destination Germany (DEU) or Japan (JPN)"),
    ([("destination", "Germany"), ("sector", "health care")], "destination Germany (DEU); sector health care"),
    ([("skill_levels", "high")], "skill level high"),  # a field's name for its filter
    ([("target_groups", "women")], "target groups women"),  # a facet the CLI has no filter for
    ([("g2g", "yes")], "government-to-government only"),
    ([("year_from", "2020"), ("year_to", "2023")], "active in or after 2020; started in or before 2023"),
    ([("text", "nurses")], 'text "nurses"'),
    # Browse's empty fields and its order and page: no filter
    ([("destination", "JPN"), ("g2g", ""), ("year_from", ""), ("sort", "-name"), ("page", "2")], "destination Japan (JPN)"),
]


@pytest.mark.parametrize("reports", [True, False], ids=["report-charts", "minimal-charts"])
@pytest.mark.parametrize(("params", "words"), SELECTIONS, ids=[w for _, w in SELECTIONS])
def test_the_dashboard_shows_the_selection_it_is_asked_for(ro_client: Any, monkeypatch: pytest.MonkeyPatch,
                                                           reports: bool, params: list[tuple[str, str]],
                                                           words: str) -> None:
    if not reports:
        monkeypatch.setattr(charts, "_from_reports", lambda atlas: None)
    n = ro_client.get("/api/v1/stats", params=params).json()["stats"]["n"]
    whole = ro_client.get("/api/v1/stats").json()["stats"]["n"]
    assert 0 < n < whole
    r = ro_client.get("/", params=params)
    assert r.status_code == 200
    page = r.text
    selection = _by_id(page, "p", "selection")
    assert selection is not None and f"matching: {words}." in _text(selection)
    assert _href(page, "whole-inventory") == "/"
    browse = _href(page, "browse-selection")
    assert browse is not None and browse.startswith("/partnerships?")
    assert ro_client.get(browse).text.count(f'<h2 id="count" tabindex="-1">{n} partnership') == 1
    assert re.search(rf'<p class="lead">{n} partnerships? ', page)
    specs = _specs(page)
    counted = [s for k, s in specs.items() if reports or k in charts.BAR_CHARTS]  # the charts that say their n
    assert counted and all(f"{n} partnership" in s or f"(of {n})" in s for s in counted)
    years = _table(page, "timeline")
    assert sum(int(row[1]) for row in years) == n  # the chart's numbers are the selection's
    if reports:  # the assessment charts too (the portfolio of the selection)
        first = [row for row in _table(page, "dimensions") if row[0] == _table(page, "dimensions")[0][0]]
        assert sum(int(row[2]) for row in first) == n


EMPTY = [
    ([("destination", "ISL")], "destination Iceland (ISL)"),
    ([("text", "no partnership says zzyzx")], 'text "no partnership says zzyzx"'),
    ([("destination", "DEU"), ("target_groups", "women"), ("year_to", "1995")],
     "destination Germany (DEU); target groups women; started in or before 1995"),
]


@pytest.mark.parametrize(("params", "words"), EMPTY, ids=[w for _, w in EMPTY])
def test_an_empty_selection_says_so_and_draws_nothing(ro_client: Any, params: list[tuple[str, str]],
                                                      words: str) -> None:
    assert ro_client.get("/api/v1/stats", params=params).json()["stats"]["n"] == 0
    r = ro_client.get("/", params=params)
    assert r.status_code == 200
    message = _by_id(r.text, "p", "no-match")
    assert message is not None and _text(message).startswith(f"No partnership matches {words}.")
    assert _specs(r.text) == {} and 'id="charts-h"' not in r.text and 'id="headlines"' not in r.text
    assert _href(r.text, "whole-inventory") == "/"


BAD = [  # parameters → the message (Browse's and the API's)
    ({"destination": "Atlantis"}, "destination='Atlantis'"),
    ({"destinaton": "DEU"}, "'destinaton' is not a filter or option here"),
    ({"page": "0"}, "page=0: must be between 1 and 1000000."),
    ({"year_from": "2020", "year_to": "2010"}, "year_to=2010 is before year_from=2020"),
    ({"g2g": "maybe"}, "g2g='maybe': expected yes or no"),
    ({"text": "a" * 201}, "is 201 characters and 1 word long"),
]


@pytest.mark.parametrize(("params", "expected"), BAD, ids=[str(b[0])[:40] for b in BAD])
def test_a_bad_parameter_is_a_400_with_browses_message(ro_client: Any, params: dict[str, str],
                                                       expected: str) -> None:
    r = ro_client.get("/", params=params)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    shown = _by_id(r.text, "div", "dashboard-problems")
    assert shown is not None and expected in _text(shown)
    browse = _by_id(ro_client.get("/partnerships", params=params).text, "div", "browse-problems")
    api = ro_client.get("/api/v1/stats", params=params).json()["error"]
    assert browse is not None
    assert [_text(m) for m in re.findall(r"<li>(.*?)</li>", shown, flags=re.S)] == \
        [_text(m) for m in re.findall(r"<li>(.*?)</li>", browse, flags=re.S)] == [api]


@pytest.mark.parametrize(("params", "stats"), [
    ([("destination", "DEU"), ("sort", "-name"), ("page", "2"), ("per_page", "5")], "/?destination=DEU"),
    ([("sector", "health_care"), ("g2g", "yes")], "/?sector=health_care&g2g=true"),
    ([("sort", "-start_year")], "/"),
])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_browse_links_to_the_statistics_of_its_selection(ro_client: Any, htmx: bool, params: list[tuple[str, str]],
                                                         stats: str) -> None:
    r = ro_client.get("/partnerships?" + urlencode(params), headers=HTMX if htmx else {})
    link = re.search(r'<p id="selection-stats"( hx-swap-oob="true")?><a href="([^"]*)">([^<]*)</a>', r.text)
    assert link is not None
    assert bool(link.group(1)) is htmx  # #results is all htmx selects: the link is swapped out of band
    assert html.unescape(link.group(2)) == stats
    assert link.group(3) == ("Statistics of the whole inventory" if stats == "/" else "Statistics of this selection")
    assert ro_client.get(html.unescape(link.group(2))).status_code == 200


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium")
def test_in_chromium_the_statistics_link_follows_the_facets_clicked(web_backend: str, browser: Any,
                                                                     request: pytest.FixtureRequest) -> None:
    """htmx swaps #results alone (hx-select): the link outside it comes out of band, and leads to the charts."""
    if web_backend != "sqlite":
        pytest.skip("one engine is enough in the browser; the tests above run on both")
    live_server: str = request.getfixturevalue("live_server")
    page = request.getfixturevalue("page")
    page.goto(live_server + "/partnerships")
    link = page.locator("#selection-stats a")
    assert link.get_attribute("href") == "/"
    page.locator(".facet", has_text="Destination countries").locator("a", has_text="Germany").first.click()
    page.wait_for_url("**destination=DEU**")
    page.wait_for_function("document.querySelector('#selection-stats a').getAttribute('href') === '/?destination=DEU'")
    assert link.inner_text() == "Statistics of this selection"
    link.click()
    page.wait_for_url(live_server + "/?destination=DEU")
    page.wait_for_selector(".vega[data-rendered=true]")
    assert "destination Germany (DEU)" in page.locator("#selection").inner_text()
    page.click("#outcomes-link")  # and on to the selection's outcomes, whose chart draws too
    page.wait_for_url(live_server + "/outcomes?destination=DEU")
    page.wait_for_selector("#outcomes-chart .vega[data-rendered=true] svg")
    assert page.locator("#outcomes-chart .vega").get_attribute("role") == "img"


@pytest.mark.parametrize(("params", "echoed"), [
    ({"g2g": "yes"}, True),  # was ["true"], and the figures' captions read "g2g true"
    ({"g2g": "no"}, False),
])
def test_the_api_echoes_g2g_as_one_yes_or_no(ro_client: Any, params: dict[str, str], echoed: bool) -> None:
    body = ro_client.get("/api/v1/stats", params=params).json()
    assert body["stats"]["filters"]["g2g"] is echoed
    assert "g2g true" not in json.dumps(body) and "g2g false" not in json.dumps(body)
