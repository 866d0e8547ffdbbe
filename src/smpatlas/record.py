"""The partnership record: its pydantic model and whole-record checks.

Owns :data:`Partnership` (a pydantic v2 model generated from the codebook: the
canonical, typed form of one record), :func:`normalise` (raw values by field →
canonical record plus every problem found) and the checks that involve more
than one field (end year not before start year, durations, sources). Knows
nothing of files, rows, headers or databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, create_model
from pydantic import Field as PField

from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.normalise import Converter, converters
from smpatlas.problems import CellError

CountryCode = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{3}|[A-Z]{2})$")]
IscoCode = Annotated[str, StringConstraints(pattern=r"^\d{1,4}$")]
DateText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _lit(values: tuple[str, ...]) -> Any:
    return Literal[values]  # type: ignore[valid-type]


def _nested_model(cb: Codebook, kind: str) -> type[BaseModel]:
    spec = cb.nested[kind]
    fields: dict[str, Any] = {}
    for part in spec.parts:
        if part in spec.vocabulary:
            typ: Any = _lit(spec.vocabulary[part])
        elif kind == "outcomes" and part == "value":
            typ = int | float
        elif kind == "actors" and part == "country":
            typ = CountryCode
        elif kind == "sources" and part == "accessed":
            typ = DateText
        else:
            typ = Annotated[str, StringConstraints(min_length=1)]
        if part in spec.required:
            fields[part] = (typ, ...)
        else:
            fields[part] = (typ | None, None)
    return create_model(  # type: ignore[call-overload,no-any-return]
        kind.capitalize()[:-1], __config__=ConfigDict(extra="forbid"), **fields
    )


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


def build_model(cb: Codebook) -> type[BaseModel]:
    """A pydantic model with one attribute per codebook field."""
    fields: dict[str, Any] = {}
    for f in cb.fields:
        ann = _annotation(cb, f)
        fields[f.name] = (ann, PField(description=f.description)) if f.required else (
            ann | None, PField(default=None, description=f.description)
        )
    return create_model(  # type: ignore[call-overload,no-any-return]
        "Partnership",
        __config__=ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False),
        __doc__="One skills mobility partnership in canonical form (generated from the codebook).",
        **fields,
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


@cache
def _converters() -> dict[str, Converter]:
    return converters()


def normalise(raw: dict[str, Any], cb: Codebook | None = None, *, draft: bool = False
              ) -> tuple[dict[str, Any], list[FieldIssue]]:
    """Turn raw values (by field name) into a canonical record.

    Returns the record (missing fields left out) and every problem found; a
    record with problems must not be stored. ``draft=True`` allows missing
    required fields (a design being drafted is not stored).
    """
    cb = cb or default_codebook()
    convs = _converters() if cb is default_codebook() else converters(cb)
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
    failed = {i.field for i in issues}
    issues.extend(i for i in check(record, cb, present=raw.keys())
                  if i.field not in failed and not (draft and i.error.code == "required"))
    if not issues and "codebook_version" not in record:
        record["codebook_version"] = cb.version
    if not issues and not draft:
        issues.extend(_schema_issues(record))
    return record, issues


def check(record: dict[str, Any], cb: Codebook | None = None, present: Any = None) -> list[FieldIssue]:
    """Whole-record rules: required fields and rules across fields."""
    cb = cb or default_codebook()
    issues = []
    for f in cb.fields:
        if f.required and f.name not in record:
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


def warnings(record: dict[str, Any], raw: dict[str, Any] | None = None) -> list[FieldIssue]:
    """Things that do not block storing: a record without sources (cannot be published), and how
    occupation titles were mapped to ISCO-08 codes (the mapping is recorded in the import report)."""
    out = []
    occ = (raw or {}).get("occupations")
    if occ is not None:
        from smpatlas.normalise import split_multi
        from smpatlas.reference import isco

        parts = split_multi(occ, allow_comma=False) if isinstance(occ, str) else split_multi(occ)
        for part in parts:
            if isinstance(part, str) and not part.strip().isdigit():
                mapped = isco.from_title(part)
                if mapped:
                    out.append(FieldIssue("occupations", part, CellError(
                        f"occupation title mapped: {mapped[1]}", code="occupation_mapped")))
    if not record.get("sources"):
        out.append(FieldIssue("sources", None, CellError(
            "no source: the record is stored but cannot be published",
            hint="add at least one source (a URL is enough)", code="no_source")))
    return out


def _schema_issues(record: dict[str, Any]) -> list[FieldIssue]:
    try:
        model().model_validate(record)
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False):
            loc = err.get("loc", ())
            name = str(loc[0]) if loc else None
            out.append(FieldIssue(name, record.get(name) if name else None,
                                  CellError(err["msg"], code="schema")))
        return out
    return []


def is_unspecified(value: Any) -> bool:
    return bool(value == UNSPECIFIED or value == [UNSPECIFIED])
