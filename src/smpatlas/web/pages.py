"""Server-rendered pages for reading: dashboard, outcomes over time (+ CSV), browse (+ downloads), partnership,
compare, what-if, log-in.

Owns the HTML routes that read, each built on the same dict as its API twin
(:mod:`smpatlas.web.data`), and :func:`render` (every template gets the user,
the CSRF token and the query helpers). Partials named ``_*.html`` are the
htmx fragments (``_results.html`` for browse, which ``browse.html`` sends alone for htmx with the
statistics link out of band; ``_whatif_delta.html``).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from smpatlas.analysis import outcomes as oc
from smpatlas.analysis.stats import compute
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.io import exporter
from smpatlas.normalise import suggest
from smpatlas.store.filters import describe
from smpatlas.web import auth, charts, data, forms
from smpatlas.web import facets as fc
from smpatlas.web.api.outcomes import INDICATOR, indicators_of
from smpatlas.web.deps import AppState, CurrentUser, Reader, SessionDep, StateDep
from smpatlas.web.settings import DEFAULT_PER_PAGE

router = APIRouter(include_in_schema=False)
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json", "jsonl": "application/x-ndjson",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "datapackage": "application/zip"}


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    state: AppState = request.app.state.smpatlas
    try:
        user = auth.current_user(request, state.engine, state.sessions)
    except Exception:  # a bad token while rendering an error page
        user = auth.ANONYMOUS
    ctx = {"user": user, "csrf_token": state.sessions.csrf_token(request), "codebook": default_codebook(),
           "public": state.settings.public, "path": request.url.path, **context}
    return state.templates.TemplateResponse(request, name, ctx, status_code=status)


def _query(request: Request) -> fc.Query:
    return fc.Query.from_params(list(request.query_params.multi_items()))


@router.get("/")
def dashboard(request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> Response:
    """The figures and charts of the selection the query string makes (Browse's and ``/api/v1/stats``'s filters;
    none: the whole inventory); bad parameters are named above the figures, which leave them out (400)."""
    query, problems = fc.Query.parse(list(request.query_params.multi_items()))
    chosen = query.to_dict()
    records = list(fc.all_records(conn, query))
    stats = compute(records, filters=chosen)
    specs = charts.dashboard_charts(state.atlas, stats, records)
    return render(request, "dashboard.html", {
        "headlines": stats.headlines(), "n": stats.n, "charts": specs, "countries": len(stats.countries),
        "year_min": stats.year_min, "year_max": stats.year_max, "q": query, "filtered": bool(chosen),
        "described": describe(chosen), "browse_url": query.url(page=1), "outcomes_url": _outcomes_url(query),
        "problems": [message for _, message in problems]}, status=400 if problems else 200)


def _outcomes_url(query: fc.Query, indicators: list[str] | None = None, path: str = "/outcomes") -> str:
    """The outcomes over time of ``query``'s selection (its filters; not its order or page), for ``indicators``."""
    url = query.url(path, sort="name", page=1, per_page=DEFAULT_PER_PAGE)
    extra = urlencode([(INDICATOR, i) for i in indicators or ()])
    return f"{url}{'&' if '?' in url else '?'}{extra}" if extra else url


@router.get("/outcomes")
def outcomes(request: Request, conn: SessionDep, _user: Reader) -> Response:
    """Outcomes over time of the selection the query string makes (the dashboard's filters, plus ``indicator``):
    a table per indicator, the lines spanning years apart, notes and left-out lines, as ``/api/v1/outcomes``;
    bad parameters are named above the tables, which leave them out (400)."""
    query, problems = fc.Query.parse(list(request.query_params.multi_items()), others=(INDICATOR,))
    wanted = []
    for given in indicators_of(request):
        try:
            wanted += [i for i in oc.check_indicators([given]) if i not in wanted]
        except ConfigError as exc:
            problems.append((INDICATOR, str(exc)))
    o = data.outcomes_of(conn, query, wanted)
    d = o.to_dict()
    chosen = query.to_dict()
    sections = [{"indicator": ind, "reporting": d["reporting"][ind],
                 "cells": [c for c in d["cells"] if c["indicator"] == ind],
                 "spans": [c for c in d["spans"] if c["indicator"] == ind],
                 "notes": [n for n in d["notes"] if n["indicator"] == ind],
                 "left_out": [line for line in d["left_out"] if line["indicator"] == ind]}
                for ind in d["indicators"]]
    return render(request, "outcomes.html", {
        "d": d, "headlines": o.headlines(), "sections": [s for s in sections if s["reporting"]],
        "chart": charts.outcomes_chart(o, describe(chosen)),
        "unreported": [s["indicator"] for s in sections if not s["reporting"]], "q": query,
        "filtered": bool(chosen), "described": describe(chosen), "browse_url": query.url(page=1),
        "stats_url": _stats_url(query), "whole_url": _outcomes_url(fc.Query(), wanted),
        "csv_url": _outcomes_url(query, wanted, "/outcomes.csv"),
        "problems": [message for _, message in problems]}, status=400 if problems else 200)


@router.get("/outcomes.csv")
def outcomes_csv(request: Request, conn: SessionDep, _user: Reader) -> Response:
    """The outcomes page's figures as CSV: one row per cell (``smpatlas outcomes --format csv``); bad parameters
    are refused (400)."""
    query = fc.Query.from_params(list(request.query_params.multi_items()), others=(INDICATOR,))
    o = data.outcomes_of(conn, query, indicators_of(request))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(oc.CSV_HEADER)
    w.writerows(o.rows())
    return Response(out.getvalue(), media_type=MEDIA["csv"],
                    headers={"Content-Disposition": 'attachment; filename="outcomes.csv"'})


def _stats_url(query: fc.Query) -> str:
    """The dashboard of ``query``'s selection (its filters; not its order or page)."""
    return query.url("/", sort="name", page=1, per_page=DEFAULT_PER_PAGE)


@router.get("/partnerships")
def browse(request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> Response:
    """The browse page, or its ``#results`` fragment for htmx; bad parameters are shown with the form (400)."""
    query, problems = fc.Query.parse(list(request.query_params.multi_items()))
    index = state.facet_index(conn)
    result = data.browse(conn, query, index=index)
    notice = None
    if query.page > result["pages"]:  # past the end (a stale link, a typed address): show the last page
        pages = result["pages"]
        notice = (f"There is no page {query.page}: this selection has {pages} page{'s' if pages != 1 else ''}. "
                  f"Showing page {pages}, the last.")
        query = replace(query, page=pages)
        result = data.browse(conn, query, index=index)
    typed = {k: request.query_params.get(k) or "" for k in ("year_from", "year_to")} if problems else {}
    ctx = {"q": query, "r": result, "sorts": fc.SORTS, "formats": fc.FORMATS,
           "facet_fields": [f for f in fc.FACET_FIELDS if result["facets"].get(f.name)],
           "problems": [message for _, message in problems], "invalid": {param for param, _ in problems},
           "typed": typed, "notice": notice, "stats_url": _stats_url(query)}
    partial = bool(request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"))
    response = render(request, "browse.html", {**ctx, "partial": partial}, status=400 if problems else 200)
    if notice and partial:
        response.headers["HX-Push-Url"] = query.url()  # the address of the page shown, not of the one asked for
    return response


@router.get("/partnerships/download.{fmt}")
def download(fmt: str, request: Request, conn: SessionDep, _user: Reader) -> Response:
    if fmt not in fc.FORMATS:
        raise ConfigError(f"Cannot download as {fmt!r}; use one of {', '.join(fc.FORMATS)}.")
    query = _query(request)
    folder = Path(tempfile.mkdtemp(prefix="smpatlas-download-"))
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    if fmt == "datapackage":
        exporter.export(fc.all_records(conn, query), fmt, folder / "partnerships")
        archive = shutil.make_archive(str(folder / "partnerships-datapackage"), "zip", folder / "partnerships")
        return FileResponse(archive, media_type=MEDIA[fmt], filename="partnerships-datapackage.zip",
                            background=cleanup)
    out = folder / f"partnerships.{fmt}"
    exporter.export(fc.all_records(conn, query), fmt, out)
    return FileResponse(out, media_type=MEDIA[fmt], filename=out.name, background=cleanup)


@router.get("/partnerships/{rid}")
def partnership(rid: str, request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> Response:
    d = data.partnership_page(state.atlas, conn, rid)
    return render(request, "partnership.html", {"d": d, "rec": d["partnership"], "a": d["assessment"]})


@router.get("/partnerships/{rid}/versions/{version}")
def partnership_version(rid: str, version: int, request: Request, conn: SessionDep, _user: Reader) -> Response:
    """The partnership as it stood at ``version``, from its history (``smpatlas show ID --version N``)."""
    d = data.version(conn, rid, version)
    made = d["made"]
    v = {"version": d["version"], "latest": d["latest_version"], **made}
    return render(request, "partnership_version.html", {"rid": rid, "rec": d["partnership"], "v": v})


@router.get("/compare")
def compare(request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> Response:
    """The compare form, and the comparison when the ids allow it; problems are shown next to the form."""
    ids = request.query_params.getlist("id")
    if not any(i.strip() for i in ids):
        return render(request, "compare.html", {"d": None, "ids": [], "problems": [], "unknown": []})
    page = data.compare_page(conn, ids, state.atlas)
    status = 404 if page["unknown"] else 400 if page["too_many"] else 200
    return render(request, "compare.html", {"d": page["comparison"], "ids": page["ids"],
                                            "problems": page["problems"], "unknown": page["unknown"]}, status=status)


def _whatif_fields() -> list[Any]:
    return forms.fields_of(forms.DESIGN_SECTIONS, forms.WHATIF_KINDS)


@router.get("/partnerships/{rid}/whatif")
def whatif(rid: str, request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> Response:
    d = data.partnership(conn, rid, history=False)
    fields = _whatif_fields()
    values = forms.initial(d["partnership"], fields)
    w = data.whatif(state.atlas, rid, {})
    return render(request, "whatif.html", {"rec": d["partnership"], "sections": forms.sections(fields, values),
                                           "w": w})


@router.get("/partnerships/{rid}/whatif/delta")
def whatif_delta(rid: str, request: Request, state: StateDep, _user: Reader) -> Response:
    """The htmx fragment: the assessment delta for the form's values (query string); nothing is saved.

    A field left out of the query string keeps the partnership's value; an empty one (``sectors=``,
    ``recognition_mechanism=``) clears it. The form sends every field, a checkbox group an empty value
    besides its ticked boxes, so that no box ticked means cleared. Any other parameter is refused (400):
    a misspelt field would otherwise change nothing without saying so.
    """
    fields = _whatif_fields()
    from starlette.datastructures import FormData

    given = request.query_params
    names = [f.name for f in fields]
    for key in dict.fromkeys(given.keys()):
        if key not in names:
            guess = suggest(key, names)
            shown = key if len(key) <= 40 else key[:39] + "…"
            raise ConfigError(f"{shown!r} is not a design field the what-if can change" + (f" ({guess})" if guess
                              else "") + f"; leave it out, or change one of {', '.join(names)}.")
    values = forms.submitted(FormData(list(given.multi_items())), fields)
    changes = {k: v for k, v in forms.changes_from_form(values, fields).items() if k in given}
    w = data.whatif(state.atlas, rid, changes)
    return render(request, "_whatif_delta.html", {"w": w, "rid": rid})


@router.get("/login")
def login_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "login.html", {"next": _safe_next(request.query_params.get("next")), "error": None})


def _safe_next(target: str | None) -> str:
    """Where to go after log-in: a path on this site, else "/". Browsers read "/\\host" (and tabs or newlines
    inside) as "//host", another site: refused like "//host" itself."""
    if not target or not target.startswith("/") or any(c in target for c in "\\\t\r\n"):
        return "/"
    return "/" if target.startswith("//") else target


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    form = await request.form()
    token = form.get(auth.CSRF_FIELD)
    auth.check_csrf(request, state.sessions, token if isinstance(token, str) else None)
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    address = request.client.host if request.client else "unknown"
    from starlette.concurrency import run_in_threadpool

    from smpatlas.store import users as users_store

    def verify() -> dict[str, Any] | None:
        state.limiter.begin(address, name)  # counted (in the database, for every worker) before checking
        with state.engine.begin() as conn:
            found = users_store.authenticate(conn, name=name, password=password)
        if found is not None:
            state.limiter.succeeded(address, name)
        return found

    from smpatlas.web.errors import TooManyAttempts

    try:
        found = await run_in_threadpool(verify)
    except TooManyAttempts as exc:  # the form again, with the wait: the person may come back to it
        return render(request, "login.html", {"next": target, "error": str(exc), "name": name}, status=429)
    if found is None:
        return render(request, "login.html", {"next": target, "error": "Wrong user name or password.",
                                              "name": name}, status=401)
    state.sessions.log_in(request, found["name"], found["stamp"])
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request, state: StateDep) -> Response:
    form = await request.form()
    token = form.get(auth.CSRF_FIELD)
    auth.check_csrf(request, state.sessions, token if isinstance(token, str) else None)
    state.sessions.log_out(request)
    return RedirectResponse("/", status_code=303)
