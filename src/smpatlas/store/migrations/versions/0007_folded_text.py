"""partnerships: search and sort by name without case or accents (folded text)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:40:00

Free-text search looked in ``search_text`` lower-cased by Python, so "quebec" did not find
"Québec"; sorting by name used the database's ``lower()``, which lower-cases only ASCII on
SQLite, so "Émile" came after "Zambia". Both now use :func:`smpatlas.store.schema.fold` (no
case, no accents, compatibility forms as plain letters), computed in Python on every engine:

* ``search_text`` is recomputed for every record (the query is folded the same way);
* ``sort_name`` (new, NOT NULL) holds the folded name. It is added with an empty default, as
  SQLite can add a NOT NULL column only with one; every insert gives the real value.

The records are read and rewritten 500 at a time inside the migration's transaction. Python's
sqlite3 module does not open a transaction before DDL, so on SQLite this migration opens it
itself (as 0006 does): a failed or killed upgrade leaves the database exactly as it was. The
downgrade drops the column and lower-cases ``search_text`` as before.
"""
from collections.abc import Callable
from typing import Any

from alembic import context, op
import sqlalchemy as sa

from smpatlas.store.schema import fold


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLE = 'partnerships'
SEARCHED = ('name', 'acronym', 'summary', 'notes')  # and the actors' names: schema.search_text
_rows = sa.table(TABLE, sa.column('id', sa.String), *(sa.column(c, sa.Text) for c in SEARCHED),
                 sa.column('actors', sa.JSON))


def _sqlite_transaction() -> None:
    """Make the DDL below part of one SQLite transaction (pysqlite runs DDL in autocommit otherwise)."""
    if context.is_offline_mode():
        return
    dbapi = op.get_bind().connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        op.execute('BEGIN')


def _text(row: Any) -> str:
    parts = [str(row._mapping[k]) for k in SEARCHED if row._mapping[k]]
    actors = row.actors if isinstance(row.actors, list) else []
    parts += [a.get('name', '') for a in actors if isinstance(a, dict)]
    return '\n'.join(parts)


def _rewrite(columns: tuple[str, ...], values: Callable[[Any], dict[str, str]]) -> None:
    """Set ``columns`` of every record to ``values(row)``, 500 records at a time, in id order."""
    conn = op.get_bind()
    update = sa.text(f"UPDATE {TABLE} SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :rid")
    last = ''
    while True:
        rows = conn.execute(sa.select(_rows).where(_rows.c.id > last).order_by(_rows.c.id).limit(500)).all()
        if not rows:
            return
        conn.execute(update, [{'rid': r.id, **values(r)} for r in rows])
        last = rows[-1].id


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_transaction()
    op.add_column(TABLE, sa.Column('sort_name', sa.Text(), server_default='', nullable=False))
    _rewrite(('search_text', 'sort_name'),
             lambda r: {'search_text': fold(_text(r)), 'sort_name': fold(str(r.name or ''))})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_transaction()
        op.execute(f'ALTER TABLE {TABLE} DROP COLUMN sort_name')  # SQLite ≥ 3.35, no table rebuild
    else:
        op.drop_column(TABLE, 'sort_name')
    _rewrite(('search_text',), lambda r: {'search_text': _text(r).lower()})
