"""Filters.normalised: what a selection may be, and the clear error for what it may not."""

from __future__ import annotations

import pytest

from smpatlas.errors import ConfigError
from smpatlas.store.filters import MAX_TEXT, MAX_WORDS, Filters, describe


@pytest.mark.parametrize(("filters", "message"), [
    (Filters(origin=[""]), "--origin '' is empty; give a value or leave the filter out"),
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


@pytest.mark.parametrize(("filters", "option", "keyword"), [
    (Filters(destination=["Atlantis"]), "--destination 'Atlantis': ", "destination='Atlantis': "),
    (Filters(year_from=2020, year_to=2010), "--year-to 2010 is before --year-from 2020",
     "year_to=2010 is before year_from=2020"),
    (Filters(year_to=12345), "--year-to 12345 is not a year", "year_to=12345 is not a year"),
    (Filters(text="word " * 30), "--text is 150 characters", "text= is 150 characters"),
])
def test_errors_name_filters_as_the_caller_wrote_them(filters: Filters, option: str, keyword: str) -> None:
    """The command line names an option (--year-to), the Python API a keyword (year_to=)."""
    with pytest.raises(ConfigError) as cli_error:
        filters.normalised()
    with pytest.raises(ConfigError) as api_error:
        filters.normalised(style="keyword")
    assert str(cli_error.value).startswith(option) and str(api_error.value).startswith(keyword)
    assert "--" not in str(api_error.value)


@pytest.mark.parametrize(("filters", "words"), [
    ({"destination": ["DEU"]}, "destination Germany (DEU)"),
    ({"origin": ["PHL", "IND"], "destination": ["EU"]}, "origin Philippines (PHL) or India (IND); destination EU"),
    ({"sector": ["health_care"], "mobility": ["long_term"]}, "sector health care; mobility long term"),
    ({"skill_level": ["high"], "status": ["ongoing"], "type": ["pilot_project"]},
     "skill level high; status ongoing; type pilot project"),
    ({"target_groups": ["persons_with_disabilities"]}, "target groups persons with disabilities"),  # a web facet
    ({"year_from": 2020, "year_to": 2023}, "active in or after 2020; started in or before 2023"),
    ({"g2g": False, "text": "nurses"}, 'not government-to-government; text "nurses"'),
    ({}, ""),
])
def test_describe_says_the_selection_in_words(filters: dict[str, object], words: str) -> None:
    """Codes become names (the filter's codebook field read as :func:`smpatlas.display.plain` reads it)."""
    assert describe(filters) == words
