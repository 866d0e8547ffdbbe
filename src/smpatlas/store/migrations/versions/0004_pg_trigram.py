"""PostgreSQL: a trigram index for free-text search (pg_trgm), where the extension can be created

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 02:20:00

Free-text search is a case-insensitive substring match on ``partnerships.search_text`` on every
engine (identical results). On PostgreSQL a GIN trigram index serves it; creating the extension
needs the right privileges, so without them the migration leaves search unindexed and says so.
SQLite needs nothing: the substring scan over the search column is fast at inventory sizes.
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

INDEX = "ix_partnerships_search_text_trgm"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    nested = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        bind.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {INDEX} ON partnerships "
                             "USING gin (search_text gin_trgm_ops)"))
        nested.commit()
    except sa.exc.DBAPIError as exc:
        nested.rollback()
        log.warning("pg_trgm not available (%s); free-text search stays unindexed", exc.orig)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
