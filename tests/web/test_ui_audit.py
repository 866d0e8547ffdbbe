"""Headless Chromium QA of the web UI as readers, editors and admins use it: pages × checks.

Every page is audited once per viewport (cached); each (page, check) pair is its own test, so a report
names the page and what is wrong with it. Checks: ``<html lang>``, one ``<h1>``, every form control
labelled, table headers with ``scope``, ARIA references that resolve, unique ids, charts with a text
alternative, a visible focus ring on every Tab stop, the page's submit button reached by Tab, and no
sideways scrolling at 375 px (long partnership names wrap). Then the flows: Browse by keyboard (htmx keeps
focus and announces the new count), the edit form (vocabularies, nested cell syntax, a bad value shown next to
its field with a link from the summary, nothing typed lost), the version conflict, and the import report
(errors told from warnings in words, not only colour). Opt-in (``-m browser``).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smpatlas.codebook import default as default_codebook
from smpatlas.web import create_app
from tests.conftest import minimal
from tests.web.conftest import CHROMIUM, browser_log_in, open_page, serving, settings_for, token_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]

RID = "de-ph-triple-win"
LONG = "xx-yy-long-name"
#: A name with words longer than a phone's width (German compounds, pasted URLs) must still wrap.
LONG_NAME = ("Pflegefachkräfteanwerbungspartnerschaftsvereinbarungsumsetzungsprogramm "
             "https://example.org/a-very-long-address-without-any-break-at-all-" + "x" * 40)

#: page → (address, who is logged in, the submit button Tab must reach or None)
PAGES: dict[str, tuple[str, str | None, str | None]] = {
    "login": ("/login", None, "Log in"),
    "dashboard": ("/", None, None),
    "browse": ("/partnerships", None, "Apply"),
    "partnership": (f"/partnerships/{RID}", "erin", "Log out"),
    "partnership-long-name": (f"/partnerships/{LONG}", None, None),
    "compare": (f"/compare?id={RID}&id={LONG}", None, "Compare"),
    "whatif": (f"/partnerships/{RID}/whatif", None, "Show the assessment"),
    "edit": (f"/partnerships/{RID}/edit", "erin", "Save"),
    "edit-long-name": (f"/partnerships/{LONG}/edit", "erin", "Save"),
    "new": ("/new", "erin", "Save"),
    "import": ("/import", "erin", "Check the file"),
    "admin-users": ("/admin/users", "alice", "Add user"),
    "admin-user": ("/admin/users/edit?name=erin", "alice", "Reset password"),
    "not-found": ("/partnerships/no-such-id", None, None),
    "outcomes": ("/outcomes", None, None),
    "version": (f"/partnerships/{RID}/versions/1", None, None),
}

AUDIT_JS = r"""() => {
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const out = {lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length};
  out.unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                 && !e.getAttribute('aria-labelledby'))
    .map(e => e.outerHTML.slice(0, 120));
  out.th_without_scope = [...document.querySelectorAll('th')].filter(t => !t.getAttribute('scope'))
    .map(t => t.outerHTML.slice(0, 100));
  out.table_without_th = [...document.querySelectorAll('table')].filter(t => !t.querySelector('th'))
    .map(t => t.outerHTML.slice(0, 100));
  const ids = {};
  document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
  out.duplicate_ids = Object.keys(ids).filter(k => ids[k] > 1);
  out.dangling_aria = [];
  document.querySelectorAll('[aria-describedby], [aria-labelledby]').forEach(e => {
    const refs = ((e.getAttribute('aria-describedby') || '') + ' ' + (e.getAttribute('aria-labelledby') || ''));
    refs.split(/\s+/).filter(Boolean).forEach(r => { if (!document.getElementById(r)) out.dangling_aria.push(r); });
  });
  // a chart (an SVG or an image) needs a text alternative: an img role with a name, or alt text
  out.charts_without_text = [...document.querySelectorAll('svg, img')].filter(s => {
    if (s.getAttribute('aria-hidden') === 'true' || (s.tagName === 'IMG' && s.hasAttribute('alt'))) return false;
    const host = s.closest('[role=img]');
    const name = host && (host.getAttribute('aria-label') || '').trim();
    return !name || name === 'Vega visualization';
  }).map(s => (s.closest('[id]') || s).id || s.tagName);
  // inside a box that scrolls sideways itself (a wide table, a chart), not the page
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  out.scroll_width = document.documentElement.scrollWidth;
  out.client_width = document.documentElement.clientWidth;
  out.too_wide = [...document.querySelectorAll('main *, header *')]
    .filter(e => visible(e) && e.getBoundingClientRect().right > out.client_width + 1 && !scrolls(e)
                 && !e.closest('.sr, .skip'))
    .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
  return out;
}"""

CHECKS = ["lang", "one_h1", "labels", "th_scope", "tables_have_th", "aria_refs", "unique_ids", "chart_text",
          "focus_visible", "tab_reaches_submit", "narrow_375"]


@pytest.fixture(scope="module")
def ui_server(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One uvicorn over a copy of the sample inventory (plus a partnership with a very long name) per module."""
    tmp = tmp_path_factory.mktemp("ui")
    db = tmp / "atlas.db"
    shutil.copy(sample_db, db)
    app = create_app(settings_for(db, tmp))
    with serving(app) as base:
        rec = minimal(LONG, name=LONG_NAME, acronym="PFLEGEANWERBUNGSPROGRAMMKOORDINIERUNG",
                      summary="Zusammenarbeitsvereinbarungsdurchführungsbestimmungen" * 3)
        req = urllib.request.Request(base + "/api/v1/partnerships", data=json.dumps(rec).encode(), method="POST",
                                     headers={**token_for(db, "erin"), "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            assert r.status == 201
        yield base
    app.state.smpatlas.atlas.close()


@pytest.fixture(scope="module")
def sessions(browser: Any, ui_server: str) -> Iterator[dict[str | None, Any]]:
    """A browser context per user (None = anonymous), logged in once."""
    out: dict[str | None, Any] = {}
    for who in (None, "erin", "alice"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        if who:
            pg = ctx.new_page()
            browser_log_in(pg, ui_server, who)
            pg.close()
        out[who] = ctx
    yield out
    for ctx in out.values():
        ctx.close()


def _tab_walk(page: Any, target: str | None, limit: int = 1500) -> dict[str, Any]:
    """Press Tab until the button named ``target`` has focus (or ``limit``); every stop's focus ring."""
    page.evaluate("""() => { window.__stops = [];
      document.addEventListener('focusin', e => { const a = e.target, s = getComputedStyle(a);
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
        window.__stops.push({tag: a.tagName, text: (a.textContent || a.value || a.id || '').trim().slice(0, 40),
                             ring: ring}); }); }""")
    reached = False
    for n in range(limit):
        page.keyboard.press("Tab")
        if (target and n % 25 == 24) or n == limit - 1 or (not target and n >= 30):
            stops = page.evaluate("window.__stops")
            reached = bool(target) and any(s["tag"] == "BUTTON" and s["text"] == target for s in stops)
            if reached or not target:
                break
    return {"stops": page.evaluate("window.__stops"), "reached": reached}


_CACHE: dict[tuple[str, str], Any] = {}


def _audit(sessions: dict[str | None, Any], base: str, name: str, kind: str) -> Any:
    key = (name, kind)
    if key not in _CACHE:
        path, who, target = PAGES[name]
        page = open_page(sessions[who], base + path, 375 if kind == "narrow" else 1280)
        if name in ("dashboard", "outcomes"):
            page.wait_for_selector(".vega[data-rendered=true]")
            page.wait_for_function("[...document.querySelectorAll('.vega')].every(v => v.dataset.rendered)")
        result = page.evaluate(AUDIT_JS)
        if kind == "tab":
            result = _tab_walk(page, target)
        result["script_errors"] = page.script_errors
        page.close()
        _CACHE[key] = result
    return _CACHE[key]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page(name: str, check: str, sessions: dict[str | None, Any], ui_server: str) -> None:
    kind = {"focus_visible": "tab", "tab_reaches_submit": "tab", "narrow_375": "narrow"}.get(check, "wide")
    a = _audit(sessions, ui_server, name, kind)
    assert not a["script_errors"]
    if check == "lang":
        assert a["lang"] == "en"
    elif check == "one_h1":
        assert a["h1"] == 1
    elif check == "labels":
        assert a["unlabelled"] == []
    elif check == "th_scope":
        assert a["th_without_scope"] == []
    elif check == "tables_have_th":
        assert a["table_without_th"] == []
    elif check == "aria_refs":
        assert a["dangling_aria"] == []
    elif check == "unique_ids":
        assert a["duplicate_ids"] == []
    elif check == "chart_text":
        assert a["charts_without_text"] == []
    elif check == "focus_visible":
        assert a["stops"], "Tab reaches nothing"
        assert [s for s in a["stops"] if not s["ring"]] == []
    elif check == "tab_reaches_submit":
        if PAGES[name][2] is None:
            pytest.skip("no form to submit on this page")
        assert a["reached"], f"Tab never reached the {PAGES[name][2]!r} button"
    elif check == "narrow_375":
        assert a["scroll_width"] <= a["client_width"], a["too_wide"]
        assert a["too_wide"] == []


def test_dashboard_charts_keep_their_titles_after_drawing(sessions: dict[str | None, Any], ui_server: str) -> None:
    """vega-embed gives its container role=graphics-document and the label "Vega visualization": the chart's own
    title (and the pointer to its table) must survive the drawing."""
    page = open_page(sessions[None], ui_server + "/")
    page.wait_for_function("[...document.querySelectorAll('.vega')].every(v => v.dataset.rendered)")
    charts = page.evaluate("[...document.querySelectorAll('.vega')].map(v => [v.id, v.getAttribute('role'),"
                           " v.getAttribute('aria-label')])")
    page.close()
    assert charts
    for cid, role, label in charts:
        assert role == "img", cid
        assert label and "Vega visualization" not in label and "table below" in label, (cid, label)


def test_browse_by_keyboard_keeps_focus_and_announces_the_count(sessions: dict[str | None, Any],
                                                                ui_server: str) -> None:
    page = open_page(sessions[None], ui_server + "/partnerships")
    total = page.locator("#count").inner_text()
    link = page.locator(".facet a").first
    label = link.inner_text().split("\n")[0].strip(" ☐☑")
    link.focus()
    page.keyboard.press("Enter")  # htmx swaps #results: the link the user pressed is replaced
    page.wait_for_url("**type=**")
    page.wait_for_function(f"document.querySelector('#count').textContent.trim() !== {json.dumps(total)}")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent.trim()]")
    assert focused[0] == "A" and label in focused[1] and "selected" in focused[1]  # focus stays on that facet
    status = page.locator("#results-status")
    assert status.get_attribute("role") == "status"
    page.wait_for_function("document.querySelector('#results-status').textContent.trim() !== ''")
    assert page.locator("#count").inner_text() in status.inner_text()
    page.keyboard.press("Enter")  # Enter again removes the filter, focus still on the link
    page.wait_for_function(f"document.querySelector('#count').textContent.trim() === {json.dumps(total)}")
    assert page.evaluate("document.activeElement.tagName") == "A"
    page.locator("a", has_text="Next →").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    page.wait_for_function("document.activeElement !== document.body")  # never dropped to the page's start
    page.close()


def test_whatif_by_keyboard_updates_a_live_region(sessions: dict[str | None, Any], ui_server: str) -> None:
    page = open_page(sessions[None], ui_server + f"/partnerships/{RID}/whatif")
    assert page.locator("#delta").get_attribute("aria-live") == "polite"
    box = page.locator("#whatif-form input[type=checkbox]").first
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#delta').textContent.includes('Changed:')")
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.close()


def test_edit_form_has_every_field_and_vocabulary(sessions: dict[str | None, Any], ui_server: str) -> None:
    page = open_page(sessions["erin"], ui_server + f"/partnerships/{RID}/edit")
    missing = []
    for f in default_codebook().fields:
        if page.locator(f"#field-{f.name}").count() != 1:
            missing.append(f.name)
        elif f.kind in ("enum", "set"):
            offered = set(page.eval_on_selector_all(
                f"#field-{f.name} option, #field-{f.name} input[type=checkbox]", "els => els.map(e => e.value)"))
            if offered - {""} != set(f.values()):
                missing.append(f"{f.name}: {sorted(set(f.values()) ^ (offered - {''}))}")
    assert missing == []
    assert page.locator("#field-integration_support input[type=checkbox]:checked").count() > 1  # multi-valued
    assert " | " in page.input_value("#field-actors")  # nested fields in cell syntax
    assert " | " in page.input_value("#field-sources")
    page.close()


def test_edit_bad_values_keep_what_was_typed_and_link_to_the_fields(sessions: dict[str | None, Any],
                                                                      ui_server: str) -> None:
    page = open_page(sessions["erin"], ui_server + f"/partnerships/{RID}/edit")
    actors = page.input_value("#field-actors") + "\nNew Agency | not_a_role | DEU"
    page.fill("#field-actors", actors)
    page.fill("#field-outcomes", "2023 | departed | lots | Annual report")
    page.fill("#field-notes", "A note I do not want to type twice.")
    unticked = page.locator("#field-target_groups input[type=checkbox]:not(:checked)").first
    value = unticked.get_attribute("value")
    unticked.check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(".field-error")
    # the message is next to its field
    assert "not_a_role" in page.locator("#field-actors-error").inner_text()
    assert "lots" in page.locator("#field-outcomes-error").inner_text()
    assert page.get_attribute("#field-actors", "aria-invalid") == "true"
    # nothing typed is lost
    assert page.input_value("#field-actors").replace("\r\n", "\n") == actors
    assert page.input_value("#field-outcomes") == "2023 | departed | lots | Annual report"
    assert page.input_value("#field-notes") == "A note I do not want to type twice."
    assert page.locator(f"#field-target_groups input[value='{value}']").is_checked()
    # the summary at the top links to each field with a problem (a long form: no hunting for them)
    links = page.locator("#error-summary a")
    assert sorted(links.evaluate_all("els => els.map(a => a.getAttribute('href'))")) == [
        "#field-actors", "#field-outcomes"]
    links.first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") in ("field-actors", "field-outcomes")
    page.close()


def test_edit_conflict_keeps_my_changes(sessions: dict[str | None, Any], ui_server: str) -> None:
    mine = open_page(sessions["erin"], ui_server + f"/partnerships/{RID}/edit")
    theirs = open_page(sessions["alice"], ui_server + f"/partnerships/{RID}/edit")
    theirs.fill("#field-notes", "Their note.")
    theirs.get_by_role("button", name="Save").click()
    theirs.wait_for_url("**#history")
    mine.fill("#field-notes", "My note.")
    mine.fill("#field-acronym", "MINE")
    mine.get_by_role("button", name="Save").click()
    mine.wait_for_selector("#conflict")
    assert "alice" in mine.locator("#conflict").inner_text()
    assert mine.input_value("#field-notes") == "My note." and mine.input_value("#field-acronym") == "MINE"
    assert "Their note." in mine.locator("#field-notes-error").inner_text()  # both changed: marked, theirs named
    mine.get_by_role("button", name="Save").click()
    mine.wait_for_url("**#history")
    assert "My note." in mine.locator("table.history").inner_text()
    mine.close()
    theirs.close()


def test_import_report_tells_errors_from_warnings_in_words(sessions: dict[str | None, Any], ui_server: str,
                                                          tmp_path: Path) -> None:
    head = "id,name,partnership_type,origin_countries,destination_countries,start_year,status,sources\n"
    src = "Project page | https://example.org/p | 2026-11-27"
    bad = tmp_path / "bad.csv"
    bad.write_text(head + "xx-yy-ui-a,A,pilot_project,PHL,DEU,2020,ongoing,\n"  # no source: a warning
                   f"xx-yy-ui-b,B,pilot_projct,PHL,DEU,2020,ongoing,{src}\n", "utf-8")  # a typo: an error
    page = open_page(sessions["erin"], ui_server + "/import")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    table = page.locator("#problems")
    table.wait_for()
    headings = table.locator("thead th").all_inner_texts()
    assert headings[:3] == ["Row", "Column", "Severity"]
    rows = {r.split("\t")[1]: r.split("\t") for r in table.locator("tbody tr").all_inner_texts()}
    assert rows["partnership_type"][0] == "3" and rows["partnership_type"][2] == "Error"  # row, column, severity
    assert rows["sources"][0] == "2" and rows["sources"][2] == "Warning"  # not only a colour tells them apart
    assert page.get_by_role("button", name="Confirm: write these rows").count() == 0  # nothing to confirm

    good = tmp_path / "good.csv"
    good.write_text(head + f"xx-yy-ui-c,C,pilot_project,PHL,DEU,2020,ongoing,{src}\n", "utf-8")
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    confirm = page.get_by_role("button", name="Confirm: write these rows")
    confirm.wait_for()
    assert _status(ui_server + "/api/v1/partnerships/xx-yy-ui-c") == 404  # checked, not written yet
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    confirm.click()
    assert "inserted" in page.get_by_role("status").inner_text()
    assert _status(ui_server + "/api/v1/partnerships/xx-yy-ui-c") == 200
    page.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
