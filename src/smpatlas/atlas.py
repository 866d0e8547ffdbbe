"""The Python API: one object over one inventory.

Owns :class:`Atlas`, a thin facade that opens a database and delegates to
the io, store and analysis modules (the same functions the CLI calls), so a
notebook gets exactly what the command line prints; and :func:`open`.

Every mistake a caller can make — an unknown id, a filter or field that does
not exist, a value of the wrong type, a closed Atlas — is a
:class:`~smpatlas.errors.SmpAtlasError` with a message for a person, as on the
command line. Writes are all or nothing.

    >>> import smpatlas
    >>> with smpatlas.open("atlas.db", user="anna") as atlas:
    ...     report = atlas.import_files("partnerships.xlsx", mode="upsert")
    ...     germany = atlas.records(origin="Philippines", destination="DEU")
    ...     scores = atlas.assess("de-ph-triple-win").to_frame()
    >>> report.valid, [r["id"] for r in germany]
    (True, ['de-ph-joint-declaration-skilled-workers-2024', 'de-ph-mx-global-skills-partnerships-nursing',
            'de-ph-triple-win'])
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from smpatlas import arguments as args
from smpatlas import record as rec
from smpatlas.analysis import assessment as asm
from smpatlas.analysis import rubric as rubric_mod
from smpatlas.analysis import similarity
from smpatlas.analysis.alignment import ReferenceContext, align, align_all, reference_stamp
from smpatlas.analysis.outcomes import Outcomes
from smpatlas.analysis.outcomes import of_selection as outcomes_of_selection
from smpatlas.analysis.overview import Overview, overview
from smpatlas.analysis.portfolio import Portfolio, portfolio_of_selection
from smpatlas.analysis.stats import DEFAULT_SCALE_THRESHOLD, Stats
from smpatlas.analysis.stats import of_selection as stats_of_selection
from smpatlas.errors import ConfigError, NotFound
from smpatlas.io import exporter
from smpatlas.io.importer import default_user, import_files
from smpatlas.problems import Report
from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from smpatlas.store.versions import Version, version_of


class Atlas:
    """An inventory of partnerships in one database; open one with :func:`smpatlas.open`.

    Reading: :meth:`get`, :meth:`records`, :meth:`count`, :meth:`overview`, :meth:`history`, :meth:`version`,
    :meth:`deletion`. Analysis: :meth:`stats`, :meth:`outcomes`, :meth:`assess`, :meth:`assess_all`, :meth:`whatif`,
    :meth:`benchmark`, :meth:`align`, :meth:`align_all`. Writing: :meth:`import_files`, :meth:`edit`,
    :meth:`delete`. Files: :meth:`export`, :meth:`report`, :meth:`profile`.

    The selecting methods take the filters of ``smpatlas list`` as keywords — ``origin``, ``destination``,
    ``skill_level``, ``mobility``, ``sector``, ``status``, ``type`` (a value or a list of values: OR),
    ``year_from``, ``year_to`` (partnerships active in the range), ``text``, ``g2g`` (True or False) —
    or a :class:`~smpatlas.store.filters.Filters` (or a dict of the same) as the first argument. Different
    filters combine with AND.

    Use it in a ``with`` block, or call :meth:`close`; a closed Atlas refuses further use.

        >>> with smpatlas.open("atlas.db") as atlas:
        ...     atlas.count(origin="Philippines", destination="DEU")
        3
    """

    def __init__(self, engine: Engine, *, user: str | None = None,
                 rubric: str | Path | rubric_mod.Rubric | None = None) -> None:
        self.engine = engine
        self.user = args.user(user) or default_user()
        self.rubric = rubric if isinstance(rubric, rubric_mod.Rubric) else \
            rubric_mod.load(rubric) if rubric else rubric_mod.default()
        self._context: ReferenceContext | None = None
        self._context_stamp: tuple[Any, ...] = ()
        self._closed = False

    @property
    def context(self) -> ReferenceContext:
        """Reference data (shortage tables, WHO list) used by alignment and the assessment: loaded once, and again
        when the tables changed since (a list imported by another program while the web app runs)."""
        with self._connect() as conn:
            stamp = reference_stamp(conn)
            if self._context is None or stamp != self._context_stamp:
                self._context, self._context_stamp = ReferenceContext.load(conn), stamp
        return self._context

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the ``with`` block ended)."""
        return self._closed

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        return f"Atlas({self.engine.url.render_as_string(hide_password=True)!r}, user={self.user!r}{state})"

    def close(self) -> None:
        """Release the database connections; the Atlas cannot be used afterwards (closing twice is harmless).

            >>> atlas.close()
            >>> atlas.closed
            True
            >>> atlas.count()
            Traceback (most recent call last):
            smpatlas.errors.ConfigError: This Atlas on 'sqlite:///atlas.db' is closed (by close() or at the end of ...
        """
        self._closed = True
        self.engine.dispose()

    def __enter__(self) -> Atlas:
        self._check_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError(f"This Atlas on {database.shown(str(self.engine.url))!r} is closed (by close() or at "
                              "the end of its 'with' block); open the inventory again with smpatlas.open(...).")

    def _connect(self) -> Connection:
        self._check_open()
        return self.engine.connect()

    # -- reading -------------------------------------------------------------
    def get(self, rid: str) -> dict[str, Any]:
        """One partnership as a dict of its fields (canonical values; missing fields left out).

        An id that does not exist is :class:`~smpatlas.errors.NotFound` (saying when and by whom it was
        deleted, if it was).

            >>> atlas.get("de-ph-triple-win")["destination_countries"]
            ['DEU']
            >>> atlas.get("de-ph-triple-wins")
            Traceback (most recent call last):
            smpatlas.errors.NotFound: No partnership with id 'de-ph-triple-wins' in this inventory.
        """
        rid = args.rid(rid)
        with self._connect() as conn:
            found = repo.get(conn, rid)
            if found is None:
                raise _not_found(conn, rid)
        return found

    def deletion(self, rid: str) -> repo.Deletion | None:
        """When ``rid`` belonged to a partnership that was deleted (its id is retired, never reused): the last
        deletion (when, by whom); else None.

            >>> atlas.deletion("de-ph-triple-win") is None
            True
            >>> atlas.delete("de-ph-triple-win")
            >>> atlas.deletion("de-ph-triple-win").user
            'anna'
        """
        rid = args.rid(rid)
        with self._connect() as conn:
            return repo.deletion(conn, rid)

    def records(self, filters: Filters | Mapping[str, Any] | None = None, *, order: str = "id",
                limit: int | None = None, **kw: Any) -> list[dict[str, Any]]:
        """The partnerships the filters select, as dicts (``smpatlas list``), sorted by ``order``.

        ``order`` is id, name, start_year, end_year, status, partnership_type or updated_at (``-`` before
        it for descending); ``limit`` keeps the first ones. ``pandas.DataFrame(atlas.records())`` makes a
        table of them.

            >>> [r["id"] for r in atlas.records(origin="Philippines", destination=["DEU", "Japan"], limit=2)]
            ['de-ph-joint-declaration-skilled-workers-2024', 'de-ph-mx-global-skills-partnerships-nursing']
            >>> [r["start_year"] for r in atlas.records(origin="PHL", destination="DEU", order="-start_year")]
            [2024, 2020, 2013]
        """
        f = args.filters(filters, kw)
        if not isinstance(order, str):
            raise ConfigError(f"order= is the name of a column such as 'name' or '-start_year', not {args.shown(order)}.")
        limit = args.count_arg("limit", limit, optional=True)
        with self._connect() as conn:
            return list(repo.select_records(conn, f, order=order, limit=limit))

    def count(self, filters: Filters | Mapping[str, Any] | None = None, **kw: Any) -> int:
        """How many partnerships the filters select.

            >>> atlas.count(origin="Philippines", destination="DEU"), atlas.count(origin="PHL", g2g=True)
            (3, ...)
        """
        f = args.filters(filters, kw)
        with self._connect() as conn:
            return repo.count(conn, f)

    def overview(self, filters: Filters | Mapping[str, Any] | None = None, **kw: Any) -> Overview:
        """How many partnerships, countries and years the selection has (``.sentences()``, ``.to_dict()``).

            >>> atlas.overview(origin="PHL", destination="DEU").sentences()[0]
            '3 partnerships, starting between 2013 and 2024; 3 of 3 ongoing.'
        """
        f = args.filters(filters, kw)
        with self._connect() as conn:
            return overview(conn, f)

    def history(self, rid: str) -> list[dict[str, Any]]:
        """Every change of one partnership, oldest first: who, when, action, field, old and new value, version.

        The history of a deleted partnership is kept and can be read.

            >>> _ = atlas.edit("de-ph-triple-win", {"status": "completed"})
            >>> [(e["version"], e["action"], e["field"], e["user_name"]) for e in atlas.history("de-ph-triple-win")]
            [(1, 'create', None, 'anna'), (2, 'update', 'status', 'anna')]
        """
        rid = args.rid(rid)
        with self._connect() as conn:
            entries = repo.history_of(conn, rid)
            if not entries and repo.get_meta(conn, rid) is None:
                raise NotFound(rid)
            return entries

    def version(self, rid: str, number: int) -> Version:
        """One partnership as it stood at version ``number``, rebuilt from its history (``show --version``):
        ``.record``, ``.latest``, and who made that version (``.user``), when (``.at``) and which ``.fields`` it
        changed. A version it never had raises :class:`~smpatlas.errors.NoSuchVersion`.

            >>> _ = atlas.edit("de-ph-triple-win", {"status": "completed"})
            >>> v = atlas.version("de-ph-triple-win", 1)
            >>> v.record["status"], v.latest, atlas.version("de-ph-triple-win", 2).fields
            ('ongoing', 2, ('status',))
        """
        rid = args.rid(rid)
        if not args.is_int(number):
            raise ConfigError(f"number= is a version number such as 3, not {args.shown(number)}.")
        with self._connect() as conn:
            if repo.get_meta(conn, rid) is None:
                raise _not_found(conn, rid)
            return version_of(conn, rid, number)

    # -- analysis ------------------------------------------------------------
    def stats(self, filters: Filters | Mapping[str, Any] | None = None, *,
              scale_threshold: int = DEFAULT_SCALE_THRESHOLD, by: str | Sequence[str] | None = None,
              **kw: Any) -> Stats:
        """Every field's distribution over the selection and the seed's figures (``smpatlas stats``).

        ``by`` cross-tabulates one or two fields. The result has ``.headlines()``, ``.to_dict()`` (the JSON
        contract of docs/statistics.md) and ``.to_frame()`` (needs pandas).

            >>> stats = atlas.stats(origin="PHL", destination="DEU")
            >>> stats.n, stats.fields["sectors"].values["health_care"]
            (3, 3)
            >>> stats.headlines()[0]
            '...% (... of 3) target highly skilled workers; ...'
            >>> atlas.stats(origin="PHL", by="destination_countries").crosstab_rows()[0]
            ['destination_countries', 'count', 'denominator', 'share', 'missing']
        """
        f = args.filters(filters, kw)
        by_list = args.by(by)
        if not args.is_int(scale_threshold) or not 0 <= scale_threshold <= 10**9:
            raise ConfigError(f"scale_threshold= is a number of participants from 0 to 1,000,000,000, not "
                              f"{args.shown(scale_threshold)}.")
        with self._connect() as conn:
            return stats_of_selection(conn, f, scale_threshold=scale_threshold, by=by_list)

    def outcomes(self, filters: Filters | Mapping[str, Any] | None = None, *,
                 indicator: str | Sequence[str] | None = None, **kw: Any) -> Outcomes:
        """Outcomes over time across the selection (``smpatlas outcomes``): per indicator and year, the people, how
        many partnerships and which; lines spanning years counted apart; what was left out and by which rule.

        ``indicator`` keeps one or a list; ``.to_dict()`` is the JSON contract of docs/statistics.md.

            >>> o = atlas.outcomes(destination="DEU", indicator="recruited")
            >>> o.cell("recruited", 2018).sum, o.cell("recruited", 2018).ids, o.reporting["recruited"], o.n
            (282, ['de-ba-triple-win', 'de-rs-triple-win', 'de-tn-triple-win'], 10, 51)
        """
        f = args.filters(filters, kw)
        with self._connect() as conn:
            return outcomes_of_selection(conn, f, indicators=indicator)

    def assess(self, rid: str) -> asm.Assessment:
        """The six-dimension assessment of one partnership (``smpatlas assess ID``).

        Scores 0–4 with their coverage, the rules that fired, stakeholder scores, balance, gap flags and
        ranked recommendations; ``.to_dict()`` is the JSON contract of docs/assessment-json.md.

            >>> a = atlas.assess("de-ph-triple-win")
            >>> a.dimensions["integration"].score, a.dimensions["integration"].coverage
            (4.0, 0.75)
            >>> a.flags, a.recommendations[0].text
            (['no_shortage_occupation'], '...')
        """
        return asm.assess(self.get(rid), self.rubric, self.context)

    def assess_all(self, filters: Filters | Mapping[str, Any] | None = None, **kw: Any) -> Portfolio:
        """The portfolio assessment of the selection (``smpatlas assess --all``): distributions, gap flags, balance.

            >>> portfolio = atlas.assess_all(origin="PHL", destination="DEU")
            >>> portfolio.n, sorted(portfolio.to_dict())[:3]
            (3, ['balance', 'dimensions', 'filters'])
        """
        f = args.filters(filters, kw)
        with self._connect() as conn:
            return portfolio_of_selection(conn, f, self.rubric, self.context)

    def whatif(self, rid: str, changes: Mapping[str, Any]) -> asm.WhatIf:
        """The assessment of a modified design, with the delta; nothing is written (``smpatlas whatif``).

        ``changes`` maps fields to raw values, as :meth:`edit` takes them (``None`` treats a field as missing).
        Values that do not validate raise :class:`~smpatlas.errors.ValidationFailed` (``.report`` lists them).

            >>> w = atlas.whatif("de-ph-triple-win", {"recognition_mechanism": "bridging course"})
            >>> w.changes, w.delta()["dimensions"]["skills"]
            ({'recognition_mechanism': ('standard_procedure', 'bridging_course')}, 1.0)
        """
        changes = args.changes(changes)
        current = self.get(rid)
        what = f"what-if on {current['id']}"
        args.refuse_id_change(current["id"], changes, what)
        modified, issues = rec.normalise({k: v for k, v in {**current, **changes}.items() if v is not None})
        args.raise_issues(issues, what, current["id"])
        return asm.whatif(current, modified, self.rubric, self.context)

    def benchmark(self, draft: Mapping[str, Any], filters: Filters | Mapping[str, Any] | None = None, k: int = 5,
                  **kw: Any) -> dict[str, Any]:
        """A draft design's assessment, its percentiles against the selection and the ``k`` most similar partnerships.

        The draft maps fields to raw values, validated as on import (missing fields are allowed); a value that
        does not validate raises :class:`~smpatlas.errors.ValidationFailed`. It is never one of the inventory's
        partnerships, even with the same id. ``"draft"`` in the result is the draft as read (canonical values).

            >>> b = atlas.benchmark({"origin_countries": "Philippines", "destination_countries": "Germany",
            ...                      "sectors": "health care", "skill_levels": "middle"}, k=2)
            >>> b["draft"]["sectors"], [n["id"] for n in b["most_similar"]]
            (['health_care'], ['de-ph-mx-global-skills-partnerships-nursing',
                               'de-ph-joint-declaration-skilled-workers-2024'])
        """
        if not isinstance(draft, Mapping):
            raise ConfigError(f"A draft is a dict of field → value such as {{'sectors': ['health_care']}}, not "
                              f"{args.shown(draft)}.")
        args.check_field_names(draft, "draft")
        f = args.filters(filters, kw)
        k = args.count_arg("k", k)
        record, issues = rec.normalise({n: v for n, v in draft.items() if v is not None}, draft=True)
        args.raise_issues(issues, "draft", None)
        design = {**record, "id": None}  # a draft is no inventory record, whatever id it was given
        ctx = self.context
        a = asm.assess(design, self.rubric, ctx)
        with self._connect() as conn:
            records = list(repo.select_records(conn, f))
        population = (asm.assess(r, self.rubric, ctx, detail=False) for r in records)
        return {
            "draft": record,
            "assessment": a.to_dict(),
            "percentiles": similarity.percentiles(a, population),
            "most_similar": [n.to_dict() for n in similarity.most_similar(design, records, k)],
            "similarity_measure": similarity.MEASURE,
            "filters": f.to_dict() if f else {},
        }

    def align(self, rid: str) -> dict[str, Any]:
        """Occupations of one partnership against the shortage lists of its destinations (``smpatlas align ID``).

            >>> a = atlas.align("de-ph-triple-win")
            >>> a["occupations"], a["shortage_share"]
            ([{'code': '2221', 'title': 'Nursing professionals'}], 0.0)
        """
        return align(self.get(rid), self.context)

    def align_all(self, filters: Filters | Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Per destination: uncovered shortages and skill-level mismatch; and corridors (``smpatlas align --all``).

            >>> sorted(atlas.align_all(destination="DEU"))
            ['corridors', 'destinations', 'filters', 'n', 'note']
        """
        f = args.filters(filters, kw)
        with self._connect() as conn:
            out = align_all(repo.select_records(conn, f), self.context)
        out["filters"] = f.to_dict() if f else {}
        return out

    # -- writing -------------------------------------------------------------
    def import_files(self, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                     mode: str = "insert", dry_run: bool = False, sheet: str | None = None,
                     user: str | None = None) -> Report:
        """Import spreadsheets or JSON files, all or nothing (``smpatlas import``); returns the report.

        ``paths`` is one file or a list of files. ``mode`` is insert (every id new), upsert or replace (see
        the README); ``dry_run`` only validates. Problems in the files do not raise: check ``report.valid``
        and read ``report.to_text()``; when there is any, nothing was written.

            >>> report = atlas.import_files("partnerships.xlsx", mode="upsert")
            >>> report.valid, report.updated, report.written
            (True, 0, True)
            >>> print(atlas.import_files(["missing.csv"]).to_text())
            error: missing.csv: file not found (hint: check the path)
            missing.csv: 1 problem; nothing was written.
        """
        files = args.paths(paths)
        if not isinstance(mode, str):
            raise ConfigError(f"mode= is insert, upsert or replace, not {args.shown(mode)}.")
        if not isinstance(dry_run, bool):
            raise ConfigError(f"dry_run= is True or False, not {args.shown(dry_run)}.")
        if sheet is not None and not isinstance(sheet, str):
            raise ConfigError(f"sheet= is the name of a sheet, not {args.shown(sheet)}.")
        self._check_open()
        return import_files(self.engine, files, mode=mode, dry_run=dry_run, sheet=sheet,
                            user=args.user(user) or self.user)

    def export(self, fmt: str, out: str | os.PathLike[str], filters: Filters | Mapping[str, Any] | None = None,
               **kw: Any) -> int:
        """Write the selection to ``out`` as csv, xlsx, jsonl, json or datapackage (a folder); returns how many.

        Every export re-imports to an identical inventory (``smpatlas export``).

            >>> atlas.export("xlsx", "philippines-germany.xlsx", origin="PHL", destination="DEU")
            3
        """
        if not isinstance(fmt, str):
            raise ConfigError(f"The format is one of csv, xlsx, jsonl, json, datapackage, not {args.shown(fmt)}.")
        target = args.path(out, "out")
        f = args.filters(filters, kw)
        with self._connect() as conn:
            return exporter.export(repo.select_records(conn, f), fmt, target)

    def report(self, out: str | os.PathLike[str], filters: Filters | Mapping[str, Any] | None = None, *,
               fmt: str | None = None, title: str | None = None, **kw: Any) -> Path:
        """Write the inventory report of the selection (``smpatlas report inventory``); returns its path.

        HTML, PDF or XLSX (every table behind every chart), by ``fmt`` or the file's extension; written whole
        or not at all.

            >>> atlas.report("philippines.html", origin="PHL", title="Partnerships with the Philippines").name
            'philippines.html'
        """
        from smpatlas.report import inventory

        target = args.path(out, "out")
        args.optional_text(fmt, "fmt", "html, pdf or xlsx")
        args.optional_text(title, "title", "text")
        f = args.filters(filters, kw)
        self._check_open()
        return inventory.write(self, target, fmt=fmt, filters=f, title=title)

    def profile(self, rid: str, out: str | os.PathLike[str], *, fmt: str | None = None) -> Path:
        """Write the one-page profile of a partnership as HTML or PDF (``smpatlas report partnership``).

            >>> atlas.profile("de-ph-triple-win", "triple-win.html").name
            'triple-win.html'
        """
        from smpatlas.report import profile

        rid = args.rid(rid)
        target = args.path(out, "out")
        args.optional_text(fmt, "fmt", "html or pdf")
        self._check_open()
        return profile.write(self, rid, target, fmt=fmt)

    def edit(self, rid: str, changes: Mapping[str, Any], *, expected_version: int | None = None,
             user: str | None = None) -> dict[str, Any]:
        """Change fields of one record and return it as saved (``smpatlas edit``).

        Raw values are normalised as on import; ``None`` clears a field. Values that do not validate raise
        :class:`~smpatlas.errors.ValidationFailed` (``.report`` lists them) and nothing is written. Without
        ``expected_version`` the changes apply to the latest version (edits made at the same moment wait for
        each other and are all saved, each validated against the others' values); with it (the ``version``
        you read), an edit made meanwhile by someone else is :class:`~smpatlas.errors.ConflictError`.

            >>> atlas.edit("de-ph-triple-win", {"status": "Completed", "end_year": "2024"})["status"]
            'completed'
            >>> atlas.edit("de-ph-triple-win", {"status": "finished"})
            Traceback (most recent call last):
            smpatlas.errors.ValidationFailed: edit of de-ph-triple-win: 1 problem; nothing was written.
            error: column 'status': 'finished': unknown value 'finished' for status (hint: allowed: planned, ...)
            >>> atlas.edit("de-ph-triple-win", {"end_year": 2025}, expected_version=1)
            Traceback (most recent call last):
            smpatlas.errors.ConflictError: Partnership 'de-ph-triple-win' is at version 2, not 1: end_year, status ...
        """
        rid = args.rid(rid)
        changes = args.changes(changes)
        if expected_version is not None and not args.is_int(expected_version):
            raise ConfigError(f"expected_version= is a version number such as 3, not {args.shown(expected_version)}.")
        who = args.user(user) or self.user
        with self._connect() as conn, conn.begin():
            # Held, then read (repo.get_for_update): an edit made at the same moment waits, then applies its changes
            # to the version saved here — no conflict when no version was named, and nothing undone.
            current = repo.get_for_update(conn, rid)
            if current is None:
                raise _not_found(conn, rid)
            what = f"edit of {rid}"
            args.refuse_id_change(rid, changes, what)
            merged: dict[str, Any] = {**current, **changes}
            record, issues = rec.normalise({k: v for k, v in merged.items() if v is not None})
            args.raise_issues(issues, what, rid)
            repo.replace_one(conn, record, expected_version=expected_version,
                             change=repo.Change(user=who, context="edit"))
            return record

    def delete(self, rid: str, *, user: str | None = None) -> None:
        """Delete one record (its history is kept; its id is never reused) (``smpatlas delete``).

        A missing one is :class:`~smpatlas.errors.NotFound`, saying when and by whom it was deleted.

            >>> atlas.delete("de-ph-triple-win")
            >>> atlas.get("de-ph-triple-win")
            Traceback (most recent call last):
            smpatlas.errors.NotFound: No partnership with id 'de-ph-triple-win' in this inventory. It was deleted on ...
        """
        rid = args.rid(rid)
        who = args.user(user) or self.user
        try:
            with self._connect() as conn, conn.begin():
                repo.delete_ids(conn, [rid], change=repo.Change(user=who, context="delete"))
        except NotFound:
            with self._connect() as conn:
                raise _not_found(conn, rid) from None


def _not_found(conn: Connection, rid: str) -> NotFound:
    """NotFound for ``rid``, saying when and by whom it was deleted if it was."""
    gone = repo.deletion(conn, rid)
    if gone is None:
        return NotFound(rid)
    return NotFound(rid, f"It was deleted on {gone.day} by {gone.user}; its history is kept and its id is "
                         "never reused.")


def open(db: str | os.PathLike[str] | None = None, *, user: str | None = None, create: bool = True,
         rubric: str | os.PathLike[str] | None = None) -> Atlas:
    """Open (or, with ``create``, create) the inventory at ``db``: a SQLite file path or a database URL.

    Without ``db``: ``SMPATLAS_DATABASE_URL``, else ``smpatlas.db`` in the current folder. ``user`` is the
    name recorded in the history of the changes made through this Atlas; ``rubric`` a rubric TOML file of
    your own for the assessment (``--rubric``).

        >>> atlas = smpatlas.open("atlas.db", user="anna")
        >>> atlas
        Atlas('sqlite:///atlas.db', user='anna')
        >>> smpatlas.open("no-such-inventory.db", create=False)
        Traceback (most recent call last):
        smpatlas.errors.ConfigError: No SMP Atlas inventory at 'no-such-inventory.db'; run 'smpatlas init' or ...
        >>> atlas = smpatlas.open("postgresql+psycopg://atlas@dbhost/atlas", create=False)  # doctest: +SKIP
    """
    if db is not None and (not isinstance(db, str | os.PathLike) or isinstance(db, bytes)):
        raise ConfigError(f"The inventory is a file path such as 'atlas.db' or a database URL, not {args.shown(db)}.")
    if not isinstance(create, bool):
        raise ConfigError(f"create= is True or False, not {args.shown(create)}.")
    name = args.user(user)
    rules = rubric_mod.default() if rubric is None else rubric_mod.load(args.path(rubric, "rubric"))  # before creating
    return Atlas(database.open_engine(None if db is None else os.fspath(db), create_if_missing=create), user=name,
                 rubric=rules)
