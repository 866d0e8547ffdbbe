"""Country lookup: codes, names, everyday names, regions; unknown and ambiguous names."""

from __future__ import annotations

import pytest

from smpatlas.countries import lookup, name_of
from smpatlas.problems import CellError


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DEU", "DEU"), ("deu", "DEU"), ("DE", "DEU"), ("Germany", "DEU"), ("germany", "DEU"),
        ("Viet Nam", "VNM"), ("Vietnam", "VNM"), ("Côte d'Ivoire", "CIV"), ("Cote d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"), ("Turkey", "TUR"), ("Türkiye", "TUR"), ("South Korea", "KOR"),
        ("Republic of Korea", "KOR"), ("United Kingdom", "GBR"), ("UK", "GBR"), ("EL", "GRC"),
        ("Kosovo", "XKX"), ("XKX", "XKX"), ("XK", "XKX"), ("Tanzania", "TZA"), ("Moldova", "MDA"),
        ("The Philippines", "PHL"), ("EU", "EU"),
    ],
)
def test_lookup(text: str, code: str) -> None:
    assert lookup(text) == code


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [("Congo", "ambiguous", "COD (Congo, The Democratic Republic of the)"), ("Korea", "ambiguous", "PRK"),
     ("Atlantis", "unknown country", "alpha-3"), ("Germani", "unknown country", "did you mean 'Germany' (DEU)?"),
     ("ZZZ", "unknown country", None)],
)
def test_lookup_errors(text: str, message: str, hint: str | None) -> None:
    with pytest.raises(CellError, match=message) as info:
        lookup(text)
    if hint:
        assert hint in (info.value.hint or "")


def test_names() -> None:
    assert name_of("XKX") == "Kosovo"
    assert name_of("PHL") == "Philippines"
    assert name_of("EU") == "EU"


def test_errors_are_remembered_and_memory_is_bounded() -> None:
    """An unknown name repeated down a column pays for its "did you mean" search once; each call still
    raises its own exception with the same message and hint; the memory holds at most LOOKUP_MEMORY texts."""
    from smpatlas import countries

    countries._lookup.cache_clear()
    errors = []
    for _ in range(3):
        with pytest.raises(CellError) as info:
            lookup("Germani")
        errors.append(info.value)
    assert countries._lookup.cache_info().misses == 1
    assert countries._lookup.cache_info().hits == 2
    assert len({id(e) for e in errors}) == 3
    assert {(e.message, e.hint, e.code) for e in errors} == {
        ("unknown country", "did you mean 'Germany' (DEU)?", "unknown_country")}
    assert lookup("Germany") == lookup("Germany") == "DEU"  # answers are remembered too
    assert countries._lookup.cache_info().hits == 3
    assert countries._lookup.cache_parameters()["maxsize"] == countries.LOOKUP_MEMORY
