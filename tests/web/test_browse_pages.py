"""The Browse and Compare pages: bad input shown next to the form (htmx too), paging, sorting, the compare form.

Every table runs on SQLite and PostgreSQL (``BOTH_ENGINES``). Pages are read with a small
``html.parser`` tree (no HTML library is a dependency), so the tests look at elements, not at text.
"""

from __future__ import annotations

import math
import os
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from smpatlas.store import repository as repo
from smpatlas.web import facets as fc
from smpatlas.web.settings import DEFAULT_PER_PAGE
from tests.web.conftest import CHROMIUM

BOTH_ENGINES = True  # every test over the app's database runs on SQLite and PostgreSQL
HTMX = {"HX-Request": "true", "HX-Target": "results"}  # what htmx sends from inside Browse's #results
A, B, C, D, E = "de-ph-triple-win", "de-in-kerala-triple-win", "de-vn-triple-win-nursing-trainees", "be-ma-palim", \
    "lt-ng-digital-explorers"


# -- a tiny DOM ---------------------------------------------------------------------------------------
VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join("".join(c if isinstance(c, str) else f" {c.text()} " for c in self.children).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def by_id(self, ident: str) -> Node | None:
        found = self.find(id=ident)
        return found[0] if found else None


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def form_data(form: Node) -> list[tuple[str, str]]:
    """What a browser submits for ``form`` as it is (ticked boxes only, the selected option)."""
    out = []
    for n in form.iter():
        name = n.attrs.get("name")
        if not name:
            continue
        if n.tag == "input" and (n.attrs.get("type") not in ("checkbox", "radio") or "checked" in n.attrs):
            out.append((name, n.attrs.get("value", "")))
        elif n.tag == "select":
            chosen = [o for o in n.find("option") if "selected" in o.attrs] or n.find("option")[:1]
            out += [(name, o.attrs["value"]) for o in chosen]
    return out


def total(client: Any, **params: str) -> int:
    return int(client.get("/api/v1/partnerships", params={**params, "facet": "none", "per_page": 1}).json()["count"])


def ascii_lower(s: str) -> str:
    return s.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


# -- bad parameters: the form stays, the message is in #results -----------------------------------------
BAD = [  # parameters → (the input marked invalid or None, a part of the message, what the year inputs show)
    ({"year_from": "2030", "year_to": "2020"}, "year_to", "The year range ends before it starts", ("2030", "2020")),
    ({"year_from": "1800"}, "year_from", "year_from=1800: must be between 1900 and 2200", ("1800", "")),
    ({"year_to": "soon"}, "year_to", "year_to='soon': not a whole number", ("", "soon")),
    ({"sort": "colour"}, None, "sort='colour': sort by one of name", ("", "")),
    ({"origin": "Atlantis", "destination": "DEU"}, None, "unknown country: 'Atlantis'", ("", "")),
    ({"per_page": "500"}, None, "per_page=500: must be between 1 and 200", ("", "")),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize(("params", "invalid", "message", "years"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_parameter_is_shown_in_results_with_the_form(ro_client: Any, htmx: bool, params: dict[str, str],
                                                         invalid: str | None, message: str,
                                                         years: tuple[str, str]) -> None:
    r = ro_client.get("/partnerships", params=params, headers=HTMX if htmx else {})
    assert r.status_code == 400
    doc = dom(r.text)
    assert (doc.find("h1") == []) is htmx  # the fragment for htmx, the whole page otherwise
    results = doc.by_id("results")
    assert results is not None, "hx-select='#results' would swap in nothing"
    problems = results.by_id("browse-problems")
    assert problems is not None and problems.attrs["role"] == "alert"
    assert message in problems.text()
    form = results.find("form", role="search")[0]
    inputs = {n.attrs["id"]: n for n in form.find("input") if "id" in n.attrs}
    assert (inputs["year_from"].attrs["value"], inputs["year_to"].attrs["value"]) == years  # as typed, to correct
    assert {k for k, n in inputs.items() if n.attrs.get("aria-invalid") == "true"} == ({invalid} if invalid else set())
    assert results.by_id("count") is not None  # the list, without the bad parameter, stays too


def test_form_drops_a_bad_facet_value_and_keeps_the_good_ones(ro_client: Any) -> None:
    r = ro_client.get("/partnerships", params=[("destination", "DEU"), ("destination", "Atlantis")], headers=HTMX)
    form = dom(r.text).find("form", role="search")[0]
    assert ("destination", "DEU") in form_data(form)
    assert all(v != "Atlantis" for _, v in form_data(form))
    count = dom(r.text).by_id("count")
    assert count is not None and count.text() == f"{total(ro_client, destination='DEU')} partnerships"


def test_the_api_still_refuses_bad_parameters(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params={"year_from": "2030", "year_to": "2020"})
    assert r.status_code == 400
    assert r.json()["error"] == "The year range ends before it starts: year_to=2020 is before year_from=2030."


def test_other_htmx_errors_land_in_results(ro_client: Any) -> None:
    r = ro_client.get("/partnerships/no-such-record", headers=HTMX)
    assert r.status_code == 404
    results = dom(r.text).by_id("results")
    assert results is not None and "No partnership with id 'no-such-record'" in results.text()
    assert dom(ro_client.get("/partnerships/no-such-record", headers={"HX-Request": "true"}).text).by_id("results") is None


# -- paging ---------------------------------------------------------------------------------------------
PAST_THE_END = [  # parameters (page past the end) → the filter that the count uses
    ({"page": "999"}, {}),
    ({"page": "999", "destination": "DEU", "per_page": "5"}, {"destination": "DEU"}),
    ({"page": "3", "text": "no partnership says zzyzx"}, {"text": "no partnership says zzyzx"}),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize(("params", "filters"), PAST_THE_END, ids=[str(p[0]) for p in PAST_THE_END])
def test_page_past_the_end_shows_the_last_page(ro_client: Any, htmx: bool, params: dict[str, str],
                                               filters: dict[str, str]) -> None:
    per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
    n = total(ro_client, **filters)
    last = max(1, math.ceil(n / per_page))
    r = ro_client.get("/partnerships", params=params, headers=HTMX if htmx else {})
    assert r.status_code == 200
    doc = dom(r.text)
    pager = doc.find("nav", class_="pager")[0]
    assert f"Page {last} of {last}" in pager.text()
    links = {a.attrs["rel"]: a.attrs["href"] for a in pager.find("a")}
    assert "next" not in links
    assert (dict(parse_qsl(urlsplit(links["prev"]).query)).get("page") == str(last - 1)) if last > 1 else not links
    assert len(doc.find("tr")) - 1 == n - (last - 1) * per_page  # the rows of the last page (minus the header)
    assert f"There is no page {params['page']}" in doc.find("p", class_="notice")[0].text()
    if htmx:  # the address bar shows the page shown
        assert dict(parse_qsl(urlsplit(r.headers["hx-push-url"]).query)).get("page", "1") == str(last)
    else:
        assert "hx-push-url" not in r.headers


@pytest.mark.parametrize("params", [{"page": "2"}, {"page": "1"}, {}])
def test_pages_in_range_have_no_notice(ro_client: Any, params: dict[str, str]) -> None:
    r = ro_client.get("/partnerships", params=params)
    assert r.status_code == 200 and dom(r.text).find("p", class_="notice") == []


# -- the search form keeps the state ---------------------------------------------------------------------
KEEP = [  # the page's parameters → what the search form submits besides the text (page back to 1)
    ({"per_page": "5"}, {("per_page", "5")}),
    ({"per_page": "5", "page": "2", "destination": "DEU", "sort": "-start_year"},
     {("per_page", "5"), ("destination", "DEU"), ("sort", "-start_year")}),
    ({"status": "ongoing", "sort": "end_year"}, {("status", "ongoing"), ("sort", "end_year")}),
]


@pytest.mark.parametrize(("params", "kept"), KEEP, ids=[str(k[0]) for k in KEEP])
def test_search_form_keeps_filters_per_page_and_sort(ro_client: Any, params: dict[str, str],
                                                     kept: set[tuple[str, str]]) -> None:
    form = dom(ro_client.get("/partnerships", params=params).text).find("form", role="search")[0]
    submitted = [(k, v) for k, v in form_data(form) if v and k != "text"]
    assert set(submitted) - {("sort", "name")} == kept
    assert "page" not in dict(submitted)  # a new search starts at page 1
    submitted.append(("text", "the"))
    after = dom(ro_client.get("/partnerships", params=submitted).text)
    rows = len(after.find("tr")) - 1
    per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
    assert rows == min(per_page, total(ro_client, **{**dict(kept), "text": "the"}))
    resubmitted = {(k, v) for k, v in form_data(after.find("form", role="search")[0]) if v and k != "text"}
    assert resubmitted - {("sort", "name")} == kept


# -- sorting ---------------------------------------------------------------------------------------------
def _api_rows(client: Any, sort: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get("/api/v1/partnerships", params={"sort": sort, "per_page": 200, "page": page,
                                                          "facet": "none"}).json()
        rows += body["partnerships"]
        if page >= body["pages"]:
            return rows
        page += 1


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_name_sort_ignores_case(ro_client: Any, descending: bool) -> None:
    engine = ro_client.app.state.smpatlas.engine
    with engine.connect() as conn:
        cli = [r["name"] for r in repo.select_records(conn, order="-name" if descending else "name")]
        sql = [r["name"] for r in fc.page_rows(conn, fc.Query(sort="-name" if descending else "name", per_page=200))]
    web = [r["name"] for r in _api_rows(ro_client, "-name" if descending else "name")]  # the bitmap index
    expected = sorted(cli, key=ascii_lower, reverse=descending)
    assert cli == sql == web
    assert [ascii_lower(n) for n in web] == [ascii_lower(n) for n in expected]
    abu = next(i for i, n in enumerate(web) if n.startswith("Abu Dhabi"))
    apal = next(i for i, n in enumerate(web) if n.startswith("APAL"))
    assert (abu < apal) is not descending


@pytest.mark.parametrize(("sort", "key"), [("end_year", "end_year"), ("-end_year", "end_year"),
                                           ("start_year", "start_year"), ("-start_year", "start_year")])
def test_missing_years_sort_last_both_ways(ro_client: Any, sort: str, key: str) -> None:
    engine = ro_client.app.state.smpatlas.engine
    with engine.connect() as conn:
        cli = [r.get(key) for r in repo.select_records(conn, order=sort)]
        sql = [r.get(key) for r in fc.page_rows(conn, fc.Query(sort=sort, per_page=200))]
    web = [r.get(key) for r in _api_rows(ro_client, sort)]
    assert cli == sql == web
    known = [v for v in web if v is not None]
    assert web == known + [None] * (len(web) - len(known))  # every missing value after every known one
    assert known == sorted(known, reverse=sort.startswith("-"))
    if key == "end_year":
        assert known and len(known) < len(web)  # the sample has both, or this test checks nothing


# -- compare ---------------------------------------------------------------------------------------------
COMPARE = [  # ids → status, message part (None: no message), the form's values, the compared ids
    ([A], 200, f"Add 1 to 3 more partnership ids below (or tick them in Browse) to compare with {A}.", [A], []),
    ([A, A], 200, "Add 1 to 3 more", [A], []),
    ([A, "nope"], 404, "No partnership with id 'nope'", [A, "nope"], []),
    ([A, "nope", B], 404, "No partnership with id 'nope'", [A, "nope", B], [A, B]),
    (["nope"], 404, "Give 2 to 4 partnership ids", ["nope"], []),
    ([A, B, C, D, E], 400, "Compare at most 4 partnerships at once (5 were given)", [A, B, C, D], []),
    ([A, B], 200, None, [A, B], [A, B]),
    ([" ", A, "", C, D], 200, None, [A, C, D], [A, C, D]),
    ([], 200, None, [], []),
]


@pytest.mark.parametrize(("ids", "status", "message", "form", "compared"), COMPARE, ids=[str(c[0]) for c in COMPARE])
def test_compare_page_keeps_the_form(ro_client: Any, ids: list[str], status: int, message: str | None,
                                     form: list[str], compared: list[str]) -> None:
    r = ro_client.get("/compare", params=[("id", i) for i in ids])
    assert r.status_code == status
    doc = dom(r.text)
    compare_form = doc.find("form", action="/compare")[0]
    inputs = compare_form.find("input", name="id")
    assert [i.attrs.get("value", "") for i in inputs] == [*form, *[""] * (4 - len(form))]
    labels = {lab.attrs.get("for"): lab.text() for lab in doc.find("label")}
    assert all(labels.get(i.attrs["id"]) for i in inputs)  # every box has its own label
    assert all(doc.by_id(f) is not None for f in labels if f)  # no label points nowhere
    problems = doc.by_id("compare-problems")
    if message is None:
        assert problems is None
    else:
        assert problems is not None and message in problems.text()
        assert problems in compare_form.iter()  # next to the form
    assert {i.attrs["value"] for i in inputs if i.attrs.get("aria-invalid")} == {"nope"} & set(form)
    table = doc.find("table", class_="compare")
    links = [a.attrs["href"] for a in table[0].find("thead")[0].find("a")] if table else []
    assert links == [f"/partnerships/{i}" for i in compared]


def test_compare_link_of_a_partnership_page_opens_the_form(ro_client: Any) -> None:
    page = dom(ro_client.get(f"/partnerships/{A}").text)
    href = next(a.attrs["href"] for a in page.find("a") if a.text() == "Compare…")
    r = ro_client.get(href)
    assert r.status_code == 200
    assert dom(r.text).find("input", id="compare-id-1")[0].attrs["value"] == A


# -- in a browser ------------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium")
def test_bad_year_range_in_the_browser_keeps_the_form(page: Any, live_server: str) -> None:
    page.goto(live_server + "/partnerships?per_page=5")
    everything = page.locator("#count").inner_text()
    page.get_by_label("Active from").fill("2030")
    page.get_by_label("to", exact=True).fill("2020")
    page.get_by_role("button", name="Apply").click()
    alert = page.locator("#results #browse-problems")
    alert.wait_for()
    assert alert.is_visible() and "The year range ends before it starts" in alert.inner_text()
    assert page.get_by_role("search").is_visible()  # the form is still there, with what was typed
    assert page.get_by_label("Active from").input_value() == "2030"
    assert page.locator("#count").inner_text() == everything
    page.get_by_label("to", exact=True).fill("2035")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**year_to=2035**")
    assert page.locator("#browse-problems").count() == 0
    assert "per_page=5" in page.url and page.locator("table.results tbody tr").count() <= 5
