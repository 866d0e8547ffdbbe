"""The partnership record: raw values made canonical, and whole-record checks.

Owns :func:`normalise` (raw values by field → canonical record plus every
problem found) and the checks that involve more than one field (end year not
before start year, durations, sources). The pydantic model (``Partnership``,
generated from the codebook), its quick tests and :class:`FieldIssue` are
:mod:`smpatlas.partnership`'s, importable from here too. Knows nothing of
files, rows, headers or databases.

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

from dataclasses import dataclass
from functools import cache
from typing import Any

from smpatlas.codebook import NESTED_KINDS, UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.normalise import (
    MEMO_KINDS,
    MEMO_LIMIT,
    Converter,
    again,
    converters,
    dot_thousands,
    split_multi,
)
from smpatlas.partnership import FieldIssue as FieldIssue
from smpatlas.partnership import Quick, _field_issues, _item_quick, _nested_quick, _quick, _schema_issues
from smpatlas.partnership import build_model as build_model
from smpatlas.partnership import model as model
from smpatlas.problems import CellError


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
    for name in _NESTED_FIELDS:
        items = record.get(name)
        if isinstance(items, list) and len(items) > 1:
            issues.extend(_repeated(name, items))
    return issues


_NESTED_FIELDS = tuple(f.name for f in default_codebook().fields if f.nested)


def _repeated(name: str, items: list[Any]) -> list[FieldIssue]:
    """An item given twice (a line copied in a cell, an outcome pasted again): stored twice, a total would count it
    twice. Items that differ in any part (the same period and indicator with another value) are not repeats."""
    from smpatlas.cells import format_nested

    try:
        keys = [frozenset(item.items()) for item in items]
    except (AttributeError, TypeError):  # not a dict of plain values: the item's own checks report it
        return []
    if len(set(keys)) == len(keys):
        return []
    first: dict[Any, int] = {}
    out = []
    for n, (item, key) in enumerate(zip(items, keys, strict=True), 1):
        if key in first:
            kind = default_codebook()[name].kind
            text = format_nested(kind, [item]) if isinstance(item, dict) else str(item)
            out.append(FieldIssue(name, text, CellError(
                f"line {n} repeats line {first[key]} ({text})", hint="delete one of them", code="duplicate_item")))
        else:
            first[key] = n
    return out


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
    """Things that do not block storing: a record without sources (cannot be published), how
    occupation titles were mapped to ISCO-08 codes (the mapping is recorded in the import report), numbers
    that a dot between thousands may have made small, and outcome values that are not whole numbers of
    people (``1.200`` read as 1.2)."""
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
    for n, item in enumerate(record.get("outcomes") or (), 1):
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, float) and not value.is_integer():
            thousands = f"{value * 1000:.0f}" if (value * 1000).is_integer() else None
            out.append(FieldIssue("outcomes", value, CellError(
                f"outcome {n} ({item.get('period')} {item.get('indicator')}): {value:g} is not a whole number, and "
                "outcome indicators count people",
                hint=(f"if a dot between thousands was meant, write {thousands}; " if thousands else "")
                + "otherwise write the number of people", code="fractional_count")))
    return out


_NUMBER_FIELDS = tuple(f.name for f in default_codebook().fields if f.kind in ("number", "int"))


def is_unspecified(value: Any) -> bool:
    return bool(value == UNSPECIFIED or value == [UNSPECIFIED])
