"""Headless Chromium: the what-if form clears a checkbox group when no box is ticked, and changes nothing else.

The fragment now reads a field left out of the query string as unchanged; the form sends an empty value with
each checkbox group so that unticking every box still means "cleared". Opt-in (``-m browser``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


def test_unticking_every_box_of_a_group_clears_it(page: Any, live_server: str) -> None:
    page.goto(live_server + "/partnerships/de-ph-triple-win/whatif")
    group = page.locator("#field-integration_support")
    group.locator("xpath=ancestor::details").locator("summary").click()
    ticked = group.locator("input[type=checkbox]:checked")
    assert ticked.count() > 1
    while ticked.count():
        ticked.first.uncheck()
    page.wait_for_function("document.querySelector('#delta').textContent.includes('Removes information')")
    delta = page.locator("#delta").inner_text()
    assert "Changed: integration support" in delta  # and no other field
    assert "Removes information: integration support was coded" in delta
    group.locator("input[value=language]").check()
    page.wait_for_function("!document.querySelector('#delta').textContent.includes('Removes information')")
    assert "Changed: integration support" in page.locator("#delta").inner_text()
