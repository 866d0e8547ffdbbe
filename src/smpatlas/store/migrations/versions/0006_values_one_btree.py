"""partnership_values: one B-tree keyed (field, value, partnership_id), WITHOUT ROWID on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 12:00:00

The value rows were stored three times: a rowid table, its primary key (partnership_id, field,
value) and an index (field, value, partnership_id). Every query looks rows up by field and value
(filters, facets, the overview), and a record's rows are removed by their exact keys, so one
B-tree keyed (field, value, partnership_id) is enough: about a third of the space, and about
half the work per imported value.

SQLite cannot change a primary key or drop the rowid in place: a new table is built, filled in
key order, and renamed over the old one. Everything runs inside the migration's transaction; as
Python's sqlite3 module does not open one before DDL, this migration opens it itself when needed,
so a failed conversion leaves the database exactly as it was.

PostgreSQL changes the primary key and drops the index in place (transactional DDL), and keeps
a small index on ``partnership_id`` alone (deduplicated: about a tenth of the old key's size):
its planner uses it for facet and overview counts under a selective filter (a few records),
which would otherwise scan every value row of the field. SQLite never used the old key for
those queries, so it gets no such index; like the trigram index of 0004 it is not in
``schema.metadata``. The downgrade restores the 0005 layout on both engines.
"""
from alembic import context, op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLE = 'partnership_values'
INDEX = 'ix_partnership_values_field_value_partnership_id'
PK = 'pk_partnership_values'
PG_INDEX = 'ix_partnership_values_partnership_id'  # PostgreSQL only
NEW = '_partnership_values_0006'
COLUMNS = 'partnership_id, field, value'


def _columns() -> list[sa.Column[str]]:
    return [
        sa.Column('partnership_id', sa.String(length=80), nullable=False),
        sa.Column('field', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=80), nullable=False),
    ]


def _sqlite_transaction() -> None:
    """Make the DDL below part of one SQLite transaction (pysqlite runs DDL in autocommit otherwise)."""
    if context.is_offline_mode():
        return
    dbapi = op.get_bind().connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        op.execute('BEGIN')


def _sqlite_rebuild(key: list[str], *, with_rowid: bool) -> None:
    _sqlite_transaction()
    op.create_table(NEW, *_columns(), sa.PrimaryKeyConstraint(*key, name=PK), sqlite_with_rowid=with_rowid)
    op.execute(f'INSERT INTO {NEW} ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE} ORDER BY {", ".join(key)}')
    op.drop_table(TABLE)  # and its indexes
    op.rename_table(NEW, TABLE)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(['field', 'value', 'partnership_id'], with_rowid=False)
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_constraint(PK, TABLE, type_='primary')
    op.create_primary_key(PK, TABLE, ['field', 'value', 'partnership_id'])
    op.create_index(PG_INDEX, TABLE, ['partnership_id'], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(['partnership_id', 'field', 'value'], with_rowid=True)
    else:
        op.drop_index(PG_INDEX, table_name=TABLE)
        op.drop_constraint(PK, TABLE, type_='primary')
        op.create_primary_key(PK, TABLE, ['partnership_id', 'field', 'value'])
    op.create_index(INDEX, TABLE, ['field', 'value', 'partnership_id'], unique=False)
