"""The Python API: one object over one inventory.

Owns :class:`Atlas`, a thin facade that opens a database and delegates to
the io, store and analysis modules (the same functions the CLI calls), so a
notebook gets exactly what the command line prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from smpatlas import record as rec
from smpatlas.analysis import assessment as asm
from smpatlas.analysis import rubric as rubric_mod
from smpatlas.analysis import similarity
from smpatlas.analysis.alignment import ReferenceContext, align, align_all
from smpatlas.analysis.overview import Overview, overview
from smpatlas.analysis.portfolio import Portfolio, portfolio_of_selection
from smpatlas.analysis.stats import DEFAULT_SCALE_THRESHOLD, Stats
from smpatlas.analysis.stats import of_selection as stats_of_selection
from smpatlas.errors import NotFound, ValidationFailed
from smpatlas.io import exporter
from smpatlas.io.importer import default_user, import_files
from smpatlas.problems import Problem, Report
from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters


class Atlas:
    """An inventory of partnerships in one database."""

    def __init__(self, engine: Engine, *, user: str | None = None, rubric: str | Path | None = None) -> None:
        self.engine = engine
        self.user = user or default_user()
        self.rubric = rubric_mod.load(rubric) if rubric else rubric_mod.default()
        self._context: ReferenceContext | None = None

    @property
    def context(self) -> ReferenceContext:
        """Reference data (shortage tables, WHO list) used by alignment and the assessment; loaded once."""
        if self._context is None:
            with self.engine.connect() as conn:
                self._context = ReferenceContext.load(conn)
        return self._context

    def __repr__(self) -> str:
        return f"Atlas({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------
    def get(self, rid: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            found = repo.get(conn, rid)
            if found is None:
                raise _not_found(conn, rid)
        return found

    def deletion(self, rid: str) -> repo.Deletion | None:
        """When ``rid`` belonged to a partnership that was deleted (its id is retired, never reused): the last
        deletion (when, by whom); else None."""
        with self.engine.connect() as conn:
            return repo.deletion(conn, rid)

    def records(self, filters: Filters | None = None, **kw: Any) -> list[dict[str, Any]]:
        """Records matching ``filters`` (or keyword filters such as ``destination=["DEU"]``)."""
        f = _filters(filters, kw)
        with self.engine.connect() as conn:
            return list(repo.select_records(conn, f))

    def count(self, filters: Filters | None = None, **kw: Any) -> int:
        with self.engine.connect() as conn:
            return repo.count(conn, _filters(filters, kw))

    def overview(self, filters: Filters | None = None, **kw: Any) -> Overview:
        with self.engine.connect() as conn:
            return overview(conn, _filters(filters, kw))

    def history(self, rid: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            if repo.get_meta(conn, rid) is None and not repo.history_of(conn, rid):
                raise NotFound(rid)
            return repo.history_of(conn, rid)

    # -- analysis ------------------------------------------------------------
    def stats(self, filters: Filters | None = None, *, scale_threshold: int = DEFAULT_SCALE_THRESHOLD,
              by: list[str] | None = None, **kw: Any) -> Stats:
        """Inventory statistics over the selection (``.to_dict()``, ``.headlines()``, ``.to_frame()``)."""
        f = _filters(filters, kw)
        with self.engine.connect() as conn:
            return stats_of_selection(conn, f, scale_threshold=scale_threshold, by=by)

    def assess(self, rid: str) -> asm.Assessment:
        """The six-dimension assessment of one partnership."""
        return asm.assess(self.get(rid), self.rubric, self.context)

    def assess_all(self, filters: Filters | None = None, **kw: Any) -> Portfolio:
        f = _filters(filters, kw)
        with self.engine.connect() as conn:
            return portfolio_of_selection(conn, f, self.rubric, self.context)

    def whatif(self, rid: str, changes: dict[str, Any]) -> asm.WhatIf:
        """The assessment of a modified design, with the delta; nothing is written."""
        current = self.get(rid)
        modified, issues = rec.normalise({k: v for k, v in {**current, **changes}.items() if v is not None})
        if issues:
            report = Report(files=[f"what-if on {rid}"])
            for i in issues:
                report.add(Problem(i.error.message, field=i.field, column=i.field, value=i.value,
                                   hint=i.error.hint, code=i.error.code, record_id=rid))
            raise ValidationFailed(report)
        return asm.whatif(current, modified, self.rubric, self.context)

    def benchmark(self, draft: dict[str, Any], filters: Filters | None = None, k: int = 5, **kw: Any
                  ) -> dict[str, Any]:
        """A draft design's assessment, its percentiles against the inventory and the most similar partnerships."""
        f = _filters(filters, kw)
        a = asm.assess({**draft, "id": None}, self.rubric, self.context)  # a draft is no inventory record
        with self.engine.connect() as conn:
            records = list(repo.select_records(conn, f))
        population = (asm.assess(r, self.rubric, self.context, detail=False) for r in records)
        return {
            "draft": draft,
            "assessment": a.to_dict(),
            "percentiles": similarity.percentiles(a, population),
            "most_similar": [n.to_dict() for n in similarity.most_similar(draft, records, k)],
            "similarity_measure": similarity.MEASURE,
            "filters": f.to_dict() if f else {},
        }

    def align(self, rid: str) -> dict[str, Any]:
        """Occupations of one partnership against the shortage lists of its destinations."""
        return align(self.get(rid), self.context)

    def align_all(self, filters: Filters | None = None, **kw: Any) -> dict[str, Any]:
        """Per destination: uncovered shortages and skill-level mismatch; and corridors."""
        f = _filters(filters, kw)
        with self.engine.connect() as conn:
            out = align_all(repo.select_records(conn, f), self.context)
        out["filters"] = f.to_dict() if f else {}
        return out

    # -- writing -------------------------------------------------------------
    def import_files(self, paths: Sequence[str | Path], **kw: Any) -> Report:
        kw.setdefault("user", self.user)
        return import_files(self.engine, paths, **kw)

    def export(self, fmt: str, out: str | Path, filters: Filters | None = None, **kw: Any) -> int:
        f = _filters(filters, kw)
        with self.engine.connect() as conn:
            return exporter.export(repo.select_records(conn, f), fmt, Path(out))

    def edit(self, rid: str, changes: dict[str, Any], *, expected_version: int | None = None,
             user: str | None = None) -> dict[str, Any]:
        """Change fields of one record (raw values are normalised; ``None`` clears a field)."""
        with self.engine.begin() as conn:
            current = repo.get(conn, rid)
            if current is None:
                raise _not_found(conn, rid)
            merged: dict[str, Any] = {**current, **changes}
            if "id" in changes and changes["id"] != rid:
                report = Report(files=[f"edit of {rid}"])
                report.add(Problem("the id of a record cannot be changed", field="id", value=changes["id"],
                                   hint="create a new record and delete the old one", code="id_change"))
                raise ValidationFailed(report)
            record, issues = rec.normalise({k: v for k, v in merged.items() if v is not None})
            if issues:
                report = Report(files=[f"edit of {rid}"])
                for i in issues:
                    report.add(Problem(i.error.message, field=i.field, column=i.field, value=i.value,
                                       hint=i.error.hint, code=i.error.code, record_id=rid))
                raise ValidationFailed(report)
            repo.replace_one(conn, record, expected_version=expected_version,
                             change=repo.Change(user=user or self.user, context="edit"))
            return record

    def delete(self, rid: str, *, user: str | None = None) -> None:
        """Delete one record (its history is kept); a missing one says when and by whom it was deleted."""
        try:
            with self.engine.begin() as conn:
                repo.delete_ids(conn, [rid], change=repo.Change(user=user or self.user, context="delete"))
        except NotFound:
            with self.engine.connect() as conn:
                raise _not_found(conn, rid) from None


def _not_found(conn: Connection, rid: str) -> NotFound:
    """NotFound for ``rid``, saying when and by whom it was deleted if it was."""
    gone = repo.deletion(conn, rid)
    if gone is None:
        return NotFound(rid)
    return NotFound(rid, f"It was deleted on {gone.day} by {gone.user}; its history is kept and its id is "
                         "never reused.")


def _filters(filters: Filters | None, kw: dict[str, Any]) -> Filters | None:
    if filters is None and not kw:
        return None
    f = filters or Filters()
    for k, v in kw.items():
        if not hasattr(f, k):
            from smpatlas.errors import ConfigError

            raise ConfigError(f"Unknown filter {k!r}.")
        setattr(f, k, [v] if isinstance(v, str) and isinstance(getattr(f, k), list) else v)
    return f.normalised()


def open(db: str | Path | None = None, *, user: str | None = None, create: bool = True) -> Atlas:
    """Open (or create) the inventory at ``db``: a file path or a database URL."""
    return Atlas(database.open_engine(str(db) if db is not None else None, create_if_missing=create), user=user)
