"""login attempts shared by every web worker; users: last log-in, disabled

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00

``login_attempts`` replaces the per-process log-in limiter: every uvicorn worker over the same
database counts the same failures. ``users`` gains two nullable columns, so existing rows need
no default: ``last_login_at`` (NULL = not known) and ``disabled_at`` (NULL = active).
Plain CREATE TABLE / ADD COLUMN on both engines (batch mode recreates the table on SQLite only
where ALTER cannot, i.e. on downgrade).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_user_name_address'), ['user_name', 'address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('last_login_at')

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_user_name_address'))

    op.drop_table('login_attempts')
