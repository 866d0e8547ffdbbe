"""Outcomes over time across partnerships: per indicator and year, how many people, from which partnerships.

Owns the portfolio table of the nested field ``outcomes`` (lines "period | indicator | value | source", every
indicator a count of people): :func:`compute` (over canonical records), :func:`of_selection` (read from the
database as two columns, ``id`` and ``outcomes``, in chunks), :func:`check_indicators`, and the result
:class:`Outcomes` with its cells, the lines it counted apart or left out, and a note for every partnership
whose figures needed a rule. Every figure states its denominators: the partnerships selected (N) and the
partnerships reporting the indicator at all (in any period).

The rules (docs/statistics.md, "Outcomes over time"):

- a line of period ``YYYY`` or ``YYYY-MM`` counts in that year; a range ``START/END`` within one year counts in
  that year; a range spanning years cannot be split honestly: it is counted apart, in *spans years*, by its
  end year, with its period listed, never spread over the years;
- when one partnership reports an indicator for a whole year (``YYYY``) and for parts of it (months, ranges
  within the year), the whole-year figure is counted and the part-year lines are left out, listed with the
  rule ``whole_year_preferred`` (adding both could count people twice);
- several lines of one partnership counted in the same cell (two months, two phases) are summed, with a note
  naming the partnership: if one is a running total, the sum counts people twice;
- a span of a partnership covering years the same partnership has in the year table is noted (do not add them);
- values are kept as given, a value that is not a whole number of people too (the import warned); lines without
  a source are counted, never left out.

Must not touch: the database (it only reads), the CLI, the web app, the reports (they render this result).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from smpatlas.cells import PERIOD
from smpatlas.celltext import fold_value, suggest
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.store.filters import Filters

Number = int | float

#: The kinds of cell: a single year, or lines spanning years (by their end year).
YEAR, SPANS = "year", "spans_years"
#: Rules by which a line is left out or a figure is noted.
WHOLE_YEAR_PREFERRED = "whole_year_preferred"
UNREADABLE_PERIOD = "unreadable_period"
SEVERAL_LINES = "several_lines_summed"
SPAN_OVERLAPS_YEARS = "span_overlaps_years"
NOT_WHOLE = "not_whole_number"

NOTE = ("sum = people over the lines counted in the cell; partnerships = how many contributed, of 'reporting' "
        "(partnerships with a line of the indicator in any period) and of n (partnerships selected). A period YYYY "
        "or YYYY-MM counts in its year, a range within one year in that year; a range spanning years is counted "
        "apart (spans_years, by its end year), never split. When a partnership reports a whole year and parts of "
        "it, the whole-year figure is counted and the part-year lines are left out (whole_year_preferred).")


def indicators() -> tuple[str, ...]:
    """The codebook's outcome indicators, in its order."""
    return tuple(default_codebook().nested["outcomes"].vocabulary["indicator"])


def check_indicators(given: str | Sequence[str] | None) -> list[str]:
    """The indicators asked for, canonical (``"Employed at destination"`` → ``employed_at_destination``); all of
    the codebook's when none is given. An unknown one is a :class:`ConfigError` saying which exist."""
    allowed = indicators()
    if given is None:
        return list(allowed)
    values = [given] if isinstance(given, str) else given
    if not isinstance(values, Sequence) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"An indicator is one of {', '.join(allowed)} (or a list of them), not {given!r}.")
    out: list[str] = []
    for v in values:
        folded = fold_value(v)
        if folded not in allowed:
            hint = suggest(v, allowed)
            raise ConfigError(f"Unknown outcome indicator {v!r}; {hint + ' ' if hint else ''}"
                              f"the indicators are {', '.join(allowed)}.")
        out.append(folded)
    return [i for i in allowed if i in out] or list(allowed)


@dataclass(frozen=True)
class Line:
    """One outcome line of one partnership."""

    partnership: str
    indicator: str
    period: str
    value: Number
    source: str | None = None

    def text(self) -> str:
        return f"{self.period}: {_num(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        return {"partnership": self.partnership, "indicator": self.indicator, "period": self.period,
                "value": self.value, "source": self.source}


@dataclass
class Cell:
    """The people of one indicator in one year (``kind`` year) or in lines spanning years ending that year."""

    indicator: str
    year: int
    kind: str = YEAR
    lines: list[Line] = field(default_factory=list)
    left_out: list[Line] = field(default_factory=list)

    @property
    def sum(self) -> Number:
        return _sum(line.value for line in self.lines)

    @property
    def ids(self) -> list[str]:
        return sorted({line.partnership for line in self.lines})

    @property
    def without_source(self) -> int:
        return sum(1 for line in self.lines if not line.source)

    def to_dict(self, reporting: int, n: int) -> dict[str, Any]:
        ids = self.ids
        out: dict[str, Any] = {"indicator": self.indicator, "year": self.year, "kind": self.kind, "sum": self.sum,
                               "partnerships": len(ids), "ids": ids, "reporting": reporting, "n": n,
                               "lines": len(self.lines), "without_source": self.without_source,
                               "left_out": len(self.left_out)}
        if self.kind == SPANS:
            out["periods"] = [line.to_dict() for line in self.lines]
        return out


@dataclass(frozen=True)
class Note:
    """Why a partnership's figure for an indicator needed a rule, in words."""

    rule: str
    partnership: str
    indicator: str
    year: int | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "partnership": self.partnership, "indicator": self.indicator, "year": self.year,
                "text": self.text}


@dataclass
class Outcomes:
    """Outcomes over time across the selected partnerships: cells indicator × year, spans, left out, notes."""

    n: int
    with_outcomes: int
    indicators: list[str]
    reporting: dict[str, int]
    cells: list[Cell]
    left_out: list[tuple[Line, str]]
    notes: list[Note]
    lines_read: int = 0
    without_source: int = 0
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted({c.year for c in self.cells if c.kind == YEAR})

    def cell(self, indicator: str, year: int, kind: str = YEAR) -> Cell | None:
        return next((c for c in self.cells if (c.indicator, c.year, c.kind) == (indicator, year, kind)), None)

    def headlines(self) -> list[str]:
        """The selection, then one sentence per indicator reported, each with its denominators."""
        if not self.n:
            return ["No partnerships match."]
        lines = f"{self.lines_read} line{'s' if self.lines_read != 1 else ''}"
        what = ("outcomes" if len(self.indicators) == len(indicators())
                else " or ".join(i.replace("_", " ") for i in self.indicators))
        verb = "reports" if self.with_outcomes == 1 else "report"
        out = [f"{self.with_outcomes} of {_partnerships(self.n)} {verb} {what} ({lines}, "
               f"{self.without_source} without a source)."]
        for ind in self.indicators:
            k = self.reporting.get(ind, 0)
            if not k:
                continue
            cells = [c for c in self.cells if c.indicator == ind]
            years = sorted({c.year for c in cells if c.kind == YEAR})
            spans = sum(len(c.lines) for c in cells if c.kind == SPANS)
            dropped = sum(1 for line, _ in self.left_out if line.indicator == ind)
            when = (f"in {years[0]}" if len(years) == 1 else f"in {len(years)} years between {years[0]} and "
                    f"{years[-1]}") if years else "in no single year"
            out.append(f"{ind.replace('_', ' ')}: reported by {k} of {_partnerships(self.n)}; {when}"
                       + (f"; {spans} line{'s' if spans != 1 else ''} spanning years counted apart" if spans else "")
                       + (f"; {dropped} line{'s' if dropped != 1 else ''} left out" if dropped else "") + ".")
        return out

    def rows(self) -> list[list[Any]]:
        """One row per cell, for CSV (header :data:`CSV_HEADER`)."""
        return [[c.indicator, c.year, c.kind, d["sum"], d["partnerships"], d["reporting"], d["n"], d["lines"],
                 d["without_source"], d["left_out"], ";".join(d["ids"])]
                for c in self.cells for d in [c.to_dict(self.reporting.get(c.indicator, 0), self.n)]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``smpatlas outcomes --format json`` (docs/statistics.md)."""
        return {
            "n": self.n, "filters": self.filters, "indicators": self.indicators, "with_outcomes": self.with_outcomes,
            "reporting": {i: self.reporting.get(i, 0) for i in self.indicators},
            "lines": {"read": self.lines_read, "without_source": self.without_source,
                      "left_out": len(self.left_out),
                      "in_spans": sum(len(c.lines) for c in self.cells if c.kind == SPANS)},
            "years": self.years,
            "cells": [c.to_dict(self.reporting.get(c.indicator, 0), self.n) for c in self.cells if c.kind == YEAR],
            "spans": [c.to_dict(self.reporting.get(c.indicator, 0), self.n) for c in self.cells if c.kind == SPANS],
            "left_out": [{**line.to_dict(), "rule": rule} for line, rule in self.left_out],
            "notes": [n.to_dict() for n in self.notes],
            "note": NOTE,
        }


CSV_HEADER = ["indicator", "year", "kind", "sum", "partnerships", "reporting", "n", "lines", "without_source",
              "left_out", "ids"]


def _num(value: Number) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def _sum(values: Iterable[Number]) -> Number:
    total = sum(values)
    if isinstance(total, float):
        total = round(total, 6)
        return int(total) if total.is_integer() else total
    return total


def period_years(period: str) -> tuple[int, int, bool] | None:
    """(first year, last year, whole years) of a period: ``2023`` → (2023, 2023, True), ``2023-05`` → (2023, 2023,
    False), ``2021/2023-06`` → (2021, 2023, False); None when it is no period of the codebook."""
    ends = str(period).strip().split("/")
    if len(ends) > 2 or not all(PERIOD.match(e) for e in ends):
        return None
    return int(ends[0][:4]), int(ends[-1][:4]), all(len(e) == 4 for e in ends)


class _Tally:
    """The cells, summed partnership by partnership (each partnership's lines are judged together)."""

    def __init__(self, wanted: list[str]) -> None:
        self.wanted = wanted
        self.n = self.with_outcomes = self.lines_read = self.without_source = 0
        self.reporting: dict[str, int] = defaultdict(int)
        self.cells: dict[tuple[str, int, str], Cell] = {}
        self.left_out: list[tuple[Line, str]] = []
        self.notes: list[Note] = []

    def _cell(self, indicator: str, year: int, kind: str) -> Cell:
        key = (indicator, year, kind)
        if key not in self.cells:
            self.cells[key] = Cell(indicator, year, kind)
        return self.cells[key]

    def add(self, rid: str, items: Any) -> None:
        self.n += 1
        wanted = set(self.wanted)
        lines = [Line(str(rid), str(it["indicator"]), str(it.get("period")), it.get("value") or 0,
                      it.get("source") or None)
                 for it in items or () if isinstance(it, dict) and it.get("indicator") in wanted]
        if not lines:
            return
        self.with_outcomes += 1
        self.lines_read += len(lines)
        self.without_source += sum(1 for line in lines if not line.source)
        by_indicator: dict[str, list[Line]] = defaultdict(list)
        for line in lines:
            by_indicator[line.indicator].append(line)
        for ind, group in by_indicator.items():
            self.reporting[ind] += 1
            self._partnership_indicator(rid, ind, group)

    def _partnership_indicator(self, rid: str, ind: str, lines: list[Line]) -> None:
        years: dict[int, list[tuple[Line, bool]]] = defaultdict(list)
        spans: dict[int, list[Line]] = defaultdict(list)
        for line in lines:
            p = period_years(line.period)
            if p is None:
                self.left_out.append((line, UNREADABLE_PERIOD))
                continue
            if p[0] != p[1]:
                spans[p[1]].append(line)
            else:
                years[p[0]].append((line, p[2]))
            if isinstance(line.value, float) and not line.value.is_integer():
                self.notes.append(Note(NOT_WHOLE, rid, ind, p[1], (
                    f"{rid}: '{ind}' {line.period} is {_num(line.value)}, not a whole number of people (the import "
                    "warned: was a dot between thousands meant?); kept as given.")))
        for year, group in sorted(years.items()):
            whole = [line for line, w in group if w]
            parts = [line for line, w in group if not w]
            cell = self._cell(ind, year, YEAR)
            counted = whole or parts
            cell.lines += counted
            if whole and parts:
                cell.left_out += parts
                self.left_out += [(line, WHOLE_YEAR_PREFERRED) for line in parts]
                self.notes.append(Note(WHOLE_YEAR_PREFERRED, rid, ind, year, (
                    f"{rid} reports '{ind}' for the whole of {year} ({_texts(whole)}) and for parts of it "
                    f"({_texts(parts)}): the whole-year figure is counted, the {len(parts)} part-year "
                    f"line{'s are' if len(parts) != 1 else ' is'} left out (adding both could count people twice).")))
            if len(counted) > 1:
                self.notes.append(_several(rid, ind, year, counted, f"in {year}"))
        for end, spanning in sorted(spans.items()):
            self._cell(ind, end, SPANS).lines += spanning
            if len(spanning) > 1:
                self.notes.append(_several(rid, ind, end, spanning, f"spanning years and ending in {end}"))
            for line in spanning:
                p = period_years(line.period)
                covered = [y for y in years if p and p[0] <= y <= p[1]]
                if covered:
                    self.notes.append(Note(SPAN_OVERLAPS_YEARS, rid, ind, end, (
                        f"{rid}: '{ind}' {line.text()} spans years that are also counted for it year by year "
                        f"({', '.join(map(str, sorted(covered)))}); the span is counted apart: do not add it to "
                        "those years.")))

    def result(self, filters: dict[str, Any]) -> Outcomes:
        order = {ind: i for i, ind in enumerate(self.wanted)}
        cells = sorted(self.cells.values(), key=lambda c: (order[c.indicator], c.kind != YEAR, c.year))
        for c in cells:  # chunks may come in any order: the result does not depend on it
            c.lines.sort(key=_line_key)
            c.left_out.sort(key=_line_key)
        self.left_out.sort(key=lambda lr: (order[lr[0].indicator], *_line_key(lr[0]), lr[1]))
        self.notes.sort(key=lambda n: (order[n.indicator], n.year or 0, n.partnership, n.rule, n.text))
        return Outcomes(n=self.n, with_outcomes=self.with_outcomes, indicators=list(self.wanted),
                        reporting=dict(self.reporting), cells=cells, left_out=self.left_out, notes=self.notes,
                        lines_read=self.lines_read, without_source=self.without_source, filters=filters)


def _line_key(line: Line) -> tuple[str, str, float, str]:
    return (line.partnership, line.period, float(line.value), line.source or "")


def _texts(lines: list[Line]) -> str:
    return ", ".join(line.text() for line in lines)


def _several(rid: str, ind: str, year: int, lines: list[Line], where: str) -> Note:
    return Note(SEVERAL_LINES, rid, ind, year, (
        f"{rid}: {len(lines)} lines of '{ind}' {where} ({_texts(lines)}) are summed to "
        f"{_num(_sum(line.value for line in lines))}; if one is a running total that includes another, people are "
        "counted twice: check the sources."))


def compute(records: Iterable[dict[str, Any]], *, filters: dict[str, Any] | None = None,
            indicators: str | Sequence[str] | None = None) -> Outcomes:
    """Outcomes over time across canonical ``records`` (each with ``id`` and, if any, ``outcomes``)."""
    tally = _Tally(check_indicators(indicators))
    for rec in records:
        tally.add(rec.get("id", ""), rec.get("outcomes"))
    return tally.result(filters or {})


def of_selection(conn: Connection, filters: Filters | None = None, *,
                 indicators: str | Sequence[str] | None = None) -> Outcomes:
    """Outcomes over time across the partnerships ``filters`` select, read as columns (id, outcomes) in chunks."""
    from smpatlas.analysis.columns import fetch_chunks

    tally = _Tally(check_indicators(indicators))
    for cols in fetch_chunks(conn, filters, ["id", "outcomes"]):
        for rid, items in zip(cols.values("id"), cols.values("outcomes"), strict=True):
            tally.add(rid, items)
    return tally.result(filters.to_dict() if filters else {})


def _partnerships(n: int) -> str:
    return f"{n} partnership{'' if n == 1 else 's'}"
