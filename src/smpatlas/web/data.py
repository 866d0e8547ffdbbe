"""The data behind every page and API answer: one dict per view (house style 17).

Owns the functions that build what both the HTML templates and the JSON API
show — browse results with facets, one partnership with its assessment and
history, compare, what-if, statistics, import reports — so a page and its
API twin can never disagree. Raises :mod:`smpatlas.errors` exceptions; knows
nothing of templates or HTTP.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from smpatlas.analysis import outcomes as oc
from smpatlas.analysis.portfolio import portfolio as portfolio_of
from smpatlas.analysis.stats import compute
from smpatlas.atlas import Atlas
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError, NotFound
from smpatlas.problems import Report
from smpatlas.store import repository as repo
from smpatlas.web import facets as fc
from smpatlas.web.facet_index import FacetIndex
from smpatlas.web.settings import MAX_PROBLEMS_SHOWN

SUMMARY_FIELDS = ("id", "name", "acronym", "partnership_type", "origin_countries", "destination_countries",
                  "start_year", "end_year", "status", "sectors", "skill_levels", "mobility_types")
MAX_COMPARE = 4


def browse(conn: Connection, query: fc.Query, facet_names: Sequence[str] | None = None,
           index: FacetIndex | None = None) -> dict[str, Any]:
    """One page of partnerships matching ``query``, with exact facet counts (from ``index`` when given)."""
    if index is not None:
        total, rows, facets = index.browse(conn, query, list(facet_names) if facet_names is not None else None)
    else:
        total, rows, facets = fc.count(conn, query), fc.page_rows(conn, query), fc.facet_counts(conn, query, facet_names)
    return {
        "ok": True,
        "count": total,
        "page": query.page,
        "per_page": query.per_page,
        "pages": max(1, -(-total // query.per_page)),
        "sort": query.sort,
        "filters": query.to_dict(),
        "facets": facets,
        "partnerships": [{**{k: r[k] for k in SUMMARY_FIELDS if k in r}, "version": r["_version"]} for r in rows],
    }


def partnership(conn: Connection, rid: str, *, history: bool = True) -> dict[str, Any]:
    rec = repo.get(conn, rid)
    if rec is None:
        raise NotFound(rid)
    meta = repo.get_meta(conn, rid) or {}
    out: dict[str, Any] = {"ok": True, "partnership": rec, "version": meta.get("version"),
                           "created_at": meta.get("created_at"), "updated_at": meta.get("updated_at")}
    if history:
        out["history"] = repo.history_of(conn, rid)
    return out


def version(conn: Connection, rid: str, number: int) -> dict[str, Any]:
    """A current partnership as it stood at version ``number`` (:func:`smpatlas.store.versions.record_at`): the page
    ``/partnerships/ID/versions/N`` and its API twin. ``NoSuchVersion`` (404) for a version it never had."""
    from smpatlas.store.versions import version_of

    v = version_of(conn, rid, number)
    return {"ok": True, "id": rid, "partnership": v.record, "version": v.version, "latest_version": v.latest,
            "made": {"at": v.at, "user": v.user, "context": v.context, "fields": list(v.fields)}}


def partnership_page(atlas: Atlas, conn: Connection, rid: str) -> dict[str, Any]:
    """Everything the partnership page shows: record, version, history, assessment."""
    out = partnership(conn, rid)
    a = atlas.assess(rid)
    out["assessment"] = a.to_dict()
    out["flag_titles"] = a.flag_titles
    out["weakest"] = a.weakest
    return out


def compare(conn: Connection, ids: Sequence[str], atlas: Atlas) -> dict[str, Any]:
    """2–4 partnerships side by side; ``differs`` names the fields whose values are not all equal."""
    ids = _compare_ids(ids)
    if not 2 <= len(ids) <= MAX_COMPARE:
        raise ConfigError(f"Choose 2 to {MAX_COMPARE} partnerships to compare (got {len(ids)}).")
    recs = []
    for rid in ids:
        rec = repo.get(conn, rid)
        if rec is None:
            raise NotFound(rid)
        recs.append(rec)
    return _side_by_side(recs, atlas)


def compare_page(conn: Connection, ids: Sequence[str], atlas: Atlas) -> dict[str, Any]:
    """What the compare page shows: the ids for the form, a message per problem, and the comparison when it can.

    Never raises for the ids: ``ids`` keeps them as given (an unknown one too, to correct it), ``unknown``
    names the ids that match no partnership, ``problems`` says what to do, and ``comparison`` (or None)
    compares the known partnerships when there are 2 to 4 of them.
    """
    ids = _compare_ids(ids)
    recs, unknown, problems = [], [], []
    for rid in ids[:MAX_COMPARE]:
        rec = repo.get(conn, rid)
        if rec is None:
            unknown.append(rid)
            problems.append(str(NotFound(rid, "Check the id (it is in the address of the partnership's page).")))
        else:
            recs.append(rec)
    if len(ids) > MAX_COMPARE:
        problems.append(f"Compare at most {MAX_COMPARE} partnerships at once ({len(ids)} were given): the form keeps "
                        f"the first {MAX_COMPARE}, {', '.join(ids[:MAX_COMPARE])}.")
    elif not recs:
        problems.append(f"Give 2 to {MAX_COMPARE} partnership ids below (or tick them in Browse) to compare them.")
    elif len(recs) == 1:
        problems.append(f"Add 1 to {MAX_COMPARE - 1} more partnership ids below (or tick them in Browse) to compare "
                        f"with {recs[0]['id']}.")
    comparison = _side_by_side(recs, atlas) if len(recs) >= 2 and len(ids) <= MAX_COMPARE else None
    return {"ok": not problems, "ids": ids[:MAX_COMPARE], "unknown": unknown, "too_many": len(ids) > MAX_COMPARE,
            "problems": problems, "comparison": comparison}


def _compare_ids(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


def _side_by_side(recs: list[dict[str, Any]], atlas: Atlas) -> dict[str, Any]:
    cb = default_codebook()

    def same(values: list[Any]) -> bool:
        norm = [sorted(v, key=str) if isinstance(v, list) else v for v in values]
        return all(v == norm[0] for v in norm)

    differs = [f.name for f in cb.fields if not same([r.get(f.name) for r in recs])]
    assessments = [atlas.assess(r["id"]).to_dict() for r in recs]
    dims = list(assessments[0]["dimensions"])
    score_differs = [d for d in dims if not same([a["dimensions"][d]["score"] for a in assessments])]
    return {"ok": True, "ids": [r["id"] for r in recs], "partnerships": recs, "differs": differs,
            "assessments": assessments, "dimension_differs": score_differs}


def whatif(atlas: Atlas, rid: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The assessment before and after ``changes`` (raw values), with the delta; nothing is saved."""
    return {"ok": True, **atlas.whatif(rid, changes).to_dict()}


def stats(conn: Connection, query: fc.Query) -> dict[str, Any]:
    """Statistics over every record ``query`` selects (all its filters, not only the CLI's)."""
    s = compute(fc.all_records(conn, query), filters=query.to_dict())
    return {"ok": True, "headlines": s.headlines(), "stats": s.to_dict()}


def portfolio(atlas: Atlas, conn: Connection, query: fc.Query) -> dict[str, Any]:
    p = portfolio_of(fc.all_records(conn, query), atlas.rubric, atlas.context, filters=query.to_dict())
    return {"ok": True, "portfolio": p.to_dict()}


def report(rep: Report, *, limit: int | None = MAX_PROBLEMS_SHOWN, mode: str | None = None) -> dict[str, Any]:
    """An import (or edit) report as pages and the API show it: :meth:`Report.to_dict` with at most ``limit``
    problems (``None``: all of them).

    The counts (``valid``, ``errors``, ``warnings``, ``summary``) are the whole report's. When the list is cut,
    errors come before warnings (they are what stops the import), ``problems_omitted`` counts the problems left
    out by code, ``problems_note`` says how many are shown and how to get every one, and ``problems_command`` is
    the CLI command that lists them all (``mode``: the import's, for that command; otherwise ``None``).
    ``problems_total`` is the number of problems in the report.
    """
    problems = rep.problems
    cut = limit is not None and len(problems) > limit
    shown = (rep.errors + rep.warnings)[:limit] if cut else problems
    out = replace(rep, problems=shown).to_dict() if cut else rep.to_dict()
    out.update(valid=rep.valid, errors=len(rep.errors), warnings=len(rep.warnings), summary=rep.summary())
    omitted = Counter(p.code for p in problems) - Counter(p.code for p in shown)
    out["problems_total"] = len(problems)
    out["problems_omitted"] = dict(sorted(omitted.items(), key=lambda kv: (-kv[1], kv[0])))
    out["problems_note"] = out["problems_command"] = None
    if cut:
        name = rep.files[0] if len(rep.files) == 1 else "FILE"
        out["problems_command"] = (f"smpatlas validate {shlex.quote(name)} --mode {mode or 'MODE'} "
                                   "--report-format json")
        by_code = ", ".join(f"{n:,} {code.replace('_', ' ')}" for code, n in out["problems_omitted"].items())
        out["problems_note"] = (
            f"Showing the first {len(shown):,} of {len(problems):,} problems (errors first); not listed: {by_code}. "
            f"To see every problem, run {out['problems_command']}" + ("" if mode else " with the import's mode")
            + ", or send the file to POST /api/v1/import?problems=all with dry_run=true.")
    return out


def outcomes_of(conn: Connection, query: fc.Query, indicators: Sequence[str] = ()) -> oc.Outcomes:
    """Outcomes over time across what ``query`` selects, for ``indicators`` (all when none; an unknown one is a
    :class:`~smpatlas.errors.ConfigError` naming those that exist)."""
    wanted = oc.check_indicators(list(indicators) or None)
    if query.complete_in_filters:
        return oc.of_selection(conn, query.filters(), indicators=wanted)
    return oc.compute(fc.all_records(conn, query), filters=query.to_dict(), indicators=wanted)
