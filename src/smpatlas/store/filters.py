"""Filters over the inventory: what ``list``, ``export`` and ``stats`` select.

Owns :class:`Filters` (the selection a user asks for, normalised with the
codebook's converters so ``--origin Philippines`` and ``--origin PHL`` agree)
and their translation into portable SQL conditions. Year filters select the
partnerships *active* in the range: started by ``year_to`` and not ended
before ``year_from``. A partnership without an end year is open-ended unless
its status says it has ended (:data:`ENDED_STATUSES`: ``completed``;
``suspended`` may resume, so it is not counted as ended): such a partnership
ended at an unknown date, so it counts as active up to the current year and
never after it (``--year-from 2030 --status completed`` selects only
partnerships whose end year is 2030 or later). The current year, not the start
year, is the cut-off so that a partnership that may still have been active is
never left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from smpatlas.codebook import default as default_codebook
from smpatlas.display import plain
from smpatlas.errors import ConfigError
from smpatlas.normalise import CONTROL, converters
from smpatlas.problems import CellError
from smpatlas.store.schema import fold
from smpatlas.store.schema import partnership_values as pv
from smpatlas.store.schema import partnerships as p

#: Statuses that say a partnership has ended (codebook vocabulary of ``status``).
ENDED_STATUSES = ("completed",)

#: filter name → codebook field it selects on.
FILTER_FIELDS: dict[str, str] = {
    "origin": "origin_countries",
    "destination": "destination_countries",
    "skill_level": "skill_levels",
    "mobility": "mobility_types",
    "sector": "sectors",
    "status": "status",
    "type": "partnership_type",
}


#: The longest free-text search (characters, words): every word is one LIKE condition, and a database
#: refuses patterns and expressions beyond its limits (SQLite: "LIKE or GLOB pattern too complex").
MAX_TEXT, MAX_WORDS = 200, 20


@dataclass
class Filters:
    """A selection of partnerships; empty selects everything. Values OR within a filter, AND across."""

    origin: list[str] = field(default_factory=list)
    destination: list[str] = field(default_factory=list)
    skill_level: list[str] = field(default_factory=list)
    mobility: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None
    g2g: bool | None = None

    def normalised(self, *, style: str = "option") -> Filters:
        """The same filters with values in canonical form; unknown values are a clear error.

        ``style`` is how the error names a filter and its value: as the command line's option
        (``--year-to 2010``, the default) or as the Python API's keyword (``year_to=2010``).
        """
        def given(name: str, value: Any) -> str:
            return f"--{name.replace('_', '-')} {value}" if style == "option" else f"{name}={value}"

        cb = default_codebook()
        convs = converters(cb)
        out = Filters(year_from=self.year_from, year_to=self.year_to, text=self.text, g2g=self.g2g)
        for name, fname in FILTER_FIELDS.items():
            values: list[str] = []
            for raw in getattr(self, name):
                try:
                    got = convs[fname](raw)
                except CellError as exc:
                    hint = f" ({exc.hint})" if exc.hint else ""
                    raise ConfigError(f"{given(name, repr(raw))}: {exc.message}{hint}.") from None
                if got is None or got == []:
                    raise ConfigError(f"{given(name, repr(raw))} is empty; give a value or leave the filter out.")
                values.extend(got if isinstance(got, list) else [got])
            setattr(out, name, values)
        for name in ("year_from", "year_to"):
            year = getattr(self, name)
            if year is not None and not 0 <= year <= 9999:  # beyond any year, and beyond what databases store
                raise ConfigError(f"{given(name, year)} is not a year; write one such as 2015.")
        if self.text is not None:
            words = fold(CONTROL.sub("", self.text)).split()
            if len(self.text) > MAX_TEXT or len(words) > MAX_WORDS:
                text_name = "--text" if style == "option" else "text="
                raise ConfigError(f"{text_name} is {len(self.text):,} characters and {len(words):,} words long; search "
                                  f"for at most {MAX_WORDS} words and {MAX_TEXT} characters (a name, an acronym, "
                                  "a few words of it).")
        if self.year_from is not None and self.year_to is not None and self.year_to < self.year_from:
            raise ConfigError(f"{given('year_to', self.year_to)} is before {given('year_from', self.year_from)}: "
                              "nothing could match. "
                              "Swap them, or leave one out for an open range.")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Only the filters that are set (for reports and JSON output)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}

    def conditions(self, *, this_year: int | None = None) -> list[ColumnElement[bool]]:
        """Portable SQL conditions on the ``partnerships`` table.

        ``this_year`` (default: today's) is the last year an ended partnership without an end year counts
        as active.
        """
        cb = default_codebook()
        conds: list[ColumnElement[bool]] = []
        for name, fname in FILTER_FIELDS.items():
            values = getattr(self, name)
            if not values:
                continue
            if cb[fname].multi:
                sub = select(pv.c.partnership_id).where(pv.c.field == fname, pv.c.value.in_(values))
                conds.append(p.c.id.in_(sub))
            else:
                conds.append(p.c[fname].in_(values))
        if self.year_to is not None:
            conds.append(p.c.start_year <= self.year_to)
        if self.year_from is not None:
            open_ended: ColumnElement[bool] = p.c.end_year.is_(None)
            if self.year_from > (this_year or date.today().year):
                # Ended at an unknown date, so not after this year.
                open_ended = and_(open_ended, or_(p.c.status.is_(None), p.c.status.not_in(ENDED_STATUSES)))
            conds.append(or_(open_ended, p.c.end_year >= self.year_from))
        if self.text:
            words = fold(CONTROL.sub("", self.text)).split()  # as search_text was folded: no case, no accents
            conds.append(and_(*[p.c.search_text.contains(w, autoescape=True) for w in words]))
        if self.g2g is not None:
            conds.append(p.c.government_to_government.is_(self.g2g))
        return conds


def describe(filters: dict[str, Any]) -> str:
    """Filters (:meth:`Filters.to_dict`) as words: ``origin United States (USA) or Philippines (PHL); sector health
    care; active in or after 2020`` (values OR within a filter, AND across), for every text that states which
    partnerships a figure is about."""
    parts = []
    for k, v in filters.items():
        if k == "year_from":
            parts.append(f"active in or after {v}")
        elif k == "year_to":
            parts.append(f"started in or before {v}")
        elif k == "text":
            parts.append(f'text "{v}"')
        elif k == "g2g":
            parts.append("government-to-government only" if v else "not government-to-government")
        else:
            values = v if isinstance(v, list) else [v]
            parts.append(f"{k.replace('_', ' ')} {' or '.join(_value_words(k, x) for x in values)}")
    return "; ".join(parts)


def _value_words(key: str, value: Any) -> str:
    """One filter value as a person reads it: ``Germany (DEU)``, ``health care`` (:func:`display.plain`)."""
    cb = default_codebook()
    name = FILTER_FIELDS.get(key, key)
    if name not in cb:
        return str(value)
    f = cb[name]
    return plain(f, [value] if f.multi else value)
