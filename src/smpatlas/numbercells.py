"""Number cells: numbers as people type them, and the two converters of number fields.

Owns reading a number typed as text (``1,500``, ``1 500``, ``1500.5``; dots
between thousands refused, ``1.500`` read as 1.5 and flagged by
:func:`dot_thousands`), telling how a cell that is no number went wrong
(a decimal comma, a currency, "2,5 Mio", a date typed into it), the bounds
and :data:`LARGEST` of number fields, a field's example value, and the
converters of ``int`` and ``number`` fields with their messages and hints.
The converters of other kinds, and the choice of converter per field, are
:mod:`smpatlas.normalise`'s; this module must not import it. Knows nothing of
files, rows or databases.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from smpatlas.celltext import Converter, is_blank
from smpatlas.codebook import Field
from smpatlas.problems import CellError


def _num(x: float) -> str:
    if isinstance(x, int) and abs(x) >= 10**18:  # float() of such an int may overflow, str() may refuse
        return f"a number of about {int(x.bit_length() * 0.30103) + 1} digits"
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e18 else repr(x)


#: The largest whole number a number field holds: exact in JSON (and so in the history) and in 64-bit integers.
LARGEST = 2**53


def _bounds(f: Field, number: float) -> None:
    if f.min is not None and number < f.min:
        raise CellError(f"{_num(number)} is below the minimum {_num(f.min)} for {f.name}",
                        hint=f"{f.label} must be ≥ {_num(f.min)}", code="range")
    if f.max is not None and number > f.max:
        raise CellError(f"{_num(number)} is above the maximum {_num(f.max)} for {f.name}",
                        hint=f"{f.label} must be ≤ {_num(f.max)}", code="range")


_ZERO_WIDTH = re.compile(r"[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?$")
#: "2.000.000": dots between thousands (German, French), refused: it is no decimal number.
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3}){2,}$")
#: "1.500": 1.5, or 1500 with a dot between thousands? Read as 1.5 with a warning (:func:`dot_thousands`).
_ONE_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")


def number_text(text: str) -> float:
    """A number typed as text: ``1500``, ``1,500``, ``1 500``, ``1500.5``. Raises ValueError when it is not a
    number, and :class:`CellError` for ``2.000.000`` (dots between thousands). ``1.500`` is 1.5; the
    import warns about it (:func:`dot_thousands`)."""
    t = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("_", "")
    if not t.isascii():  # zero-width spaces and joiners, a byte order mark: pasted from the web, never seen
        t = _ZERO_WIDTH.sub("", t).strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "").replace(" ", "")
    elif _DOT_THOUSANDS.match(t):
        raise CellError("dots between thousands are not read", hint=f"write {t.replace('.', '')}",
                        code="ambiguous_number")
    return float(t)


def dot_thousands(value: Any) -> str | None:
    """For a cell like ``1.500`` (read as 1.5), the number it would be with a dot between thousands, else None."""
    if isinstance(value, str) and "." in value and _ONE_DOT_THOUSANDS.match(value.strip()):
        return value.strip().replace(".", "")
    return None


@cache
def _shipped_examples() -> dict[str, Any]:
    """Per field of the shipped codebook, its ``example`` key (read here until :class:`Field` carries it)."""
    text = resources.files("smpatlas").joinpath("data/codebook.toml").read_text("utf-8")
    return {f["name"]: f["example"] for f in tomllib.loads(text)["fields"] if "example" in f}


def example(f: Field) -> Any:
    """A typical value of a field, from the codebook (None when it gives none)."""
    given = getattr(f, "example", None)
    return given if given is not None else _shipped_examples().get(f.name)


def _number_hint(f: Field, what: str, *, label: bool = True) -> str:
    """'Minimum duration (months): a whole number from 0 to 600, e.g. 6' (bounds and example from the codebook)."""
    lo, hi = f.min, f.max
    bounds = (f" from {_num(lo)} to {_num(hi)}" if lo is not None and hi is not None
              else f" ≥ {_num(lo)}" if lo is not None else f" ≤ {_num(hi)}" if hi is not None else "")
    ex = example(f)
    return (f"{f.label}: " if label else "") + f"{what}{bounds}" + (f", e.g. {ex}" if ex is not None else "")


def _not_a_number(f: Field, value: Any, what: str) -> CellError:
    """The problem with a cell that is not a number: a date or time of day typed (or turned by Excel) into it,
    a decimal comma, a currency, words such as "Mio" — each with a hint that says what to write."""
    if isinstance(value, dt.date) and value.year < _REAL_DATES:
        return _number_as_date(f, value, what)
    if isinstance(value, dt.timedelta):
        return CellError(f"expected {what}, not a duration (the cell is formatted as elapsed time, e.g. [h]:mm)",
                         hint="format the column as Number in Excel (Home → Number Format → General), then "
                         + _number_hint(f, "write " + what, label=False), code="type")
    if isinstance(value, (dt.date, dt.time)):
        kind = "a date" if isinstance(value, dt.date) else "a time of day"
        if isinstance(value, dt.date) and "year" in f.name:
            hint = f"{kind} was typed; write the year, e.g. {value.year}"
        else:
            hint = f"{kind} was typed; " + _number_hint(f, "write " + what, label=False)
        return CellError(f"expected {what}, not {kind}", hint=hint, code="type")
    typo, written = mistyped_number(value) if isinstance(value, str) else (None, "")
    if typo == "decimal_comma":
        return CellError(f"expected {what}; the comma before the decimals is not read", code="type",
                         hint=_number_hint(f, what) if "whole" in what else
                         f"write {written} (a dot before the decimals, no separator between thousands)")
    if typo == "currency":
        ex = example(f)
        return CellError(f"expected {what}, without a currency", code="type",
                         hint=f"write the number alone (the field is {f.label})" + (f", e.g. {ex}" if ex else ""))
    if typo == "words":
        return CellError(f"expected {what} written in full", code="type",
                         hint=f"write all the digits, e.g. 2000 for 2k, 2500000 for 2.5 million ({f.label})")
    return CellError(f"expected {what}", hint=_number_hint(f, what), code="type")


#: A date cell before this year in a number field is a number typed into a cell formatted as a date (Excel shows
#: 2019 in a date column as 11/07/1905, 12 as 12/01/1900): no partnership's date is so old.
_REAL_DATES = 1950
#: Serial day 0 of Excel's (1900) date system; from 1 March 1900 on, a date's serial number is its days since.
_EXCEL_DAY_0 = dt.date(1899, 12, 30)


def _number_as_date(f: Field, value: dt.date, what: str) -> CellError:
    """A number shown as a date (the cell or column is formatted as a date): say which number, when it can be
    told (python-calamine and the streamed reader count days before 1 March 1900 differently) and fits."""
    day = value.date() if isinstance(value, dt.datetime) else value
    serial = (day - _EXCEL_DAY_0).days
    typed = (serial if day >= dt.date(1900, 3, 1) and (f.min is None or serial >= f.min)
             and (f.max is None or serial <= f.max) else None)
    return CellError(
        f"expected {what}, not a date: the cell is formatted as a date and shows {day.isoformat()}",
        hint=(f"if you typed {typed}, " if typed is not None else "if you typed a number, ")
        + "format the column as Number in Excel (Home → Number Format → General) and check the values; "
        + _number_hint(f, what), code="type")


def mistyped_number(text: str) -> tuple[str | None, str]:
    """How a number typed as text that is not read went wrong: ``decimal_comma`` (with the number written
    with a dot), ``currency`` or ``words`` ("2,5 Mio", "2k"); None when it is none of these."""
    t = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if _DECIMAL_COMMA.match(t):
        return "decimal_comma", t.replace(".", "").replace(" ", "").replace(",", ".")
    if _CURRENCY.search(t):
        return "currency", ""
    if _WORDS_FOR_NUMBERS.search(t):
        return "words", ""
    return None, ""


#: "12,5", "1.500,50", "1 500,5": a comma before the decimals (German, French, Spanish ...), never read as one.
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:[. ]\d{3})+),\d{1,2}$|^[+-]?\d{1,3}(?:[. ]\d{3})+,\d+$")
_CURRENCY = re.compile(r"[€$£¥]|\b(?:eur|euros?|usd|gbp|chf)\b", re.IGNORECASE)
_WORDS_FOR_NUMBERS = re.compile(r"\d\s*(?:k|m|mn|mio|mil|million|millions|bn|billion|mrd|thousand)\b\.?",
                                re.IGNORECASE)


def _int(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
            raise _not_a_number(f, value, "a whole number")
        if isinstance(value, int):
            number = value
        else:
            try:
                as_float = value if isinstance(value, float) else number_text(str(value))
            except CellError:
                raise
            except ValueError:
                raise _not_a_number(f, value, "a whole number") from None
            if not math.isfinite(as_float) or not float(as_float).is_integer():
                raise _not_a_number(f, value, "a whole number")
            number = int(as_float)
        _bounds(f, number)
        if abs(number) > LARGEST:
            raise CellError(f"{_num(number)} is too large", hint=f"{f.label} must be a realistic whole number",
                            code="range")
        return number

    return convert


def _number(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
            raise _not_a_number(f, value, "a number")
        if isinstance(value, int):
            number: float = value
        else:
            try:
                number = value if isinstance(value, float) else number_text(str(value))
            except CellError:
                raise
            except ValueError:
                raise _not_a_number(f, value, "a number") from None
            if not math.isfinite(number):
                raise _not_a_number(f, value, "a finite number")
        _bounds(f, number)
        if abs(number) > LARGEST:
            raise CellError(f"{_num(number)} is too large", hint=f"{f.label} must be a realistic number", code="range")
        return int(number) if float(number).is_integer() else number

    return convert
