"""Importing partnerships: files → validated records → one transaction.

Owns the import pipeline: map headers to codebook fields, normalise and
validate every row (collecting *every* problem with file, sheet, row, column,
value and hint), catch duplicate ids and ids of deleted partnerships, and
write in batches inside a single transaction that is rolled back unless
everything is valid. Memory stays flat: rows stream from the readers and are
written in batches. Knows nothing of the CLI or the web; reports progress
through a callback.

Ids are never reused: a row whose id belonged to a deleted partnership is
refused (``id_retired``) in every mode, ``replace`` included — the row would be
a new record whose history restarts at version 1 after the deleted one's, and
``replace`` means "the file is the inventory", not "undo deletions".
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter, not_
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from smpatlas import record as rec
from smpatlas.codebook import Codebook, fold_header
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.io.readers import FileError, Table, open_table
from smpatlas.io.tables import CellProblem
from smpatlas.normalise import suggest
from smpatlas.problems import Problem, Report
from smpatlas.store import repository as repo

MODES = ("insert", "upsert", "replace")
BATCH = 2000
_BLANK_CELLS = frozenset({"", None})
#: Unknown columns that get a "did you mean" hint (each costs a fuzzy match against every codebook header).
SUGGEST_UNKNOWN = 100
Progress = Callable[[int, int, int], None]  # rows, bytes read, total bytes


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass
class _Columns:
    """How the columns of one table map to fields."""

    fields: list[str | None]  # per column: field name, or None (ignored)
    labels: list[str]  # per column: the header as written
    required: frozenset[str]  # fields every record needs
    # For rows exactly as wide as the header when every column without a field has a header (so its
    # cells are ignored): see :meth:`raw`.
    plain: bool = field(init=False)  # every column has a field or a header
    names: list[str] = field(init=False)  # the fields, in column order
    pick: Callable[[Any], Any] = field(init=False)  # cells → the cells of the fields (a tuple)
    needed: list[tuple[int, str]] = field(init=False)  # (position in names, field) of required fields
    by_field: dict[str, str] = field(init=False)  # field → header as written

    def __post_init__(self) -> None:
        self.plain = all(f is not None or label for f, label in zip(self.fields, self.labels, strict=True))
        picks = [(i, f) for i, f in enumerate(self.fields) if f is not None]
        self.names = [f for _, f in picks]
        where = [i for i, _ in picks]
        self.pick = itemgetter(*where) if len(where) > 1 else lambda cells: tuple(cells[i] for i in where)
        self.needed = [(n, f) for n, f in enumerate(self.names) if f in self.required]
        self.by_field = {f: self.labels[i] for i, f in picks}

    def raw(self, cells: Any) -> dict[str, Any] | None:
        """Raw values by field of a row exactly as wide as the header (``plain`` tables only).

        Blank cells ("" or None) of optional fields are left out: :func:`smpatlas.record.normalise`
        would leave them out of the record without a word. Those of required fields stay ("required
        but empty"). None when a cell cannot be hashed (readers give none): read the row the long way.
        """
        values = self.pick(cells)
        try:
            blank = list(map(_BLANK_CELLS.__contains__, values))
        except TypeError:
            return None
        raw = dict(compress(zip(self.names, values, strict=True), map(not_, blank)))
        for n, name in self.needed:
            if blank[n]:
                raw[name] = values[n]
        return raw


def _map_header(table: Table, cb: Codebook, report: Report, mode: str) -> _Columns | None:
    """The field of each column. Every required column must be there, except in ``upsert``, where a file may
    hold the id and only the columns it changes: a row whose id is new is then checked for the required fields
    the file lacks (:meth:`_Run.merge_partial`)."""
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    ok = True
    where: dict[str, Any] = {"file": table.file, "sheet": table.sheet, "row": 1}
    known = [fold_header(k) for k in [f.name for f in cb.fields] + [f.label for f in cb.fields]]
    unknown = 0
    for raw in table.header:
        head = str(raw).strip()
        if not head:
            fields.append(None)  # blank header: data under it is reported per row
            continue
        if head.startswith("#"):
            fields.append(None)
            continue
        name = cb.field_for_header(head)
        if name is None:
            unknown += 1  # "did you mean" for the first ones only: a sheet of 20,000 stray columns took 14 s
            guess = suggest(fold_header(head), known) if unknown <= SUGGEST_UNKNOWN else None
            report.add(Problem(
                f"unknown column {head!r}", code="unknown_column", column=head, value=head,
                hint=(guess + " " if guess else "")
                + "rename it to a codebook field, delete it, or start its header with '#' to ignore it",
                **where,
            ))
            ok = False
            fields.append(None)
            continue
        if name in seen:
            report.add(Problem(
                f"columns {seen[name]!r} and {head!r} both mean {name!r}", code="duplicate_column",
                column=head, hint="keep one of them", **where,
            ))
            ok = False
        seen[name] = head
        fields.append(name)
    for f in cb.fields:
        if f.required and f.name not in seen and (mode != "upsert" or f.name == "id"):
            report.add(Problem(
                f"required column {f.label!r} is missing", code="missing_column", column=f.label,
                hint=f"add a column headed {f.name!r} (or {f.label!r})", **where,
            ))
            ok = False
    required = frozenset(f.name for f in cb.fields if f.required)
    return _Columns(fields, [str(h).strip() for h in table.header], required) if ok else None


class _Run:
    """State of one import invocation (all files, one transaction)."""

    def __init__(self, conn: Connection, cb: Codebook, mode: str, report: Report, change: repo.Change,
                 progress: Progress | None) -> None:
        self.conn, self.cb, self.mode, self.report, self.change = conn, cb, mode, report, change
        self.progress = progress
        self.seen: dict[str, str] = {}  # id → where first seen
        self.batch: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (record, location)
        # Upserted records whose file lacks some fields: (position in batch, fields given, raw values).
        self.partial: list[tuple[int, frozenset[str], dict[str, Any] | None]] = []
        self.all_fields = frozenset(cb.names)
        self.writing = True

    def problem(self, loc: dict[str, Any], **kw: Any) -> None:
        self.report.add(Problem(**loc, **kw))
        self.writing = False

    def file_name(self, path: str) -> str:
        names: dict[str, str] = self.__dict__.setdefault("_names", {})
        if path not in names:
            names[path] = Path(path).name
        return names[path]

    def first_seen(self, rid: str, loc: dict[str, Any], id_column: str | None) -> bool:
        """Record where an id first appears; report a duplicate (True when it is new)."""
        if rid in self.seen:
            self.problem(loc, message=f"duplicate id {rid!r}: it already appears at {self.seen[rid]}",
                         code="duplicate_id", column=id_column, field="id", value=rid, record_id=rid,
                         hint="ids must be unique; give one of the rows another id")
            return False
        self.seen[rid] = f"{self.file_name(loc['file'])}" + (f" row {loc['row']}" if loc.get("row") else "")
        return True

    def add(self, record: dict[str, Any], loc: dict[str, Any], id_column: str | None,
            raw: dict[str, Any] | None = None, given: frozenset[str] | None = None) -> None:
        """Queue a valid record. ``given``: the fields its file has (columns, or a JSON record's keys)."""
        loc = {**loc, "column": id_column}
        if self.mode == "upsert" and given is not None and not self.all_fields <= given:
            self.partial.append((len(self.batch), given, raw))  # merged with the stored record in flush()
        else:
            self.warn(record, loc, raw)
        self.batch.append((record, loc))
        if len(self.batch) >= BATCH:
            self.flush()

    def warn(self, record: dict[str, Any], loc: dict[str, Any], raw: dict[str, Any] | None) -> None:
        for w in rec.warnings(record, raw):
            self.report.add(Problem(**{**loc, "column": None}, message=w.error.message, hint=w.error.hint,
                                    code=w.error.code, field=w.field, value=w.value, record_id=record["id"],
                                    severity="warning"))

    def merge_partial(self) -> None:
        """Upsert from a file without some fields: keep those fields' stored values (never clear them).

        The merged record is validated again (rules across fields, e.g. end year ≥ start year, see both);
        what fails is reported at the row, naming the fields whose stored values were used.
        """
        # held until the import ends: an edit saved meanwhile would otherwise be undone by the values read here
        stored = repo.records(self.conn, [self.batch[i][0]["id"] for i, _, _ in self.partial], lock=True)
        for i, given, raw in self.partial:
            record, loc = self.batch[i]
            old = stored.get(record["id"])
            if old is None:  # a new partnership: it needs every required field, which the file may lack
                missing = [f for f in self.cb.fields if f.required and f.name not in given]
                if missing:
                    self.problem({**loc, "column": None}, code="required", field=missing[0].name,
                                 record_id=record["id"],
                                 message=f"{record['id']!r} is not in the inventory, so the row is a new "
                                 f"partnership, which needs {', '.join(f.label for f in missing)}",
                                 hint="the file has no column for "
                                 f"{'it' if len(missing) == 1 else 'them'}: add the column"
                                 f"{'' if len(missing) == 1 else 's'}, or correct the id if the row updates a "
                                 "partnership already in the inventory")
                    continue
            else:
                kept = sorted(k for k in old if k not in given)
                merged, issues = rec.normalise({**{k: old[k] for k in kept}, **record}, self.cb)
                for issue in issues:
                    name = issue.field or ""
                    where = {**loc, "column": self.cb[name].label if name in self.cb else name or None}
                    self.problem(where, message=issue.error.message, code=issue.error.code, field=issue.field,
                                 value=issue.value, record_id=record["id"],
                                 hint=(issue.error.hint + "; " if issue.error.hint else "")
                                 + f"the file has no column for {', '.join(kept)}, so their stored values were "
                                 "used with the row's")
                if not issues:
                    self.batch[i] = (merged, loc)
                    record = merged
            self.warn(record, loc, raw)
        self.partial.clear()

    def flush(self) -> None:
        """Check the batch's ids against the inventory (and the retired ids of deleted partnerships, which no
        mode may use again) and, while all is valid, write it."""
        if not self.batch:
            return
        if self.partial:
            self.merge_partial()
        records = [r for r, _ in self.batch]
        ids = [r["id"] for r in records]
        present = repo.existing_ids(self.conn, ids)
        retired = repo.retired_ids(self.conn, [i for i in ids if i not in present])  # usually none to look up
        for r, loc in self.batch:
            rid = r["id"]
            if self.mode == "insert" and rid in present:
                self.problem(loc, message=f"id {rid!r} is already in the inventory", code="id_exists",
                             field="id", value=rid, record_id=rid,
                             hint="use --mode upsert to update existing records, or choose a new id")
            elif rid in retired:
                self.problem(loc, message=retired[rid].refusal(), code="id_retired", field="id", value=rid,
                             record_id=rid, hint=f"choose another id ('smpatlas show {rid}' shows the deleted "
                             "partnership's history)")
        if self.writing:
            counts = repo.write(self.conn, records, mode=self.mode, change=self.change)
            self.report.inserted += counts.inserted
            self.report.updated += counts.updated
            self.report.unchanged += counts.unchanged
        self.batch.clear()

    def table(self, table: Table) -> None:
        cols: _Columns | None = None
        id_column = None
        for note in table.notes:  # what the reader chose for the person (a cover sheet passed over)
            self.report.add(Problem(note.message, code=note.code, hint=note.hint, severity="warning",
                                    file=table.file, sheet=table.sheet, row=None))
        if not table.keyed:
            cols = _map_header(table, self.cb, self.report, self.mode)
            if cols is None:
                self.writing = False
                return
            id_column = next((lab for f, lab in zip(cols.fields, cols.labels, strict=True) if f == "id"), None)
            merged = [cell for cell in table.cell_problems if cell.block]
            for cell in table.cell_problems:
                index = cell.column
                label = cols.labels[index] if 0 <= index < len(cols.labels) else f"column {index + 1}"
                self.problem({"file": table.file, "sheet": table.sheet, "row": cell.row}, message=cell.message,
                             column=label, code=cell.code, hint=cell.hint)
        else:
            merged = []
        rows_here = 0
        given_here = frozenset(cols.names) if cols is not None else None  # a table's fields: its columns
        report, cb, normalise, progress = self.report, self.cb, rec.normalise, self.progress
        file, sheet = table.file, table.sheet
        try:
            for n, cells in table.rows:
                rows_here += 1
                report.rows += 1
                loc = {"file": file, "sheet": sheet, "row": n}
                if (cols is not None and cols.plain and len(cells) == len(cols.fields)
                        and (raw := cols.raw(cells)) is not None):
                    columns = cols.by_field
                else:
                    got, columns = self._raw(cells, cols, loc)
                    if got is None:
                        continue
                    raw = got
                record, issues = normalise(raw, cb)
                if issues and self.mode == "upsert":  # a field the file lacks: its stored value is kept
                    given = given_here if given_here is not None else frozenset(columns)
                    issues = [i for i in issues if i.error.code != "required" or i.field in given or i.field == "id"]
                rid = record.get("id")
                new_id = self.first_seen(rid, loc, id_column) if isinstance(rid, str) else True
                if issues:
                    for issue in issues:
                        fname = issue.field or ""
                        if merged and cols is not None and self._merged(merged, cols, n, issue):
                            continue  # said once for the whole merged block
                        col = columns.get(fname, cb[fname].label if fname in cb else fname)
                        self.problem(loc, message=issue.error.message, hint=issue.error.hint,
                                     code=issue.error.code, column=col, field=issue.field,
                                     value=issue.value, record_id=record.get("id"))
                    continue
                if new_id:
                    self.add(record, loc, id_column, raw, given_here if cols is not None else frozenset(columns))
                if progress and report.rows % 500 == 0:
                    progress(report.rows, table.position() if table.position else 0, table.size)
        except FileError as exc:
            self.problem({"file": table.file, "sheet": table.sheet, "row": exc.row},
                         message=exc.message, hint=exc.hint, code=exc.code)
            return
        if rows_here == 0:
            self.problem({"file": table.file, "sheet": table.sheet, "row": None},
                         message="the file has a header but no data rows" if not table.keyed
                         else "the file holds no records",
                         hint="add at least one partnership below the header" if not table.keyed else None,
                         code="no_rows")

    @staticmethod
    def _merged(merged: list[CellProblem], cols: _Columns, row: int, issue: rec.FieldIssue) -> bool:
        """Whether ``issue`` is a required cell left empty by merged cells (reported once, as a block)."""
        if issue.error.code != "required" or issue.field not in cols.fields:
            return False
        column = cols.fields.index(issue.field)
        return any(cell.covers(row, column) for cell in merged)

    def _raw(self, cells: Any, cols: _Columns | None, loc: dict[str, Any]
             ) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Raw values by field, and the column each came from (None: the row is reported, skip it)."""
        if cols is None:  # keyed JSON record
            if not isinstance(cells, dict):
                from smpatlas.io.readers import _json_type

                self.problem(loc, message=f"expected a JSON object, got a JSON {_json_type(cells)}",
                             code="not_object", hint='each item must look like {"id": ..., "name": ...}')
                return None, {}
            raw: dict[str, Any] = {}
            columns: dict[str, str] = {}
            for key, value in cells.items():
                name = self.cb.field_for_header(str(key))
                if name is None:
                    guess = suggest(str(key), self.cb.names)
                    self.problem(loc, message=f"unknown field {key!r}", code="unknown_field", column=str(key),
                                 hint=(guess + " " if guess else "") + "see 'smpatlas codebook'")
                    continue
                if name in raw:
                    self.problem(loc, message=f"keys {columns[name]!r} and {key!r} both mean {name!r}",
                                 code="duplicate_column", column=str(key), hint="keep one of them")
                    continue
                raw[name] = value
                columns[name] = str(key)
            return raw, columns  # with its other problems too: every problem in one pass (never stored)
        raw = {}
        columns = {}
        for i, value in enumerate(cells):
            name = cols.fields[i] if i < len(cols.fields) else None
            if name is None:
                blank = value is None or (isinstance(value, str) and not value.strip())
                if not blank and (i >= len(cols.labels) or not cols.labels[i]):
                    self.problem(loc, message=f"a value in column {i + 1} which has no header",
                                 code="no_header", value=value,
                                 hint="give the column a header or delete the value")
                    return None, {}
                continue
            raw[name] = value
            columns[name] = cols.labels[i]
        return raw, columns


def import_files(engine: Engine, paths: Sequence[str | Path], *, mode: str = "insert", dry_run: bool = False,
                 sheet: str | None = None, user: str | None = None, progress: Progress | None = None,
                 cb: Codebook | None = None) -> Report:
    """Import ``paths`` all-or-nothing; returns the :class:`Report` (check ``report.valid``).

    Nothing is written when any problem is found or when ``dry_run`` is set. In every mode, a record whose id
    belonged to a deleted partnership is a problem (``id_retired``): ids are never reused.
    """
    if mode not in MODES:
        raise ConfigError(f"Unknown import mode {mode!r}; use one of {', '.join(MODES)}.")
    cb = cb or default_codebook()
    report = Report(files=[str(p) for p in paths], dry_run=dry_run)
    change = repo.Change(user=user or default_user(),
                         context=f"import ({mode}) " + ", ".join(Path(p).name for p in paths))
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            run = _Run(conn, cb, mode, report, change, progress)
            for path in paths:
                try:
                    table = open_table(Path(path), sheet=sheet)
                except FileError as exc:
                    run.problem({"file": str(path), "sheet": exc.sheet or sheet, "row": exc.row},
                                message=exc.message, hint=exc.hint, code=exc.code)
                    continue
                run.table(table)
            run.flush()
            if report.valid and mode == "replace":
                gone = sorted(repo.all_ids(conn) - set(run.seen))
                report.deleted = repo.delete_ids(conn, gone, change=change)
                report.deleted_ids = gone
            if report.valid and not dry_run:
                trans.commit()
                report.written = True
            else:
                trans.rollback()
                if not report.valid:  # nothing was written: no counts of batches rolled back
                    report.inserted = report.updated = report.unchanged = report.deleted = 0
                    report.deleted_ids = []
        except BaseException:
            trans.rollback()
            raise
    return report
