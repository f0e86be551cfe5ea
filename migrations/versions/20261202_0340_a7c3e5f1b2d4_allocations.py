"""Allocation history: one row per change of a household's worker and team (taking an enquiry, the hand-overs at
Stage 1 and Stage 2, a manager's reallocation), for the household's timeline. Indexed by household and time: the
household page reads one household's history, latest first.

Revision ID: a7c3e5f1b2d4
Revises: 6d2f8b3c0e51
Create Date: 2026-12-02 03:40:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7c3e5f1b2d4'
down_revision = '6d2f8b3c0e51'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'allocations',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('worker_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('previous_worker_id', sa.Integer(), nullable=True),
        sa.Column('previous_team_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Enum('taken', 'stage_1', 'stage_2', 'reallocated', 'worker_leaving',
                                    name='allocation_reason', native_enum=False, create_constraint=True, length=40),
                  nullable=False),
        sa.Column('checks_moved', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_allocations_changed_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_allocations_household_id_households'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['previous_team_id'], ['teams.id'], name=op.f('fk_allocations_previous_team_id_teams')),
        sa.ForeignKeyConstraint(['previous_worker_id'], ['users.id'],
                                name=op.f('fk_allocations_previous_worker_id_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_allocations_team_id_teams')),
        sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_allocations_worker_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations')),
    )
    op.create_index('ix_allocations_household_changed', 'allocations', ['household_id', 'changed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_allocations_household_changed', table_name='allocations')
    op.drop_table('allocations')
