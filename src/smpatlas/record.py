"""The partnership record: its pydantic model and whole-record checks.

Owns :data:`Partnership` (a pydantic v2 model generated from the codebook: the
canonical, typed form of one record), :func:`normalise` (raw values by field →
canonical record plus every problem found) and the checks that involve more
than one field (end year not before start year, durations, sources). Knows
nothing of files, rows, headers or databases.

Speed (an import normalises every row): with the shipped codebook each field
is validated on its own against the model's definition of that field, which
gives the same problems, in the same order, as validating the whole record.
Fields with few distinct values remember, per distinct cell, the canonical
value (or the problem) and whether the model accepts it, so pydantic sees each
distinct cell once (up to :data:`~smpatlas.normalise.MEMO_LIMIT` cells a
field); nested fields remember their item lines the same way. Text, ids and
nested items pass a quick test that passes only values the model accepts;
pydantic looks at whatever it does not pass. Remembered lists and items are
copied on the way out, remembered problems raised as fresh copies.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, create_model
from pydantic import Field as PField

from smpatlas.codebook import NESTED_KINDS, UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.normalise import (
    MEMO_KINDS,
    MEMO_LIMIT,
    Converter,
    again,
    converters,
    dot_thousands,
    shows_nothing,
    split_multi,
)
from smpatlas.problems import SURROGATE, CellError

CountryCode = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{3}|[A-Z]{2})$")]
IscoCode = Annotated[str, StringConstraints(pattern=r"^\d{1,4}$")]
DateText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


Quick = Callable[[Any], bool]
"""A quick test of a canonical value: True only for values the model surely accepts (False: ask pydantic)."""

_ASCII_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ASCII_COUNTRY = re.compile(r"[A-Z]{3}|[A-Z]{2}")
_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONFIG = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)


def _text_quick(longest: int | None) -> Quick:
    """Quick test of text: a str of 1 to ``longest`` characters that pydantic can read (no lone surrogates)."""
    limit = sys.maxsize if longest is None else longest

    def quick(value: Any) -> bool:
        return (type(value) is str and 0 < len(value) <= limit
                and (value.isascii() or (SURROGATE.search(value) is None and not shows_nothing(value))))

    return quick


def _lit(values: tuple[str, ...]) -> Any:
    return Literal[values]  # type: ignore[valid-type]


def _part(cb: Codebook, kind: str, part: str) -> tuple[Any, Quick]:
    """The type of one part of a nested item, and its quick test (keep the two in step)."""
    spec = cb.nested[kind]
    if part in spec.vocabulary:
        vocab = frozenset(spec.vocabulary[part])
        return _lit(spec.vocabulary[part]), lambda v: type(v) is str and v in vocab
    if kind == "outcomes" and part == "value":
        return int | float, lambda v: type(v) is int or type(v) is float
    if kind == "actors" and part == "country":
        return CountryCode, lambda v: type(v) is str and _ASCII_COUNTRY.fullmatch(v) is not None
    if kind == "sources" and part == "accessed":
        return DateText, lambda v: type(v) is str and _ASCII_DATE.fullmatch(v) is not None
    limit = spec.max_length.get(part)
    return Annotated[str, StringConstraints(min_length=1, max_length=limit)], _text_quick(limit)


def _nested_model(cb: Codebook, kind: str) -> type[BaseModel]:
    spec = cb.nested[kind]
    fields: dict[str, Any] = {}
    for part in spec.parts:
        typ, _ = _part(cb, kind, part)
        if part in spec.required:
            fields[part] = (typ, ...)
        else:
            fields[part] = (typ | None, None)
    return create_model(  # type: ignore[call-overload,no-any-return]
        kind.capitalize()[:-1], __config__=ConfigDict(extra="forbid"), **fields
    )


def _item_quick(cb: Codebook, kind: str) -> Quick:
    """Quick test of one nested item: a dict whose parts all pass, with the parts it needs."""
    spec = cb.nested[kind]
    tests = {part: _part(cb, kind, part)[1] for part in spec.parts}
    required = frozenset(spec.required)

    def passes(item: Any) -> bool:
        if type(item) is not dict:
            return False
        for key, value in item.items():
            quick = tests.get(key)
            if quick is None or not quick(value):
                return False
        return item.keys() >= required

    return passes


def _nested_quick(cb: Codebook, kind: str) -> Quick:
    """Quick test of a list of nested items: a non-empty list of items that pass."""
    item_ok = _item_quick(cb, kind)
    return lambda v: type(v) is list and len(v) > 0 and all(map(item_ok, v))


def _annotation(cb: Codebook, f: Field) -> Any:
    if f.kind == "slug":
        return Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=f.max_length)]
    if f.kind == "text":
        return Annotated[str, StringConstraints(min_length=1, max_length=f.max_length)]
    if f.kind == "enum":
        return _lit(f.vocabulary)
    if f.kind == "set":
        return Annotated[list[_lit(f.vocabulary)], PField(min_length=1)]  # type: ignore[misc]
    if f.kind == "countries":
        return Annotated[list[CountryCode], PField(min_length=1)]
    if f.kind == "isco":
        return Annotated[list[IscoCode], PField(min_length=1)]
    if f.kind == "bool":
        return bool
    if f.kind == "tristate":
        return bool | Literal["unspecified"]
    if f.kind == "int":
        return Annotated[int, PField(ge=f.min, le=f.max)]
    if f.kind == "number":
        return Annotated[int | float, PField(ge=f.min, le=f.max)]
    if f.kind == "date":
        return DateText
    return Annotated[list[_nested_model(cb, f.kind)], PField(min_length=1)]  # type: ignore[misc]


def _never(value: Any) -> bool:
    return False


def _quick(cb: Codebook, f: Field) -> Quick:
    """The quick test of a field's canonical value (keep in step with :func:`_annotation`). Fields with
    few distinct values have none (it always says "ask pydantic"): pydantic sees each distinct cell once."""
    if f.kind == "slug":
        longest = f.max_length
        return lambda v: (type(v) is str and (longest is None or len(v) <= longest)
                          and _ASCII_SLUG.fullmatch(v) is not None)
    if f.kind == "text":
        return _text_quick(f.max_length)
    if f.kind in NESTED_KINDS:
        return _nested_quick(cb, f.kind)
    return _never


def _definition(cb: Codebook, f: Field) -> tuple[Any, Any]:
    ann = _annotation(cb, f)
    if f.required:
        return ann, PField(description=f.description)
    return ann | None, PField(default=None, description=f.description)


def build_model(cb: Codebook) -> type[BaseModel]:
    """A pydantic model with one attribute per codebook field."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        "Partnership",
        __config__=_CONFIG,
        __doc__="One skills mobility partnership in canonical form (generated from the codebook).",
        **{f.name: _definition(cb, f) for f in cb.fields},
    )


@cache
def model() -> type[BaseModel]:
    """The pydantic model of the shipped codebook."""
    return build_model(default_codebook())


@dataclass(slots=True)
class FieldIssue:
    """A problem with one field of one record (located later by the caller)."""

    field: str | None
    value: Any
    error: CellError


@dataclass(slots=True, frozen=True)
class _Odd:
    """A remembered conversion that is not simply a valid value: a problem, or a value pydantic must see."""

    value: Any
    error: CellError | None


_NOT_SEEN = _Odd(None, None)
Memo = dict[Any, Any]  # cell → canonical value (None: blank; a tuple for a list) or _Odd


@dataclass(slots=True)
class _Plans:
    """How :func:`normalise` reads each field of the shipped codebook."""

    index: dict[str, int]  # position in the codebook (= in the model: the order of schema problems)
    #: Fields with few distinct values: converter, and what each cell (text, or (type, value) for
    #: int/bool/float cells) became (a list as a tuple), up to MEMO_LIMIT cells.
    remembered: dict[str, tuple[Converter, Memo]]
    #: Other fields: a reader (a converter that may return an _Odd: a value pydantic must see) and the
    #: quick test of what it returns (None: the reader tested it).
    tested: dict[str, tuple[Converter, Quick | None]]


#: Nested fields: item lines remembered per field (at most this many, each at most LINE_MEMO_CHARS long).
LINE_MEMO_LIMIT = 5_000
LINE_MEMO_CHARS = 300


def _nested_reader(cb: Codebook, f: Field, convert: Converter) -> Converter:
    """Read a nested field: text cells line by line, remembering what each item line became (the
    item and whether it passed its quick test, or the problem); anything else with ``convert``."""
    from smpatlas.cells import item_lines, lines_error, read_line

    kind = f.kind
    item_ok = _item_quick(cb, kind)
    quick = _nested_quick(cb, kind)
    memo: dict[str, tuple[dict[str, Any], bool] | CellError] = {}

    def read(value: Any) -> Any:
        lines = item_lines(value, kind) if type(value) is str else None
        if lines is None:
            out = convert(value)
            return out if out is None or quick(out) else _Odd(out, None)
        items = []
        sure = True
        errors: list[tuple[int, CellError]] = []
        for i, line in enumerate(lines, 1):
            hit = memo.get(line)
            if hit is None:
                try:
                    item = read_line(kind, line)
                    hit = (item, item_ok(item))
                except CellError as exc:
                    hit = exc
                if len(memo) < LINE_MEMO_LIMIT and len(line) <= LINE_MEMO_CHARS:
                    memo[line] = hit
            if isinstance(hit, CellError):
                errors.append((i, again(hit)))
                continue
            items.append(hit[0].copy())  # the remembered item stays as it was
            if not hit[1]:
                sure = False
        if errors:
            raise lines_error(errors, len(lines))
        if not items:
            return None
        return items if sure else _Odd(items, None)

    return read


@cache
def _plans() -> _Plans:
    cb = default_codebook()
    convs = converters(cb, memo=False)
    remembered: dict[str, tuple[Converter, Memo]] = {}
    tested: dict[str, tuple[Converter, Quick | None]] = {}
    for f in cb.fields:
        if f.kind in MEMO_KINDS:
            remembered[f.name] = (convs[f.name], {})
        elif f.kind in NESTED_KINDS:
            tested[f.name] = (_nested_reader(cb, f, convs[f.name]), None)
        else:
            tested[f.name] = (convs[f.name], _quick(cb, f))
    return _Plans({f.name: i for i, f in enumerate(cb.fields)}, remembered, tested)


@cache
def _field_models() -> dict[str, type[BaseModel]]:
    """Per field of the shipped codebook: a model of that field alone, defined exactly as in :func:`model`."""
    cb = default_codebook()
    return {f.name: create_model("Partnership", __config__=_CONFIG, **{f.name: _definition(cb, f)})  # type: ignore[call-overload]
            for f in cb.fields}


@cache
def _version_valid() -> bool:
    return not _field_issues("codebook_version", default_codebook().version)


def _memo_key(value: Any) -> Any:
    """What a cell is remembered by: text as is; int, bool and float cells with their type (1, 1.0 and
    True convert differently; float.hex tells -0.0 from 0.0); None for anything else (not remembered)."""
    t = type(value)
    if t is str:
        return value
    if t is int or t is bool:
        return (t, value)
    if t is float:
        return (t, value.hex())
    return None


def _remember(name: str, value: Any, convert: Converter, memo: Memo) -> Any:
    """What ``value`` of a field with few distinct values becomes (remembered when it can be)."""
    key = _memo_key(value)
    hit = _NOT_SEEN if key is None else memo.get(key, _NOT_SEEN)
    if hit is _NOT_SEEN:
        try:
            hit = convert(value)
        except CellError as exc:
            hit = _Odd(None, exc)
        else:
            unsure = hit is not None and (key is None or bool(_field_issues(name, hit)))
            if type(hit) is list:
                hit = tuple(hit)  # immutable, and of no concern to the garbage collector
            if unsure:
                hit = _Odd(hit, None)  # pydantic looks at it again when the record is otherwise clean
        if key is not None and len(memo) < MEMO_LIMIT:
            memo[key] = hit
    return hit


def normalise(raw: dict[str, Any], cb: Codebook | None = None, *, draft: bool = False
              ) -> tuple[dict[str, Any], list[FieldIssue]]:
    """Turn raw values (by field name) into a canonical record.

    Returns the record (missing fields left out) and every problem found; a
    record with problems must not be stored. ``draft=True`` allows missing
    required fields (a design being drafted is not stored).
    """
    cb = cb or default_codebook()
    if cb is not default_codebook():
        return _normalise_whole(raw, cb, draft=draft)
    plans = _plans()
    remembered, tested = plans.remembered, plans.tested
    record: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    unsure: list[str] = []  # fields whose value pydantic must look at
    for name, value in raw.items():
        pair = remembered.get(name)
        if pair is not None:
            out = pair[1].get(value, _NOT_SEEN) if type(value) is str else _NOT_SEEN
            if out.__class__ is _Odd:
                if out is _NOT_SEEN:
                    out = _remember(name, value, *pair)
                if out.__class__ is _Odd:
                    if out.error is not None:
                        issues.append(FieldIssue(name, value, again(out.error)))
                        continue
                    unsure.append(name)
                    out = out.value
            if out is not None:
                record[name] = list(out) if out.__class__ is tuple else out  # lists are remembered as tuples
            continue
        test = tested.get(name)
        if test is None:
            issues.append(FieldIssue(name, value, CellError(f"unknown field {name!r}", code="unknown_field")))
            continue
        read, quick = test
        try:
            out = read(value)
        except CellError as exc:
            issues.append(FieldIssue(name, value, exc))
            continue
        if out is not None:
            if out.__class__ is _Odd:
                unsure.append(name)
                out = out.value
            elif quick is not None and not quick(out):
                unsure.append(name)
            record[name] = out
    if _whole_record_checks(record, issues, raw, cb, draft) and not _version_valid():
        unsure.append("codebook_version")
    if not issues and not draft and unsure:
        index = plans.index
        for name in sorted(unsure, key=index.__getitem__):
            issues.extend(_field_issues(name, record[name]))
    return record, issues


def _whole_record_checks(record: dict[str, Any], issues: list[FieldIssue], raw: dict[str, Any], cb: Codebook,
                         draft: bool) -> bool:
    """Add the cross-field problems of :func:`check` (not for fields that already failed; a draft may lack
    required fields) and, when all is well, stamp ``codebook_version``; True when it was stamped."""
    failed = {i.field for i in issues}
    issues.extend(i for i in check(record, cb, present=raw.keys())
                  if i.field not in failed and not (draft and i.error.code == "required"))
    if not issues and "codebook_version" not in record:
        record["codebook_version"] = cb.version
        return True
    return False


def _normalise_whole(raw: dict[str, Any], cb: Codebook, *, draft: bool = False
                     ) -> tuple[dict[str, Any], list[FieldIssue]]:
    """:func:`normalise` for any codebook: fresh converters, and the whole record validated at once
    against the shipped model. (Also the reference the tests hold the fast way to.)"""
    convs = converters(cb)
    record: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    for name, value in raw.items():
        conv = convs.get(name)
        if conv is None:
            issues.append(FieldIssue(name, value, CellError(f"unknown field {name!r}", code="unknown_field")))
            continue
        try:
            out = conv(value)
        except CellError as exc:
            issues.append(FieldIssue(name, value, exc))
            continue
        if out is not None:
            record[name] = out
    _whole_record_checks(record, issues, raw, cb, draft)
    if not issues and not draft:
        issues.extend(_schema_issues(record))
    return record, issues


@cache
def _required_default() -> tuple[tuple[Field, ...], frozenset[str]]:
    required = tuple(f for f in default_codebook().fields if f.required)
    return required, frozenset(f.name for f in required)


def check(record: dict[str, Any], cb: Codebook | None = None, present: Any = None) -> list[FieldIssue]:
    """Whole-record rules: required fields and rules across fields."""
    cb = cb or default_codebook()
    if cb is default_codebook():
        required, names = _required_default()
        if record.keys() >= names:
            required = ()
    else:
        required = tuple(f for f in cb.fields if f.required)
    issues = []
    for f in required:
        if f.name not in record:
            already = present is not None and f.name in present and record.get(f.name) is None
            issues.append(FieldIssue(
                f.name, None,
                CellError(
                    f"{f.label} is required but empty" if already else f"{f.label} is required",
                    hint=f"every partnership needs {f.name!r}", code="required",
                ),
            ))
    start, end = record.get("start_year"), record.get("end_year")
    if isinstance(start, int) and isinstance(end, int) and end < start:
        issues.append(FieldIssue("end_year", end, CellError(
            f"end year {end} is before start year {start}",
            hint="leave end_year empty for ongoing or open-ended partnerships", code="end_before_start")))
    lo, hi = record.get("duration_months_min"), record.get("duration_months_max")
    if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
        issues.append(FieldIssue("duration_months_max", hi, CellError(
            f"maximum duration {hi} is below the minimum {lo}", hint="swap them?", code="max_below_min")))
    return issues


_MAPPED: dict[str, tuple[tuple[str, str], ...]] = {}  # occupations cell → (title, how it was mapped)


def _mapped_titles(occ: Any) -> tuple[tuple[str, str], ...]:
    """The occupation titles in a cell that map to ISCO-08 codes, with how each was mapped."""
    remember = type(occ) is str
    if remember and occ in _MAPPED:
        return _MAPPED[occ]
    from smpatlas.reference import isco

    out = []
    parts = split_multi(occ, allow_comma=False) if isinstance(occ, str) else split_multi(occ)
    for part in parts:
        if isinstance(part, str) and not part.strip().isdigit():
            mapped = isco.from_title(part)
            if mapped:
                out.append((part, mapped[1]))
    found = tuple(out)
    if remember and len(_MAPPED) < MEMO_LIMIT:
        _MAPPED[occ] = found
    return found


def warnings(record: dict[str, Any], raw: dict[str, Any] | None = None) -> list[FieldIssue]:
    """Things that do not block storing: a record without sources (cannot be published), and how
    occupation titles were mapped to ISCO-08 codes (the mapping is recorded in the import report)."""
    out = []
    occ = (raw or {}).get("occupations")
    if occ is not None:
        for part, how in _mapped_titles(occ):
            out.append(FieldIssue("occupations", part, CellError(
                f"occupation title mapped: {how}", code="occupation_mapped")))
    if not record.get("sources"):
        out.append(FieldIssue("sources", None, CellError(
            "no source: the record is stored but cannot be published",
            hint="add at least one source (a URL is enough)", code="no_source")))
    for name in _NUMBER_FIELDS:
        whole = dot_thousands((raw or {}).get(name))
        if whole is not None and name in record:
            out.append(FieldIssue(name, (raw or {})[name], CellError(
                f"read as {record[name]:g}; if a dot between thousands was meant, that is {int(whole):,}",
                hint=f"write {whole} for {int(whole):,}", code="dot_thousands")))
    return out


_NUMBER_FIELDS = tuple(f.name for f in default_codebook().fields if f.kind in ("number", "int"))


def _issues(exc: ValidationError, record: dict[str, Any]) -> list[FieldIssue]:
    out = []
    for err in exc.errors(include_url=False):
        loc = err.get("loc", ())
        name = str(loc[0]) if loc else None
        out.append(FieldIssue(name, record.get(name) if name else None, CellError(err["msg"], code="schema")))
    return out


def _schema_issues(record: dict[str, Any]) -> list[FieldIssue]:
    """What the model says about a whole record."""
    try:
        model().model_validate(record)
    except ValidationError as exc:
        return _issues(exc, record)
    return []


def _field_issues(name: str, value: Any) -> list[FieldIssue]:
    """What the model says about one field's value (the same as about a record holding it)."""
    data = {name: value}
    try:
        _field_models()[name].model_validate(data)
    except ValidationError as exc:
        return _issues(exc, data)
    return []


def is_unspecified(value: Any) -> bool:
    return bool(value == UNSPECIFIED or value == [UNSPECIFIED])
