"""Normalisation of what people type, field kind by field kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpatlas.normalise import CONTROL, converters, has_control
from smpatlas.problems import CellError

CONV = converters()


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("status", " Ongoing ", "ongoing"),  # case and spaces
        ("partnership_type", "Bilateral labour agreement", "bilateral_labour_agreement"),  # spaces → _
        ("partnership_type", "global-skill-partnership", "global_skill_partnership"),  # - → _
        ("mobility_types", "circular; long-term", ["long_term", "circular"]),  # ; and vocabulary order
        ("mobility_types", "Circular, Short term", ["circular", "short_term"]),  # , where unambiguous
        ("mobility_types", ["circular", "circular"], ["circular"]),  # JSON list, duplicates folded
        ("skill_levels", "unspecified", ["unspecified"]),  # unspecified is a value, not missing
        ("skill_levels", "", None),  # blank = missing
        ("skill_levels", None, None),
        ("government_to_government", "YES", True),
        ("government_to_government", "false", False),
        ("government_to_government", 1, True),
        ("government_to_government", "0", False),
        ("government_to_government", "WAHR", True),  # Excel's TRUE in a German CSV export
        ("government_to_government", "FAUX", False),  # FALSE in a French one
        ("government_to_government", "Falso", False),  # Italian, Spanish, Portuguese
        ("extension_possible", "VERDADERO", True),
        ("extension_possible", "Unspecified", "unspecified"),  # tristate
        ("extension_possible", "no", False),
        ("origin_countries", "PHL", ["PHL"]),  # alpha-3
        ("origin_countries", "ph; in", ["IND", "PHL"]),  # alpha-2, sorted
        ("origin_countries", "Philippines, Viet Nam", ["PHL", "VNM"]),  # names, comma
        ("origin_countries", "Korea, Republic of", ["KOR"]),  # one name with a comma
        ("origin_countries", "Kosovo", ["XKX"]),
        ("destination_countries", "UK; EL", ["GBR", "GRC"]),  # EU conventions
        ("destination_countries", "EU", ["EU"]),  # region
        ("occupations", "2221; 25", ["2221", "25"]),
        ("occupations", 2221.0, ["2221"]),  # a number cell from Excel
        ("start_year", "2021", 2021),
        ("start_year", 2021.0, 2021),
        ("planned_participants", "5,000", 5000),  # thousands separator
        ("budget_eur", "1 500 000", 1500000),
        ("budget_eur", "2.5", 2.5),
        ("budget_eur", "9007199254740992", 2**53),  # the largest whole number a number field holds
        ("budget_eur", "1\u202f500\u202f000", 1500000),  # a narrow no-break space between thousands (French)
        ("coded_on", "2026-11-27", "2026-11-27"),
        ("coded_on", dt.datetime(2026, 11, 27, 10, 0), "2026-11-27"),  # an Excel date cell
        ("name", "  Triple Win  ", "Triple Win"),
        ("notes", "line 1\r\nline 2", "line 1\nline 2"),  # line endings normalised
        ("acronym", 3.0, "3"),
    ],
)
def test_converts(field: str, raw: Any, expected: Any) -> None:
    assert CONV[field](raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "message", "hint"),
    [
        ("mobility_types", "circlar", "unknown value 'circlar'", "did you mean 'circular'?"),
        ("status", "finished", "unknown value", "allowed: planned, ongoing"),
        ("status", "ongoing; completed", "takes one value", None),
        ("skill_levels", "high; unspecified", "cannot be combined", None),
        ("employer_engagement", "none; design", "cannot be combined", None),
        ("government_to_government", "maybe", "expected yes or no", "yes/no"),
        ("extension_possible", "perhaps", "expected yes, no or unspecified", None),
        ("origin_countries", "Narnia", "unknown country", None),
        ("origin_countries", "Congo", "ambiguous country", "COD"),
        ("origin_countries", "Phillipines", "unknown country", "did you mean"),
        ("occupations", "22211", "not an ISCO-08 code", "1 to 4 digits"),
        ("occupations", "nurse", "not an ISCO-08 code", None),
        ("start_year", "twenty", "whole number", None),
        ("start_year", "2021.5", "whole number", None),
        ("start_year", "1850", "below the minimum", None),
        ("budget_eur", "-5", "below the minimum", None),
        ("budget_eur", "1e20", "1e+20 is too large", "realistic"),  # would not fit a 64-bit integer
        # Numbers as people in many countries type them: each gets a hint that says what to write.
        ("budget_eur", "12,5", "the comma before the decimals is not read", "write 12.5 (a dot"),
        ("budget_eur", "1.500.000,50", "the comma before the decimals is not read", "write 1500000.50"),
        ("budget_eur", "1 500,5", "the comma before the decimals is not read", "write 1500.5"),
        ("planned_participants", "12,5", "the comma before the decimals is not read", "a whole number from 0"),
        ("budget_eur", "€ 1.500.000", "without a currency", "write the number alone (the field is Budget (EUR))"),
        ("budget_eur", "2000000 EUR", "without a currency", "e.g. 1500000"),
        ("budget_eur", "2,5 Mio", "written in full", "2500000 for 2.5 million"),
        ("planned_participants", "2k", "written in full", "2000 for 2k"),
        ("budget_eur", "lots", "expected a number", "Budget (EUR): a number ≥ 0"),
        ("budget_eur", 10**400, "a number of about 401 digits is too large", None),  # a JSON integer
        ("budget_eur", -(10**400), "a number of about 401 digits is below the minimum", None),
        ("planned_participants", 10**400, "a number of about 401 digits is above the maximum", None),
        ("start_year", 10**18, "a number of about 19 digits is above the maximum", None),
        ("coded_on", "27/11/2026", "not a date", "YYYY-MM-DD"),
        ("coded_on", "2026-02-30", "not a date", None),
        ("id", "De PH Triple Win", "not a valid id", "'de-ph-triple-win'"),
        ("name", "x" * 501, "text too long", None),
        ("notes", "bell\x07", "control character", None),
        # JSON's NaN is typed, not an empty cell: refused, never taken to mean "clear the field"
        ("budget_eur", float("nan"), "expected a finite number", None),
        ("planned_participants", float("nan"), "expected a whole number", None),
        ("start_year", float("inf"), "expected a whole number", None),
        ("status", float("nan"), "expected one value from the vocabulary", None),
        ("notes", float("nan"), "expected text, got the number nan", "write the text itself"),
        ("name", float("-inf"), "expected text, got the number -inf", None),
    ],
)
def test_rejects_with_message_and_hint(field: str, raw: Any, message: str, hint: str | None) -> None:
    with pytest.raises(CellError) as info:
        CONV[field](raw)
    assert message in info.value.message
    if hint:
        assert info.value.hint and hint in info.value.hint


def test_memoised_results_are_not_shared_mutable() -> None:
    a = CONV["sectors"]("ict; health_care")
    a.append("x")
    assert CONV["sectors"]("ict; health_care") == ["health_care", "ict"]


def test_has_control_finds_what_the_control_pattern_finds() -> None:
    for code in [*range(0x300), 0x2028, 0xD800, 0xDFFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10FFFF]:
        for text in (chr(code), f"abc{chr(code)}", f"ä{chr(code)}z"):
            assert has_control(text) == (CONTROL.search(text) is not None), hex(code)


@given(st.text(st.characters(codec=None)))
def test_has_control_on_any_text(text: str) -> None:
    assert has_control(text) == (CONTROL.search(text) is not None)


def test_a_remembered_problem_is_raised_as_a_fresh_error() -> None:
    """Raising one remembered exception again and again would grow its traceback (and memory)."""
    conv = converters()["government_to_government"]
    errors = []
    for _ in range(3):
        with pytest.raises(CellError) as info:
            conv("maybe")
        errors.append(info.value)
    assert len({id(e) for e in errors}) == 3
    assert {(e.message, e.hint, e.code) for e in errors} == {(errors[0].message, errors[0].hint, errors[0].code)}
    depth = [len(list(_frames(e.__traceback__))) for e in errors]
    assert depth[0] == depth[1] == depth[2]


def _frames(tb: Any) -> Any:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_converters_that_remember_nothing_give_the_same() -> None:
    plain = converters(memo=False)
    for field, raw in [("sectors", "ict; health_care"), ("start_year", "2021"), ("status", "ongoing"),
                       ("origin_countries", "ph; in"), ("occupations", "2221; 25")]:
        assert plain[field](raw) == CONV[field](raw) == CONV[field](raw)
