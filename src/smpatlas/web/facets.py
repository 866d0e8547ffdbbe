"""The browse query and its facet counts: what the Browse page and ``/api/v1/partnerships`` select.

Owns :class:`Query` (the whole state of a browse: a selection on every
enumerated field of the codebook plus the CLI's year range, text search and
government-to-government filter, sorting and paging; read from and written to
URL parameters) and :func:`facet_counts` (exact counts per value with portable
SQL: ``GROUP BY`` over ``partnership_values`` for multi-valued fields and over
the ``partnerships`` column for single-valued ones, each facet filtered by
every *other* active filter). Parameter names are the CLI's filter names where
the CLI has one (``origin``, ``destination``, ``sector`` …, ``g2g``) and the
field name otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from smpatlas.codebook import Field
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.errors import ConfigError
from smpatlas.normalise import converters, suggest
from smpatlas.problems import CellError
from smpatlas.store.filters import FILTER_FIELDS, MAX_TEXT, MAX_WORDS, Filters
from smpatlas.store.repository import _ordered as ordered
from smpatlas.store.schema import fold, from_row
from smpatlas.store.schema import partnership_values as pv
from smpatlas.store.schema import partnerships as p
from smpatlas.web.settings import DEFAULT_PER_PAGE, MAX_PER_PAGE

#: The fields with facets: every enumerated field of the codebook, and the countries.
FACET_FIELDS: tuple[Field, ...] = tuple(
    f for f in default_codebook().fields if f.enumerated or f.kind == "countries"
)
_PARAM_OVERRIDES = {"government_to_government": "g2g"}
#: URL parameter → field, and back.
PARAM_FIELD: dict[str, str] = {
    **{param: fname for param, fname in FILTER_FIELDS.items()},
    **{(_PARAM_OVERRIDES.get(f.name) or f.name): f.name for f in FACET_FIELDS if f.name not in FILTER_FIELDS.values()},
}
FIELD_PARAM: dict[str, str] = {fname: param for param, fname in PARAM_FIELD.items()}
#: Field names accepted for their parameter (``skill_levels=high`` as ``skill_level=high``): facets are named by field.
FIELD_ALIASES: dict[str, str] = {fname: param for fname, param in FIELD_PARAM.items() if fname != param}
SORTS = ("name", "-name", "start_year", "-start_year", "end_year", "-end_year", "id", "-id", "updated_at",
         "-updated_at", "status", "-status")
SCALARS = ("year_from", "year_to", "text", "sort", "page", "per_page")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FORMATS = ("csv", "xlsx", "json", "jsonl", "datapackage")


def _text(v: Any) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def _normalise_value(f: Field, raw: str) -> list[str]:
    try:
        got = converters()[f.name](raw)
    except CellError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        raise ConfigError(f"{FIELD_PARAM[f.name]}={raw!r}: {exc.message}{hint}.") from None
    if got is None:
        return []
    return [_text(v) for v in (got if isinstance(got, list) else [got])]


def _unknown(param: str, others: Collection[str]) -> str:
    """Why ``param`` is refused, with the nearest known parameter."""
    known = [*PARAM_FIELD, *SCALARS, *others]
    guess = suggest(param, [*known, *FIELD_ALIASES])
    if guess:
        for fname, alias in FIELD_ALIASES.items():  # name the parameter, not the field it stands for
            guess = guess.replace(repr(fname), repr(alias))
    shown = param if len(param) <= 40 else param[:39] + "…"
    return (f"{shown!r} is not a filter or option here" + (f" ({guess})" if guess else "")
            + f"; filters: {', '.join(FILTER_FIELDS)}, g2g or any enumerated field by name (e.g. target_groups); "
            f"options: {', '.join([*SCALARS, *others])}.")


def _int(name: str, raw: str | None, lo: int, hi: int) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: not a whole number.") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value}: must be between {lo} and {hi}.")
    return value


def _too_long(text: str) -> str | None:
    """Why ``text`` is refused as a search (the CLI's limits: each word is one LIKE condition), or None."""
    words = len(fold(text).split())
    if len(text) <= MAX_TEXT and words <= MAX_WORDS:
        return None
    shown = repr(text if len(text) <= 40 else text[:39] + "…")
    return (f"text={shown} is {len(text):,} characters and {words:,} word{'s' if words != 1 else ''} long; search "
            f"for at most {MAX_TEXT} characters and {MAX_WORDS} words (a name, an acronym, a few words of it).")


@dataclass(frozen=True)
class Query:
    """One browse: selections by field (values OR within a field, AND across), ranges, text, order, page."""

    selected: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None
    sort: str = "name"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]], *, others: Collection[str] = ()) -> Query:
        """Read URL parameters (repeated names = several values); unknown values are a clear error."""
        q, problems = cls.parse(params, others=others)
        if problems:
            raise ConfigError(" ".join(message for _, message in problems))
        return q

    @classmethod
    def parse(cls, params: Sequence[tuple[str, str]], *, others: Collection[str] = ()
              ) -> tuple[Query, list[tuple[str, str]]]:
        """Read URL parameters, leaving out every bad one: the query and a (parameter, message) per problem.

        Pages use it to show the form again with the messages; :meth:`from_params` refuses any problem.
        A parameter that is neither a filter, a field name (taken for its filter), one of :data:`SCALARS` nor
        one of ``others`` (the route's own) is a problem: a misspelt filter must not select everything.
        """
        problems: list[tuple[str, str]] = []
        by_name: dict[str, list[str]] = {}
        for k, v in params:
            k = FIELD_ALIASES.get(k, k)
            if k not in PARAM_FIELD and k not in SCALARS and k not in others:
                if k not in by_name:
                    problems.append((k, _unknown(k, others)))
                    by_name[k] = []
                continue
            by_name.setdefault(k, []).append(v)
        selected: dict[str, tuple[str, ...]] = {}
        cb = default_codebook()
        for param, fname in PARAM_FIELD.items():
            values: list[str] = []
            for raw in by_name.get(param, []):
                if raw.strip():
                    try:
                        values.extend(v for v in _normalise_value(cb[fname], raw) if v not in values)
                    except ConfigError as exc:
                        problems.append((param, str(exc)))
            if values:
                selected[fname] = tuple(values)
        one: dict[str, str | None] = {k: (by_name[k][-1] if by_name.get(k) else None) for k in SCALARS}

        def number(name: str, lo: int, hi: int) -> int | None:
            try:
                return _int(name, one[name], lo, hi)
            except ConfigError as exc:
                problems.append((name, str(exc)))
                return None

        sort = (one["sort"] or "name").strip()
        if sort not in SORTS:
            problems.append(("sort", f"sort={sort!r}: sort by one of {', '.join(SORTS)} ('-' = descending)."))
            sort = "name"
        text = _CONTROL.sub(" ", one["text"] or "").strip() or None  # SQLite ends a LIKE pattern at NUL
        if text is not None and (too_long := _too_long(text)):
            problems.append(("text", too_long))
            text = None
        year_from, year_to = number("year_from", 1900, 2200), number("year_to", 1900, 2200)
        if year_from is not None and year_to is not None and year_to < year_from:
            problems.append(("year_to", f"The year range ends before it starts: year_to={year_to} is before "
                                        f"year_from={year_from}."))
            year_from = year_to = None
        q = cls(selected=selected, year_from=year_from, year_to=year_to, text=text, sort=sort,
                page=number("page", 1, 10**6) or 1, per_page=number("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE)
        return q, problems

    # -- SQL -------------------------------------------------------------------
    def conditions(self, *, skip: str | None = None) -> list[ColumnElement[bool]]:
        """Portable SQL conditions on ``partnerships``; ``skip`` leaves out one field's selection."""
        cb = default_codebook()
        conds: list[ColumnElement[bool]] = []
        for fname, values in self.selected.items():
            if fname == skip:
                continue
            f = cb[fname]
            if f.multi:
                sub = select(pv.c.partnership_id).where(pv.c.field == fname, pv.c.value.in_(values))
                conds.append(p.c.id.in_(sub))
            elif f.kind == "bool":
                conds.append(p.c[fname].in_([v == "true" for v in values]))
            else:
                conds.append(p.c[fname].in_(values))
        rest = Filters(year_from=self.year_from, year_to=self.year_to, text=self.text)
        return conds + rest.conditions()

    def filters(self) -> Filters:
        """The CLI's :class:`Filters` for the fields it knows (for stats and assessments)."""
        f = Filters(year_from=self.year_from, year_to=self.year_to, text=self.text)
        for param, fname in FILTER_FIELDS.items():
            setattr(f, param, list(self.selected.get(fname, ())))
        g2g = self.selected.get("government_to_government")
        if g2g and len(g2g) == 1:
            f.g2g = g2g[0] == "true"
        return f

    @property
    def complete_in_filters(self) -> bool:
        """True when :meth:`filters` expresses the whole selection."""
        extra = set(self.selected) - set(FILTER_FIELDS.values()) - {"government_to_government"}
        return not extra and len(self.selected.get("government_to_government", ())) < 2

    # -- URLs ------------------------------------------------------------------
    def params(self, *, paging: bool = True) -> list[tuple[str, str]]:
        out = [(FIELD_PARAM[f], v) for f, values in self.selected.items() for v in values]
        for k in ("year_from", "year_to", "text"):
            if getattr(self, k) is not None:
                out.append((k, str(getattr(self, k))))
        if self.sort != "name":
            out.append(("sort", self.sort))
        if paging:
            if self.page != 1:
                out.append(("page", str(self.page)))
            if self.per_page != DEFAULT_PER_PAGE:
                out.append(("per_page", str(self.per_page)))
        return out

    def url(self, path: str = "/partnerships", **changes: Any) -> str:
        q = replace(self, **changes) if changes else self
        s = urlencode(q.params())
        return f"{path}?{s}" if s else path

    def toggled(self, fname: str, value: str) -> str:
        """The URL with ``value`` of ``fname`` added or removed (back to page 1)."""
        values = list(self.selected.get(fname, ()))
        values = [v for v in values if v != value] if value in values else [*values, value]
        selected = {k: v for k, v in self.selected.items() if k != fname}
        if values:
            selected[fname] = tuple(values)
        return self.url(selected=selected, page=1)

    def to_dict(self) -> dict[str, Any]:
        """The selection's filters as the statistics, :func:`~smpatlas.store.filters.describe` and the API's
        ``filters`` echo take them: lists of values, years, text; ``g2g`` one yes or no (true/false) when one
        is chosen (both chosen select everything)."""
        out: dict[str, Any] = {FIELD_PARAM[f]: list(v) for f, v in self.selected.items()}
        out.update({k: getattr(self, k) for k in ("year_from", "year_to", "text") if getattr(self, k) is not None})
        g2g = out.get("g2g")
        if g2g is not None and len(g2g) == 1:
            out["g2g"] = g2g[0] == "true"
        return out


def label(f: Field, value: str) -> str:
    """A facet value as people read it."""
    if f.kind == "countries":
        return f"{name_of(value)} ({value})"
    if f.kind in ("bool", "tristate"):
        return {"true": "yes", "false": "no"}.get(value, value)
    return value.replace("_", " ")


def facet_counts(conn: Connection, query: Query, names: Sequence[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Exact counts per value of each facet field, under every other active filter."""
    cb = default_codebook()
    out: dict[str, list[dict[str, Any]]] = {}
    for fname in names if names is not None else [f.name for f in FACET_FIELDS]:
        f = cb[fname]
        conds = query.conditions(skip=fname)
        if f.multi:
            stmt = select(pv.c.value, func.count()).where(pv.c.field == fname)
            if conds:
                stmt = stmt.where(pv.c.partnership_id.in_(select(p.c.id).where(*conds)))
            stmt = stmt.group_by(pv.c.value)
        else:
            col = p.c[fname]
            stmt = select(col, func.count()).where(col.is_not(None), *conds).group_by(col)
        counts = {_text(v): int(n) for v, n in conn.execute(stmt)}
        chosen = query.selected.get(fname, ())
        for v in chosen:
            counts.setdefault(v, 0)
        order = {v: i for i, v in enumerate(f.values())}
        rows = sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 999), kv[0]))
        out[fname] = [{"value": v, "label": label(f, v), "count": n, "selected": v in chosen} for v, n in rows]
    return out


def _order(sort: str) -> list[Any]:
    """The ORDER BY of ``sort``: the CLI's (names without case or accents, missing values last, ties by id)."""
    return list(ordered(sort))


def count(conn: Connection, query: Query) -> int:
    return int(conn.execute(select(func.count()).select_from(p).where(*query.conditions())).scalar_one())


def page_rows(conn: Connection, query: Query) -> list[dict[str, Any]]:
    """One page of records in ``query.sort`` order, with their versions."""
    stmt = (select(p).where(*query.conditions()).order_by(*_order(query.sort))
            .limit(query.per_page).offset((query.page - 1) * query.per_page))
    out = []
    for row in conn.execute(stmt):
        rec = from_row(row)
        rec["_version"] = row.version
        out.append(rec)
    return out


def all_records(conn: Connection, query: Query, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every matching record (for downloads), streamed."""
    stmt = select(p).where(*query.conditions()).order_by(*_order(query.sort))
    for row in conn.execute(stmt.execution_options(yield_per=batch)):  # on the statement: not the connection
        yield from_row(row)
