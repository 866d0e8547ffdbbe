"""Codebook-driven forms: the edit and what-if forms are built from the codebook, never by hand.

Owns :func:`sections` (every field of the chosen sections as a widget
description: vocabularies as checkboxes or selects, countries as a searchable
checkbox list, nested lists as cell-syntax text; the submitted value and the
validation message next to it; the codebook's help, its `code` as ``<code>``),
:func:`changes_from_form` (submitted form → raw values by field, read by the
same converters as spreadsheet cells) and :func:`merge` (a stale form's own
changes laid over the record as it is now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from starlette.datastructures import FormData

from smpatlas.codebook import Field
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import all_codes
from smpatlas.problems import Report
from smpatlas.web.format import form_value, inline_code

#: Sections of the codebook that describe a design (what-if changes these).
DESIGN_SECTIONS = ("labour_market", "mobility", "skills", "integration", "outcomes", "fair_recruitment")
WHATIF_KINDS = frozenset({"enum", "set", "bool", "tristate", "int"})
NESTED_HELP = {
    "actors": "One actor per line: name | role | country, e.g. GIZ | development_agency | DEU",
    "sources": "One source per line: title | URL | accessed date, e.g. Project page | https://… | 2026-11-27",
    "outcomes": "One outcome per line: period | indicator | value | source, e.g. 2023 | departed | 120 | Annual report",
}


@cache
def country_options() -> tuple[tuple[str, str], ...]:
    codes = all_codes()
    return tuple(sorted(((c, n) for c, n in codes.items()), key=lambda cn: cn[1]))


def _widget(f: Field) -> str:
    if f.kind in ("enum", "bool", "tristate"):
        return "select"
    if f.kind == "set":
        return "checkboxes"
    if f.kind == "countries":
        return "countries"
    if f.kind in ("int", "number"):
        return "number"
    if f.kind == "date":
        return "date"
    if f.nested or (f.kind == "text" and (f.max_length is None or f.max_length > 300)):
        return "textarea"
    return "text"


def _options(f: Field) -> list[tuple[str, str]]:
    if f.kind == "countries":
        return [(c, f"{n} ({c})") for c, n in country_options()]
    if f.kind in ("bool", "tristate"):
        return [("true", "yes"), ("false", "no")] + ([("unspecified", "unspecified")] if f.kind == "tristate" else [])
    return [(v, v.replace("_", " ")) for v in f.values()]


def fields_of(section_names: Iterable[str] | None = None, kinds: frozenset[str] | None = None) -> list[Field]:
    cb = default_codebook()
    names = list(section_names) if section_names is not None else list(cb.sections)
    return [f for s in names for f in cb.in_section(s) if kinds is None or f.kind in kinds]


def errors_by_field(report: Report | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in report.errors if report is not None else ():
        key = p.field or ""
        text = p.message + (f" (hint: {p.hint})" if p.hint else "")
        out[key] = f"{out[key]}; {text}" if key in out else text
    return out


def sections(fields: list[Field], values: Mapping[str, Any], errors: Mapping[str, str] | None = None,
             *, readonly: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The form, grouped by codebook section; ``values`` are form values (see :func:`initial`)."""
    cb = default_codebook()
    errors = errors or {}
    out: list[dict[str, Any]] = []
    for key, title in cb.sections.items():
        rows = []
        for f in (x for x in fields if x.section == key):
            value = values.get(f.name, [] if f.kind in ("set", "countries") else "")
            rows.append({
                "f": f, "name": f.name, "id": f"field-{f.name}", "widget": _widget(f), "value": value,
                "options": _options(f) if f.kind in ("enum", "set", "countries", "bool", "tristate") else [],
                "error": errors.get(f.name), "readonly": f.name in readonly,
                "help": inline_code(NESTED_HELP.get(f.kind, f.description)),
                "step": "any" if f.kind == "number" else "1",
            })
        if rows:
            out.append({"key": key, "title": title, "fields": rows})
    return out


def initial(record: Mapping[str, Any], fields: list[Field]) -> dict[str, Any]:
    """Form values from a stored record."""
    return {f.name: form_value(f, record.get(f.name)) for f in fields}


def submitted(form: FormData, fields: list[Field]) -> dict[str, Any]:
    """Form values as submitted (to show them again next to their errors)."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.kind in ("set", "countries"):  # an empty value is the what-if form's "none ticked", not a value
            out[f.name] = [str(v) for v in form.getlist(f.name) if str(v).strip()]
        else:
            v = form.get(f.name)
            out[f.name] = v.strip() if isinstance(v, str) else ""
    return out


def same(f: Field, a: Any, b: Any) -> bool:
    """Whether two form values of ``f`` mean the same (sets in any order, line endings and spacing aside)."""
    if isinstance(a, list) or isinstance(b, list):
        return set(a or ()) == set(b or ())
    x, y = (str(v or "").replace("\r\n", "\n").strip() for v in (a, b))
    if x == y:
        return True
    if f.kind in ("int", "number") and x and y:
        try:
            return float(x) == float(y)
        except ValueError:
            return False
    return False


@dataclass
class Merge:
    """An editor's form merged over changes saved meanwhile (see :func:`merge`)."""

    values: dict[str, Any]  # form values to show: the current record with the editor's changes on top
    mine: list[str] = field(default_factory=list)  # fields the editor changed
    both: list[str] = field(default_factory=list)  # of those, fields also changed meanwhile to something else


def merge(base: Mapping[str, Any] | None, current: Mapping[str, Any], submitted: Mapping[str, Any],
          fields: list[Field]) -> Merge:
    """Three-way merge of a stale form: ``submitted`` form values over the ``current`` record.

    ``base`` is the record as the editor loaded it (``None`` when that is unknown:
    then every field where the editor's value differs from the current one counts
    as changed by both). A field the editor left as loaded takes the current value;
    one the editor changed keeps the editor's value, and lands in ``both`` when
    it was also changed meanwhile to a different value.
    """
    out = Merge(values={})
    for f in fields:
        now = form_value(f, current.get(f.name))
        loaded = form_value(f, base.get(f.name)) if base is not None else None
        mine = submitted.get(f.name, [] if f.kind in ("set", "countries") else "")
        if loaded is not None and same(f, mine, loaded):
            out.values[f.name] = now
            continue
        out.values[f.name] = mine
        if same(f, mine, now):
            if loaded is not None:  # both made the same change: nothing to decide
                out.mine.append(f.name)
            continue
        out.mine.append(f.name)
        if loaded is None or not same(f, loaded, now):
            out.both.append(f.name)
    return out


def changes_from_form(values: Mapping[str, Any], fields: list[Field]) -> dict[str, Any]:
    """Raw changes by field (``None`` = clear), in spreadsheet cell syntax."""
    changes: dict[str, Any] = {}
    for f in fields:
        v = values.get(f.name)
        if isinstance(v, list):
            changes[f.name] = "; ".join(v) if v else None
        else:
            changes[f.name] = v if isinstance(v, str) and v.strip() else None
    return changes
