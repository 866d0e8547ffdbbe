"""reference tables: shortages and country lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:50:25.331149
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shortages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('country', sa.String(length=3), nullable=False),
    sa.Column('isco', sa.String(length=4), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=40), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortages'))
    )
    with op.batch_alter_table('shortages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortages_country_year'), ['country', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortages_isco'), ['isco'], unique=False)

    op.create_table('country_lists',
    sa.Column('list_name', sa.String(length=40), nullable=False),
    sa.Column('edition', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('list_name', 'edition', 'country', name=op.f('pk_country_lists'))
    )



def downgrade() -> None:
    op.drop_table('country_lists')
    with op.batch_alter_table('shortages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortages_isco'))
        batch_op.drop_index(batch_op.f('ix_shortages_country_year'))

    op.drop_table('shortages')
