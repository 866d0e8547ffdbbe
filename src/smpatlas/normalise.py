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

Built on :mod:`smpatlas.celltext` (blank cells, control characters, splitting,
folding, hints) and :mod:`smpatlas.numbercells` (numbers as typed, the ``int``
and ``number`` converters); their names callers use are importable from here
too, and neither imports this module.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from smpatlas.celltext import CONTROL as CONTROL
from smpatlas.celltext import INVISIBLE as INVISIBLE
from smpatlas.celltext import Converter as Converter
from smpatlas.celltext import fold_value as fold_value
from smpatlas.celltext import has_control as has_control
from smpatlas.celltext import is_blank as is_blank
from smpatlas.celltext import shows_nothing as shows_nothing
from smpatlas.celltext import split_multi as split_multi
from smpatlas.celltext import split_values as split_values
from smpatlas.celltext import suggest as suggest
from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.numbercells import LARGEST as LARGEST
from smpatlas.numbercells import _int, _number
from smpatlas.numbercells import dot_thousands as dot_thousands
from smpatlas.numbercells import example as example
from smpatlas.numbercells import mistyped_number as mistyped_number
from smpatlas.numbercells import number_text as number_text
from smpatlas.problems import CellError

#: Yes and no as people and spreadsheets write them, Excel's TRUE/FALSE in the languages its CSV exports use
#: (German, French, Dutch, Italian, Spanish, Portuguese) included; compared in lower case.
TRUE_WORDS = frozenset({"yes", "true", "1", "y", "t", "wahr", "vrai", "waar", "vero", "verdadero", "verdadeiro"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", "f", "falsch", "faux", "onwaar", "falso"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISCO = re.compile(r"^\d{1,4}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Per field: distinct text cells remembered (repeated cells hit, memory stays bounded).
MEMO_LIMIT = 50_000
#: Field kinds with few distinct values, worth remembering conversions for.
MEMO_KINDS = frozenset({"enum", "set", "countries", "isco", "bool", "tristate", "int", "number", "date"})


def _vocab_hint(value: str, vocab: tuple[str, ...]) -> str:
    guess = suggest(value, vocab)
    allowed = "allowed: " + ", ".join(vocab)
    return f"{guess} {allowed}" if guess else allowed


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
