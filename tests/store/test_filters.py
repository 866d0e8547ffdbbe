"""Filters.normalised: what a selection may be, and the clear error for what it may not."""

from __future__ import annotations

import pytest

from smpatlas.errors import ConfigError
from smpatlas.store.filters import MAX_TEXT, MAX_WORDS, Filters


@pytest.mark.parametrize(("filters", "message"), [
    (Filters(origin=[""]), "--origin '' is empty; give a value or leave the option out"),
    (Filters(sector=["  "]), "--sector '  ' is empty"),
    # a database refuses LIKE patterns and expressions beyond its limits ("pattern too complex")
    (Filters(text="a" * (MAX_TEXT + 1)), f"search for at most {MAX_WORDS} words and {MAX_TEXT} characters"),
    (Filters(text=" ".join(["ab"] * (MAX_WORDS + 1))), f"and {MAX_WORDS + 1} words long"),
])
def test_refused(filters: Filters, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        filters.normalised()


@pytest.mark.parametrize("filters", [
    Filters(text="a" * MAX_TEXT),
    Filters(text=" ".join(["ab"] * MAX_WORDS)),
    Filters(origin=["Philippines", "IND"]),
])
def test_accepted(filters: Filters) -> None:
    assert filters.normalised().text == filters.text
