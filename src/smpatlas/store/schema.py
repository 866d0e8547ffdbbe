"""The database schema, derived from the codebook.

Owns the SQLAlchemy tables: ``partnerships`` (one row per record, one column
per codebook field; sets and nested lists as JSON), ``partnership_values``
(one row per value of every multi-valued field, for filters and facets: a
single B-tree keyed by field, value, partnership — ``WITHOUT ROWID`` on
SQLite — so rows are found by value, or by their exact key when the record
is known),
``history`` (every create, update and delete: who, when, field, old → new)
and the conversion between canonical records and rows, including the folded
text (:func:`fold`: no case, no accents) that search and sorting by name use. Portable SQL only
(SQLite and PostgreSQL). Migrations in ``migrations/`` must create exactly
this schema; a test compares them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from smpatlas.codebook import SET_KINDS, Codebook, Field
from smpatlas.codebook import default as default_codebook

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


def _column(f: Field) -> Column[Any]:
    if f.kind == "slug":
        return Column(f.name, String(f.max_length or 80), primary_key=True)
    typ: Any
    if f.kind == "text":
        typ = String(f.max_length) if f.max_length and f.max_length <= 500 else Text()
    elif f.kind in ("enum", "tristate"):
        typ = String(max(len(v) for v in f.values()))
    elif f.kind == "bool":
        typ = Boolean(create_constraint=False)
    elif f.kind == "int":
        typ = Integer()
    elif f.kind == "number":
        typ = Float()
    elif f.kind == "date":
        typ = String(10)
    else:
        typ = JSON()
    return Column(f.name, typ, nullable=not f.required)


def build_metadata(cb: Codebook) -> MetaData:
    md = MetaData(naming_convention=NAMING)
    Table(
        "partnerships",
        md,
        *[_column(f) for f in cb.fields],
        Column("version", Integer, nullable=False),
        Column("search_text", Text, nullable=False),
        # fold(name): sorting by name ignores case and accents ("Émile" with "Emile") on every engine;
        # migration 0007 adds it with an empty default, which every insert overrides
        Column("sort_name", Text, nullable=False, server_default=""),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Index(None, "start_year"),
        Index(None, "status"),
        Index(None, "partnership_type"),
    )
    Table(
        "partnership_values",
        md,
        Column("partnership_id", String(80), nullable=False),
        Column("field", String(64), nullable=False),
        Column("value", String(80), nullable=False),
        # One B-tree (migration 0006): filters look up (field, value), facets scan a field in value
        # order, and a record's rows are deleted by their exact keys (known from the old record).
        # PostgreSQL alone also has ix_partnership_values_partnership_id (see the migration).
        PrimaryKeyConstraint("field", "value", "partnership_id"),
        sqlite_with_rowid=False,
    )
    Table(
        "history",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("partnership_id", String(80), nullable=False),
        Column("version", Integer, nullable=False),
        Column("action", String(10), nullable=False),
        Column("field", String(64)),
        Column("old_value", Text),
        Column("new_value", Text),
        Column("user_name", String(200), nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("context", Text),
        Index(None, "partnership_id", "id"),
    )
    Table(
        "shortages",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("country", String(3), nullable=False),
        Column("isco", String(4), nullable=False),
        Column("year", Integer, nullable=False),
        Column("status", String(20), nullable=False),
        Column("severity", String(40)),
        Column("score", Float),
        Column("source", String(200), nullable=False),
        Column("title", Text),
        Column("note", Text),
        Index(None, "country", "year"),
        Index(None, "isco"),
    )
    Table(
        "country_lists",
        md,
        Column("list_name", String(40), primary_key=True),
        Column("edition", String(20), primary_key=True),
        Column("country", String(3), primary_key=True),
        Column("source", String(300), nullable=False),
        Column("note", Text),
    )
    return md


metadata = build_metadata(default_codebook())
partnerships = metadata.tables["partnerships"]
partnership_values = metadata.tables["partnership_values"]
history = metadata.tables["history"]
shortages = metadata.tables["shortages"]
country_lists = metadata.tables["country_lists"]

_CB = default_codebook()
_TRISTATE = [f.name for f in _CB.fields if f.kind == "tristate"]
_NUMBERS = frozenset(f.name for f in _CB.fields if f.kind == "number")
_SETS = [f.name for f in _CB.fields if f.kind in SET_KINDS]
_CONVERTED = frozenset(_TRISTATE) | _NUMBERS
_SEARCHED = ("name", "acronym", "summary", "notes")


#: Combining marks that :func:`fold` drops: the blocks of accents and vowel points (Latin, Greek, Cyrillic
#: diacritics; Hebrew and Arabic points; their extensions). One small character class: a regex over every
#: combining character is ten times slower, and folding runs for every record imported.
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
                    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """``text`` without case or accents, for search and sorting: "Québec" → "quebec", "Straße" → "strasse".

    Compatibility forms become their plain letters ("ﬁ" → "fi", full-width → ASCII) and accents and vowel
    points (:data:`_MARKS`) are dropped, so a query typed without accents finds the name written with them.
    The same on every engine: done here, in Python, not by the database's ``lower()`` (ASCII-only on SQLite).
    """
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def search_text(record: dict[str, Any]) -> str:
    """The folded text (:func:`fold`) that free-text search looks in."""
    parts = [str(record[k]) for k in _SEARCHED if record.get(k)]
    parts += [a.get("name", "") for a in record.get("actors") or ()]
    return fold("\n".join(parts))


def sort_name(record: dict[str, Any]) -> str:
    """The key that sorting by name uses: the folded name (:func:`fold`)."""
    return fold(str(record.get("name") or ""))


#: The ``partnerships`` columns that :func:`row_values` fills (the codebook's), in its order.
ROW_COLUMNS: tuple[str, ...] = tuple(_CB.names)
_TRISTATE_AT = tuple(ROW_COLUMNS.index(name) for name in _TRISTATE)


def row_values(record: dict[str, Any]) -> list[Any]:
    """A canonical record's codebook columns in :data:`ROW_COLUMNS` order, before type processing.

    Tristates become ``"true"`` / ``"false"``; ``search_text``, ``sort_name`` and the bookkeeping columns are
    not included.
    """
    get = record.get
    vals = [get(name) for name in ROW_COLUMNS]
    for i in _TRISTATE_AT:
        v = vals[i]
        if v is True:
            vals[i] = "true"
        elif v is False:
            vals[i] = "false"
    return vals


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """A canonical record as a ``partnerships`` row (without bookkeeping columns)."""
    row = dict(zip(ROW_COLUMNS, row_values(record), strict=True))
    row["search_text"] = search_text(record)
    row["sort_name"] = sort_name(record)
    return row


def canonical_value(name: str, v: Any) -> Any:
    """A stored (non-JSON) column value as its canonical value: tristates as booleans, whole numbers as ints."""
    if v is None:
        return None
    if name in _TRISTATE:
        return True if v == "true" else False if v == "false" else v
    if name in _NUMBERS and float(v).is_integer():
        return int(v)  # canonical numbers are ints when whole
    return v


def from_row(row: Any) -> dict[str, Any]:
    """A ``partnerships`` row as a canonical record (missing fields left out)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    out: dict[str, Any] = {}
    for name in _CB.names:
        v = m[name]
        if v is None:
            continue
        if name in _CONVERTED:
            v = canonical_value(name, v)
        out[name] = v
    return out


#: The ``partnership_values`` columns, in the order of :func:`value_rows`' tuples.
VALUE_COLUMNS = ("partnership_id", "field", "value")
#: The fields with value rows (sets of codes), in codebook order.
VALUE_FIELDS: tuple[str, ...] = tuple(_SETS)


def value_rows(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The ``partnership_values`` rows of one record, as (partnership_id, field, value)."""
    rid = record["id"]
    get = record.get
    out: list[tuple[str, str, str]] = []
    for name in VALUE_FIELDS:
        vs = get(name)
        if vs:
            out += [(rid, name, v) for v in vs]
    return out


def dumps(value: Any) -> str | None:
    """JSON text of a value for the history table (orjson, keys sorted)."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def _register_account_tables() -> None:
    """Add ``users`` and ``api_tokens`` (defined in :mod:`auth_schema`) to :data:`metadata`."""
    from smpatlas.store import auth_schema  # noqa: F401


_register_account_tables()
