"""The what-if fragment: a field left out of the query string is unchanged, an empty one is cleared.

It read every field missing from the query string as cleared: the form sends every field, but a direct call
(``?recognition_mechanism=national``) un-coded everything else.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_conflicts import _EditForm

RID = "de-ph-triple-win"
DELTA = f"/partnerships/{RID}/whatif/delta"


def _changed(html: str) -> list[str]:
    """The fields the fragment says were changed."""
    m = re.search(r"<p>Changed: (.*?)</p>", html)
    return re.findall(r"<strong>(.*?)</strong>", m.group(1)) if m else []


def _uncoded(html: str) -> list[str]:
    m = re.search(r"Removes information: (.*?) (?:was|were) coded", html)
    return re.findall(r"<strong>(.*?)</strong>", m.group(1)) if m else []


@pytest.mark.parametrize(("params", "changed", "uncoded"), [
    ([], [], []),  # nothing given: nothing changes (every design field was cleared)
    ([("recognition_mechanism", "")], ["recognition mechanism"], ["recognition mechanism"]),  # empty: cleared
    ([("reintegration_support", "job_placement")], ["reintegration support"], []),  # only that field
    ([("integration_support", "")], ["integration support"], ["integration support"]),  # a set cleared
    ([("integration_support", ""), ("integration_support", "language")], ["integration support"], []),
    ([("sectors", "health_care")], [], []),  # given as it is: no change
    ([("duration_months_min", "6"), ("training_location", "")], ["duration months min", "training location"],
     ["training location"]),
])
def test_a_field_left_out_is_unchanged_an_empty_one_cleared(ro_client: Any, params: list[tuple[str, str]],
                                                            changed: list[str], uncoded: list[str]) -> None:
    r = ro_client.get(DELTA, params=params, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    assert sorted(_changed(r.text)) == sorted(changed)
    assert sorted(_uncoded(r.text)) == sorted(uncoded)
    assert ("No changes yet." in r.text) is (not changed)


@pytest.mark.parametrize(("param", "expected"), [
    ("integraton_support", "'integraton_support' is not a design field the what-if can change (did you mean "
                           "'integration_support'?); leave it out, or change one of sectors, skill_levels"),
    ("name", "'name' is not a design field the what-if can change; leave it out"),
])
def test_an_unknown_field_is_refused_not_ignored(ro_client: Any, param: str, expected: str) -> None:
    r = ro_client.get(DELTA, params={param: ""}, headers={"HX-Request": "true"})
    assert r.status_code == 400
    assert expected.replace("'", "&#39;") in r.text


class _WhatIfForm(_EditForm):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form" and dict(attrs).get("id") == "whatif-form":
            attrs = [*attrs, ("class", "edit")]
        super().handle_starttag(tag, attrs)


def test_the_form_sends_an_empty_checkbox_group_as_cleared(ro_client: Any) -> None:
    """The form sends every field; a checkbox group also sends an empty value, so none ticked means cleared."""
    html = ro_client.get(f"/partnerships/{RID}/whatif").text
    assert '<input type="hidden" name="integration_support" value="">' in html
    form = _WhatIfForm()
    form.feed(html)
    assert form.fields["integration_support"][-1] == ""  # what a browser sends besides the ticked boxes
    as_is = [(k, v) for k, vs in form.fields.items() for v in (vs if isinstance(vs, list) else [vs])]
    same = ro_client.get(DELTA, params=as_is)
    assert same.status_code == 200 and _changed(same.text) == [] and "No changes yet." in same.text
    none_ticked = [(k, v) for k, v in as_is if k != "integration_support" or v == ""]  # every box unticked
    r = ro_client.get(DELTA, params=none_ticked)
    assert _changed(r.text) == ["integration support"] and _uncoded(r.text) == ["integration support"]
