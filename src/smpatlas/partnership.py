"""The partnership model: the pydantic form of a record, and what it says about values.

Owns :func:`model` (a pydantic v2 model, ``Partnership``, generated from the
codebook: the canonical, typed form of one record) and :func:`build_model`,
the per-field models that judge one field's value exactly as the whole model
would (:func:`_field_issues`), the quick tests that pass only canonical values
the model accepts (kept in step with the model's types), and
:class:`FieldIssue`, a problem with one field of one record. Converts nothing
and remembers nothing: turning raw values into a record, and the rules across
fields, are :mod:`smpatlas.record`'s; this module must not import it. Knows
nothing of files, rows, headers or databases.
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

from smpatlas.celltext import shows_nothing
from smpatlas.codebook import NESTED_KINDS, Codebook, Field
from smpatlas.codebook import default as default_codebook
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


@cache
def _field_models() -> dict[str, type[BaseModel]]:
    """Per field of the shipped codebook: a model of that field alone, defined exactly as in :func:`model`."""
    cb = default_codebook()
    return {f.name: create_model("Partnership", __config__=_CONFIG, **{f.name: _definition(cb, f)})  # type: ignore[call-overload]
            for f in cb.fields}


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
