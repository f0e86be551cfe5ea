"""Import runs: background imports claimed once through the database, and the undo log of the batches each run
commits (all or nothing, without holding SQLite's write lock for the whole file).

Revision ID: 9d4b6e2a1c70
Revises: e5b1c9d3a7f2
Create Date: 2026-12-02 05:10:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '9d4b6e2a1c70'
down_revision = 'e5b1c9d3a7f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('add_authorities', sa.Boolean(), nullable=False),
    sa.Column('pending_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='import_run_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('held_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['pending_id'], ['pending_imports.id'], name=op.f('fk_import_runs_pending_id_pending_imports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_runs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_runs_user_id'), ['user_id'], unique=False)

    op.create_table('import_undo_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_undo_steps_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_undo_steps'))
    )
    with op.batch_alter_table('import_undo_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_undo_steps_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('import_undo_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_undo_steps_run_id'))

    op.drop_table('import_undo_steps')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_runs_status'))

    op.drop_table('import_runs')
