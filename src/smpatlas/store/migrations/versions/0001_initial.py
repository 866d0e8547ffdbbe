"""initial schema: partnerships, values, history

Revision ID: 0001
Revises:
Create Date: 2026-11-27 01:25:42.224433
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('partnership_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('context', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_partnership_id_id'), ['partnership_id', 'id'], unique=False)

    op.create_table('partnership_values',
    sa.Column('partnership_id', sa.String(length=80), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('partnership_id', 'field', 'value', name=op.f('pk_partnership_values'))
    )
    with op.batch_alter_table('partnership_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_values_field_value_partnership_id'), ['field', 'value', 'partnership_id'], unique=False)

    op.create_table('partnerships',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('acronym', sa.String(length=60), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('partnership_type', sa.String(length=27), nullable=False),
    sa.Column('government_to_government', sa.Boolean(), nullable=True),
    sa.Column('origin_countries', sa.JSON(), nullable=False),
    sa.Column('destination_countries', sa.JSON(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=11), nullable=False),
    sa.Column('actors', sa.JSON(), nullable=True),
    sa.Column('funders', sa.JSON(), nullable=True),
    sa.Column('budget_eur', sa.Float(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=True),
    sa.Column('sectors', sa.JSON(), nullable=True),
    sa.Column('occupations', sa.JSON(), nullable=True),
    sa.Column('skill_levels', sa.JSON(), nullable=True),
    sa.Column('participant_profiles', sa.JSON(), nullable=True),
    sa.Column('target_groups', sa.JSON(), nullable=True),
    sa.Column('employer_engagement', sa.JSON(), nullable=True),
    sa.Column('visa_channel', sa.JSON(), nullable=True),
    sa.Column('mobility_types', sa.JSON(), nullable=True),
    sa.Column('return_expected', sa.String(length=11), nullable=True),
    sa.Column('extension_possible', sa.String(length=11), nullable=True),
    sa.Column('transition_to_long_term', sa.String(length=11), nullable=True),
    sa.Column('duration_months_min', sa.Integer(), nullable=True),
    sa.Column('duration_months_max', sa.Integer(), nullable=True),
    sa.Column('remote_work', sa.JSON(), nullable=True),
    sa.Column('tracks', sa.JSON(), nullable=True),
    sa.Column('skills_components', sa.JSON(), nullable=True),
    sa.Column('training_location', sa.JSON(), nullable=True),
    sa.Column('origin_capacity_building', sa.String(length=11), nullable=True),
    sa.Column('recognition_mechanism', sa.String(length=28), nullable=True),
    sa.Column('recognition_on_return', sa.String(length=11), nullable=True),
    sa.Column('integration_support', sa.JSON(), nullable=True),
    sa.Column('integration_starts_pre_departure', sa.String(length=11), nullable=True),
    sa.Column('reintegration_support', sa.JSON(), nullable=True),
    sa.Column('planned_participants', sa.Integer(), nullable=True),
    sa.Column('monitoring_evaluation', sa.String(length=20), nullable=True),
    sa.Column('outcomes', sa.JSON(), nullable=True),
    sa.Column('recruitment_costs_borne_by', sa.String(length=11), nullable=True),
    sa.Column('agreement_public', sa.String(length=11), nullable=True),
    sa.Column('coder', sa.String(length=200), nullable=True),
    sa.Column('coded_on', sa.String(length=10), nullable=True),
    sa.Column('last_reviewed', sa.String(length=10), nullable=True),
    sa.Column('confidence', sa.String(length=6), nullable=True),
    sa.Column('codebook_version', sa.String(length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnerships'))
    )
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnerships_partnership_type'), ['partnership_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_start_year'), ['start_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnerships_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnerships_status'))
        batch_op.drop_index(batch_op.f('ix_partnerships_start_year'))
        batch_op.drop_index(batch_op.f('ix_partnerships_partnership_type'))

    op.drop_table('partnerships')
    with op.batch_alter_table('partnership_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_values_field_value_partnership_id'))

    op.drop_table('partnership_values')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_partnership_id_id'))

    op.drop_table('history')
