"""country_groups.group_of: the groups cross-tabulations use, the region EU included."""

from __future__ import annotations

import pytest

from smpatlas.reference.country_groups import group_of


@pytest.mark.parametrize(("code", "grouping", "group"), [
    ("DEU", "eu", "EU"),
    ("NOR", "eu", "not EU"),
    ("NOR", "eea", "EEA"),
    ("EU", "eu", "EU"),  # the European Union as a party: an EU scheme
    ("EU", "region", "(no group)"),  # no region, continent, EEA or OECD membership of its own
    ("EU", "oecd", "(no group)"),
    ("PHL", "continent", "Asia"),
])
def test_group_of(code: str, grouping: str, group: str) -> None:
    assert group_of(code, grouping) == group
