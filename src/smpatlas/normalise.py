"""Normalisation: turning what people type into canonical field values.

Owns one converter per codebook field, built once from the codebook: booleans
from yes/no/true/false/1/0, vocabulary values case- and space-insensitive,
multi-values split on ``;`` (or ``,``; in vocabulary cells both, mixed), countries via :mod:`smpatlas.countries`,
ISCO-08 codes checked for shape, nested items via :mod:`smpatlas.cells`.
A converter returns the canonical value (``None`` for missing) or raises
:class:`~smpatlas.problems.CellError` with a hint. Converters of fields with
few distinct values (vocabularies, countries, ISCO codes, yes/no, numbers,
dates) remember what they returned for each text cell, up to a bound per
field. Knows nothing of files, rows or databases.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.problems import CellError

Converter = Callable[[Any], Any]

TRUE_WORDS = frozenset({"yes", "true", "1", "y", "t"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", "f"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISCO = re.compile(r"^\d{1,4}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOKEN = re.compile(r"[\s\-]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # CONTROL's ASCII characters
#: Per field: distinct text cells remembered (repeated cells hit, memory stays bounded).
MEMO_LIMIT = 50_000
#: Field kinds with few distinct values, worth remembering conversions for.
MEMO_KINDS = frozenset({"enum", "set", "countries", "isco", "bool", "tristate", "int", "number", "date"})


#: Text that shows nothing: spaces and the invisible format characters (zero-width space and joiners, word
#: joiner, byte order mark, soft hyphen). A required field holding only these is empty.
INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]*")


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has no visible character (:data:`INVISIBLE`)."""
    return INVISIBLE.fullmatch(text) is not None


def has_control(text: str) -> bool:
    """Whether :data:`CONTROL` finds a character in ``text`` (ASCII text, the usual case, is checked
    a few times faster than the regex does it)."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _CONTROL_BYTES)) != len(data)
    return CONTROL.search(text) is not None


def fold_value(text: str) -> str:
    """Vocabulary folding: strip, lower case, runs of spaces and ``-`` → ``_``."""
    return _TOKEN.sub("_", text.strip().lower())


def suggest(value: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """A "did you mean" hint, or None."""
    folded = fold_value(value)
    starts = [c for c in choices if c.startswith(folded) and folded]
    if len(starts) == 1:
        return f"did you mean {starts[0]!r}?"
    close = difflib.get_close_matches(folded, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return None


def _vocab_hint(value: str, vocab: tuple[str, ...]) -> str:
    guess = suggest(value, vocab)
    allowed = "allowed: " + ", ".join(vocab)
    return f"{guess} {allowed}" if guess else allowed


def is_blank(value: Any) -> bool:
    """Whether ``value`` means "not given": None, blank text, an empty list or object.

    A NaN is not blank: no reader makes one from an empty cell, so it was typed (JSON's ``NaN``) and is
    refused as a number ("expected a finite number"), never taken to mean "clear this field".
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, dict)):
        return not value
    return False


def split_multi(value: Any, *, allow_comma: bool = True) -> list[Any]:
    """Split a multi-value cell: ``;`` always; ``,`` too when allowed.

    Lists (from JSON) pass through. Newlines separate values as well.
    """
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if not is_blank(v)]
    if not isinstance(value, str):
        return [value]
    text = value.replace("\n", ";")
    if ";" in text or not allow_comma:
        parts = text.split(";")
    else:
        parts = text.split(",")
    return [p.strip() for p in parts if p.strip()]


def split_values(value: Any) -> list[Any]:
    """Split a vocabulary cell: ``;``, ``,`` and newlines all separate values (no value holds a comma), so
    ``Long-term; circular, short term`` is three values."""
    if isinstance(value, str):
        return split_multi(value.replace(",", ";"))
    return split_multi(value)


_UNSEEN = object()


def again(error: CellError) -> CellError:
    """A fresh copy of a remembered error (raising one object again and again grows its traceback)."""
    return CellError(error.message, hint=error.hint, code=error.code)


def _memo(fn: Converter, limit: int = MEMO_LIMIT) -> Converter:
    """Remember conversions of text cells (cells repeat a lot); lists are copied on the way out."""
    memo: dict[str, Any] = {}

    def remembered(value: Any) -> Any:
        if type(value) is not str:
            return fn(value)
        hit = memo.get(value, _UNSEEN)
        if hit is _UNSEEN:
            try:
                hit = fn(value)
            except CellError as exc:
                hit = exc
            if len(memo) < limit:
                memo[value] = hit
        if isinstance(hit, CellError):
            raise again(hit)
        return hit[:] if type(hit) is list else hit

    return remembered


def _text(f: Field) -> Converter:
    limit = f.max_length

    def convert(value: Any) -> Any:
        if type(value) is str:  # the usual case, quickly
            text = value.strip()
            if not text or (not text.isascii() and shows_nothing(text)):
                return None
        else:
            if is_blank(value):
                return None
            if isinstance(value, (dict, list)):
                raise CellError("expected text, got a structure", hint="write plain text", code="type")
            if isinstance(value, bool):
                raise CellError("expected text, got a yes/no value", hint="write the text itself", code="type")
            if isinstance(value, float) and not math.isfinite(value):
                raise CellError(f"expected text, got the number {value!r}", hint="write the text itself", code="type")
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        bad = CONTROL.search(text) if has_control(text) else None
        if bad:
            raise CellError(
                f"contains a control character (U+{ord(bad.group()):04X})",
                hint="remove it; only tabs and line breaks are allowed in text",
                code="control_character",
            )
        if limit and len(text) > limit:
            raise CellError(
                f"text too long: {len(text):,} characters, at most {limit:,} allowed",
                hint="shorten it" if f.name == "notes" else "shorten it or move detail to notes",
                code="too_long",
            )
        return text

    return convert


def _slug(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is str:
            text = value.strip()
            if not text:
                return None
        elif is_blank(value):
            return None
        else:
            text = str(value).strip()
        if not SLUG.match(text) or (f.max_length and len(text) > f.max_length):
            candidate = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[: f.max_length or 80]
            raise CellError(
                "not a valid id: use lower-case letters, digits and single hyphens",
                hint=f"for example {candidate!r}" if candidate else "for example 'de-ph-triple-win'",
                code="bad_id",
            )
        return text

    return convert


def _enum(f: Field) -> Converter:
    vocab = f.vocabulary
    table = {fold_value(v): v for v in vocab}

    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        if not isinstance(value, str):
            raise CellError("expected one value from the vocabulary", hint=_vocab_hint(str(value), vocab), code="type")
        hit = table.get(fold_value(value))
        if hit is None:
            parts = split_values(value)
            if len(parts) > 1:
                raise CellError(f"{f.name} takes one value, not several", hint=_vocab_hint(value, vocab),
                                code="several_values")
            raise CellError(f"unknown value {value.strip()!r} for {f.name}", hint=_vocab_hint(value, vocab),
                            code="unknown_value")
        return hit

    return convert


def _check_exclusive(f: Field, values: list[str]) -> None:
    if len(values) > 1:
        for ex in f.exclusive:
            if ex in values:
                raise CellError(
                    f"{ex!r} cannot be combined with other values",
                    hint=f"keep either {ex!r} alone or the other values",
                    code="exclusive",
                )


def _set(f: Field) -> Converter:
    vocab = f.vocabulary
    table = {fold_value(v): v for v in vocab}
    order = {v: i for i, v in enumerate(vocab)}

    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        out: set[str] = set()
        for part in split_values(value):
            if not isinstance(part, str):
                raise CellError("expected vocabulary values", hint=_vocab_hint(str(part), vocab), code="type")
            hit = table.get(fold_value(part))
            if hit is None:
                raise CellError(
                    f"unknown value {part!r} for {f.name}", hint=_vocab_hint(part, vocab), code="unknown_value"
                )
            out.add(hit)
        if not out:
            return None
        values = sorted(out, key=order.__getitem__)
        _check_exclusive(f, values)
        return values

    return convert


def _countries(f: Field) -> Converter:
    from smpatlas.countries import lookup

    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        parts = split_multi(value)
        if isinstance(value, str) and "," in value:
            # "Korea, Republic of" and "Taiwan, China" are one country each: a comma separates
            # countries only where the parts around it are not one name together.
            parts = [name for piece in split_multi(value, allow_comma=False)
                     for name in _join_names(split_multi(piece), lookup)]
        out = set()
        for part in parts:
            if not isinstance(part, str):
                raise CellError("expected country codes or names", code="type")
            try:
                out.add(lookup(part))
            except CellError as exc:
                raise CellError(f"{exc.message}: {part!r}", hint=exc.hint, code=exc.code) from None
        return sorted(out) or None

    return convert


def _join_names(parts: list[str], lookup: Callable[[str], str]) -> list[str]:
    """Comma-separated parts, with each longest run that is one country name put back together."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i + 1, -1):
            name = ", ".join(parts[i:j])
            try:
                lookup(name)
            except CellError:
                continue
            out.append(name)
            i = j
            break
        else:
            out.append(parts[i])
            i += 1
    return out


def isco_code(part: Any) -> str:
    """One ISCO-08 code as a string of 1–4 digits (shape only)."""
    if isinstance(part, bool):
        raise CellError("not an ISCO-08 code", hint="ISCO-08 codes have 1 to 4 digits, e.g. 2221", code="bad_isco")
    if isinstance(part, float) and part.is_integer():
        part = int(part)
    text = str(part).strip()
    if not ISCO.match(text):
        raise CellError(
            f"not an ISCO-08 code: {text!r}",
            hint="ISCO-08 codes have 1 to 4 digits, e.g. 2221 (nurses) or 25 (ICT professionals)",
            code="bad_isco",
        )
    return text


def isco_valid(part: Any) -> str:
    """One ISCO-08 code that exists in the classification, or an ESCO occupation title mapped to one."""
    from smpatlas.reference import isco

    if isinstance(part, str) and not part.strip().isdigit():
        mapped = isco.from_title(part)
        if mapped is None:
            hits = isco.search(part, limit=3)
            hint = ("did you mean " + "; ".join(f"{m.code} ({m.title})" for m in hits) + "?" if hits else
                    "use an ISCO-08 code such as 2221, or an ESCO occupation title; see 'smpatlas isco search'")
            raise CellError(f"not an ISCO-08 code or ESCO occupation title: {part.strip()!r}", hint=hint,
                            code="bad_isco")
        return mapped[0]
    code = isco_code(part)
    if not isco.exists(code):
        if len(code) < 4 and isco.exists("0" + code):  # 0110 → 110 in a number cell
            raise CellError(f"{code} is not in ISCO-08", code="bad_isco", hint=(
                f"Excel may have dropped a leading zero: did you mean 0{code} ({isco.title('0' + code)})? "
                f"Format the column as text and write 0{code}"))
        near = isco.suggest(code)
        raise CellError(f"{code} is not in ISCO-08", hint=f"nearest existing group: {near}" if near else
                        "see 'smpatlas isco search'", code="bad_isco")
    return code


def _isco(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        codes = {isco_valid(p) for p in split_multi(value, allow_comma=not (isinstance(value, str) and
                                                                           not value.replace(",", "").replace(";", "")
                                                                           .replace(" ", "").isdigit()))}
        return sorted(codes) or None

    return convert


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CellError("expected yes or no", hint="write yes/no, true/false or 1/0", code="bad_bool")


def _bool(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        return parse_bool(value)

    return convert


def _tristate(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        if isinstance(value, str) and fold_value(value) == UNSPECIFIED:
            return UNSPECIFIED
        try:
            return parse_bool(value)
        except CellError:
            raise CellError(
                "expected yes, no or unspecified", hint="write yes/no, true/false, 1/0 or unspecified", code="bad_bool"
            ) from None

    return convert


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
        if isinstance(value, (bool, dt.date, dt.time)):
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
        if isinstance(value, (bool, dt.date, dt.time)):
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


def parse_date(value: Any) -> str:
    if type(value) is str:
        text = value.strip()
    elif isinstance(value, dt.datetime):
        return value.date().isoformat()
    elif isinstance(value, dt.date):
        return value.isoformat()
    else:
        text = str(value).strip()
    if DATE.match(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    elif text[:10] and DATE.match(text[:10]) and text[10:11] in ("T", " "):
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    raise CellError("not a date", hint="write dates as YYYY-MM-DD, e.g. 2026-11-27", code="bad_date")


def _date(f: Field) -> Converter:
    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        return parse_date(value)

    return convert


def _nested(f: Field) -> Converter:
    from smpatlas.cells import parse_nested

    def convert(value: Any) -> Any:
        if is_blank(value):
            return None
        return parse_nested(f.kind, value) or None

    return convert


_BUILDERS: dict[str, Callable[[Field], Converter]] = {
    "text": _text,
    "slug": _slug,
    "enum": _enum,
    "set": _set,
    "countries": _countries,
    "isco": _isco,
    "bool": _bool,
    "tristate": _tristate,
    "int": _int,
    "number": _number,
    "date": _date,
    "actors": _nested,
    "sources": _nested,
    "outcomes": _nested,
}


def converters(cb: Codebook | None = None, *, memo: bool = True) -> dict[str, Converter]:
    """One converter per field of the codebook.

    ``memo=False`` gives converters that remember nothing (for callers that
    keep their own memory of conversions, like :func:`smpatlas.record.normalise`).
    """
    cb = cb or default_codebook()
    out = {}
    for f in cb.fields:
        conv = _BUILDERS[f.kind](f)
        out[f.name] = _memo(conv) if memo and f.kind in MEMO_KINDS else conv
    return out
