"""Headless Chromium: the edit form's country pickers do not make a keyboard user Tab through every country.

The ticked countries stay visible and in the tab order; the ~250 others wait in a closed ``<details>`` ("Add a
country (N more)") that "Find a country" opens. The form still sends the same values, works without JavaScript,
and keeps the ticks across a validation error. Opt-in (``-m browser``).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smpatlas.web import create_app
from tests.conftest import minimal
from tests.web.conftest import CHROMIUM, browser_log_in, open_page, serving, settings_for, token_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]

RID = "de-ph-triple-win"
#: one record per test, so that each starts from the same two origin countries
RECORDS = ("xx-yy-pick-add", "xx-yy-pick-remove", "xx-yy-pick-error", "xx-yy-pick-nojs")
ORIGINS = ["PHL", "VNM"]
TAB_LIMIT = 20


@pytest.fixture(scope="module")
def picker_server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One uvicorn over a copy of the sample inventory, plus this module's records."""
    tmp = tmp_path_factory.mktemp("picker")
    db = tmp / "atlas.db"
    shutil.copy(sample_db, db)
    app = create_app(settings_for(db, tmp))
    with serving(app) as base:
        headers = {**token_for(db, "erin"), "Content-Type": "application/json"}
        for rid in RECORDS:
            rec = minimal(rid, origin_countries=ORIGINS)
            req = urllib.request.Request(base + "/api/v1/partnerships", data=json.dumps(rec).encode(),
                                         method="POST", headers=headers)
            with urllib.request.urlopen(req) as r:
                assert r.status == 201
        yield base, db
    app.state.smpatlas.atlas.close()


def _context(browser: Any, base: str, *, javascript: bool = True) -> Any:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    browser_log_in(page, base, "erin")
    page.close()
    return ctx


@pytest.fixture(scope="module")
def erin(browser: Any, picker_server: tuple[str, Path]) -> Iterator[Any]:
    ctx = _context(browser, picker_server[0])
    yield ctx
    ctx.close()


def _origins(base: str, rid: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/v1/partnerships/{rid}") as r:
        body = json.loads(r.read())
    return sorted(body["partnership"]["origin_countries"])


def _tabs_to_leave(page: Any, field: str, limit: int = 400) -> tuple[int, list[str]]:
    """Tab presses from the field's first control until focus leaves the field, and the stops on the way."""
    page.locator(f"#{field} input, #{field} summary").first.focus()
    stops = []
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        where = page.evaluate(f"""() => {{ const a = document.activeElement;
            return [!!a.closest('#{field}'), a.tagName + '#' + (a.id || a.textContent.trim().slice(0, 30))]; }}""")
        if not where[0]:
            return n, stops
        stops.append(where[1])
    return limit, stops


def _label_of(page: Any, code: str) -> str:
    return str(page.locator(f"label[for='field-origin_countries-{code}']").inner_text()).strip()


@pytest.mark.parametrize("path", [f"/partnerships/{RID}/edit", "/new"])
def test_tab_leaves_a_country_field_in_a_few_presses(erin: Any, picker_server: tuple[str, Path], path: str) -> None:
    page = open_page(erin, picker_server[0] + path)
    assert page.locator("#field-origin_countries input[type=checkbox]").count() > 200  # the whole vocabulary
    for field in ("field-origin_countries", "field-destination_countries"):
        presses, stops = _tabs_to_leave(page, field)
        assert presses < TAB_LIMIT, (field, presses, stops[:10])
        assert any(s.startswith("SUMMARY") for s in stops), stops  # "Add a country" is on the way
    # every ticked country is shown and reachable; the closed list's summary says how many more there are
    ticked = page.locator("#field-origin_countries input:checked")
    assert all(ticked.nth(i).is_visible() for i in range(ticked.count()))
    total = page.locator("#field-origin_countries input[type=checkbox]").count()
    summary = page.locator("#field-origin_countries details.country-more summary").inner_text()
    assert f"({total - ticked.count()} more)" in summary
    assert not page.script_errors
    page.close()


def test_a_country_found_by_search_is_ticked_and_saved(erin: Any, picker_server: tuple[str, Path]) -> None:
    base, _ = picker_server
    rid = "xx-yy-pick-add"
    page = open_page(erin, f"{base}/partnerships/{rid}/edit")
    more = page.locator("#field-origin_countries details.country-more")
    assert more.get_attribute("open") is None
    kenya = page.locator("#field-origin_countries-KEN")
    assert not kenya.is_visible()  # in the closed list
    page.locator("#field-origin_countries-search").fill("keny")
    assert more.get_attribute("open") is not None  # the search opened it
    assert kenya.is_visible()
    # by keyboard: Enter in the search does not submit; Tab reaches Kenya in a few presses
    page.keyboard.press("Enter")
    assert page.url.endswith(f"/partnerships/{rid}/edit")
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "field-origin_countries-KEN":
            break
    assert page.evaluate("document.activeElement.id") == "field-origin_countries-KEN"
    page.keyboard.press("Space")
    assert kenya.is_checked()
    page.locator("#field-origin_countries-search").fill("")  # a cleared search closes the list again ...
    assert more.get_attribute("open") is None
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**#history")
    assert _origins(base, rid) == sorted([*ORIGINS, "KEN"])  # ... and the tick is still sent
    page.goto(f"{base}/partnerships/{rid}/edit")  # now a ticked country: shown outside the closed list
    assert page.locator("#field-origin_countries-KEN").is_visible()
    assert page.locator("#field-origin_countries-KEN").is_checked()
    assert not page.script_errors
    page.close()


def test_unticking_a_selected_country_removes_it(erin: Any, picker_server: tuple[str, Path]) -> None:
    base, _ = picker_server
    rid = "xx-yy-pick-remove"
    page = open_page(erin, f"{base}/partnerships/{rid}/edit")
    box = page.locator("#field-origin_countries-VNM")
    assert box.is_visible() and box.is_checked()
    box.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**#history")
    assert _origins(base, rid) == ["PHL"]
    page.close()


def test_a_validation_error_keeps_the_ticks(erin: Any, picker_server: tuple[str, Path]) -> None:
    base, _ = picker_server
    rid = "xx-yy-pick-error"
    page = open_page(erin, f"{base}/partnerships/{rid}/edit")
    page.locator("#field-origin_countries-search").fill("indonesia")
    page.locator("#field-origin_countries-IDN").check()
    page.locator("#field-origin_countries-VNM").uncheck()
    page.fill("#field-actors", "New Agency | not_a_role | DEU")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(".field-error")
    checked = sorted(page.eval_on_selector_all("#field-origin_countries input:checked", "els => els.map(e => e.value)"))
    assert checked == ["IDN", "PHL"]
    assert page.locator("#field-origin_countries-IDN").is_visible()  # shown with the ticked ones
    assert page.locator("#field-origin_countries details.country-more").get_attribute("open") is None
    assert _label_of(page, "IDN").startswith("Indonesia")  # the label is still tied to its box
    assert _origins(base, rid) == ORIGINS  # nothing saved
    assert "not_a_role" in page.locator("#field-actors-error").inner_text()
    page.fill("#field-actors", "")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**#history")
    assert _origins(base, rid) == ["IDN", "PHL"]
    page.close()


def test_without_javascript_the_closed_list_opens_natively(browser: Any,
                                                           picker_server: tuple[str, Path]) -> None:
    base, _ = picker_server
    rid = "xx-yy-pick-nojs"
    ctx = _context(browser, base, javascript=False)
    page = open_page(ctx, f"{base}/partnerships/{rid}/edit")
    assert not page.locator("#field-origin_countries-KEN").is_visible()
    page.locator("#field-origin_countries details.country-more summary").click()
    page.locator("#field-origin_countries-KEN").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**#history")
    assert _origins(base, rid) == sorted([*ORIGINS, "KEN"])
    page.close()
    ctx.close()
