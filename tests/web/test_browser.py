"""Headless Chromium (Debian's, via Playwright's executable_path): the main flows, with a screenshot per step.

Opt-in like house style 24 (``-m browser`` selects only these); skipped with a reason when
/usr/bin/chromium is missing. Never downloads a browser.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import minimal
from tests.web.conftest import CHROMIUM, PASSWORD, browser_log_in

SHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("web_backend", ["sqlite", "postgresql"], indirect=True)
def test_browse_facet_record_compare_whatif_login_edit_history(page: Any, live_server: str) -> None:
    base = live_server
    page.goto(base + "/")
    page.wait_for_selector(".vega[data-rendered=true]")  # charts drawn by vega-embed from vendored files
    shot(page, "01-dashboard")

    page.get_by_role("link", name="Browse").first.click()
    total = int(page.locator("#count").inner_text().split()[0])
    shot(page, "02-browse")
    page.locator(".facet", has_text="Destination countries").locator("a", has_text="Germany").first.click()
    page.wait_for_url("**destination=DEU**")
    narrowed = int(page.locator("#count").inner_text().split()[0])
    assert 0 < narrowed < total
    sectors = page.locator("details.facet", has=page.locator("summary", has_text="Sectors"))
    sectors.locator("summary").click()  # closed facets open with a click (or Enter)
    sectors.locator("a").first.click()
    page.wait_for_url("**sector=**")
    assert "destination=DEU" in page.url  # the URL holds the whole state
    shot(page, "03-faceted")
    page.go_back()
    page.wait_for_url("**destination=DEU")
    assert int(page.locator("#count").inner_text().split()[0]) == narrowed  # back button works

    boxes = page.locator("table.results input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Compare selected (2–4)").click()
    page.wait_for_url("**/compare?**")
    assert page.locator("tr.diff mark").count() > 0
    shot(page, "04-compare")

    page.goto(base + "/partnerships/de-ph-triple-win")
    assert page.locator("h2", has_text="Assessment").is_visible()
    shot(page, "05-record")

    page.get_by_role("link", name="What if…?").click()
    page.locator("#whatif-form details").nth(3).locator("summary").click()
    page.locator("#field-reintegration_support-job_placement").check()
    page.wait_for_function("document.querySelector('#delta').textContent.includes('reintegration support')")
    assert "reintegration support" in page.locator("#delta").inner_text()
    shot(page, "06-whatif")

    browser_log_in(page, base, "erin")
    shot(page, "07-logged-in")
    page.goto(base + "/partnerships/de-ph-triple-win/edit")
    page.get_by_label("Notes").fill("Checked in the browser test.")
    page.get_by_label("Start year").fill("")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".field-error").first.is_visible()  # validation next to the field
    shot(page, "08-edit-invalid")
    page.get_by_label("Start year").fill("2013")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/partnerships/de-ph-triple-win#history")
    history = page.locator("table.history").inner_text()
    assert "erin" in history and "Checked in the browser test." in history
    shot(page, "09-history")


@pytest.mark.parametrize("web_backend", ["sqlite", "postgresql"], indirect=True)
def test_import_bad_file_then_good_file(page: Any, live_server: str, tmp_path: Path) -> None:
    base = live_server
    browser_log_in(page, base, "erin")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(minimal("xx-yy-web-import", mobility_types=["circlar"])) + "\n", "utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(minimal("xx-yy-web-import")) + "\n", "utf-8")
    page.goto(base + "/import")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    table = page.locator("#problems")
    assert "circlar" in table.inner_text() and "did you mean" in table.inner_text()
    shot(page, "10-import-bad")
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Confirm: write these rows").wait_for()
    shot(page, "11-import-checked")
    page.get_by_role("button", name="Confirm: write these rows").click()
    assert "1 were inserted" in page.locator(".ok").inner_text() or "1 row" in page.locator(".ok").inner_text()
    page.goto(base + "/partnerships/xx-yy-web-import")
    assert "Test partnership xx-yy-web-import" in page.locator("h1").inner_text()
    shot(page, "12-imported")


def test_phone_width_and_keyboard(page: Any, live_server: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + "/partnerships")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    shot(page, "13-phone")


def test_admin_adds_a_user_through_the_users_page(page: Any, live_server: str) -> None:
    base = live_server
    browser_log_in(page, base, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.wait_for_url(f"{base}/admin/users")
    assert page.locator("table.users").inner_text().count("admin") >= 1
    shot(page, "14-admin-users")
    page.get_by_label("User name").fill("nina")
    page.get_by_label("Role").select_option("editor")
    page.get_by_label("Initial password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url("**/admin/users/edit?name=nina**")
    assert "User added." in page.get_by_role("status").inner_text()
    assert page.locator("h1").inner_text() == "nina"
    shot(page, "15-admin-user-added")
    page.get_by_role("link", name="Users").first.click()
    row = page.locator("table.users tr", has_text="nina")
    assert "editor" in row.inner_text() and "active" in row.inner_text()
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # usable at phone width
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    shot(page, "16-admin-users-phone")
