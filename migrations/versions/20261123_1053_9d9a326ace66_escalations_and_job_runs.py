"""Escalations (unique on their natural key), job runs and month-end snapshots for the scheduled jobs.

Revision ID: 9d9a326ace66
Revises: f4d72d74bb54
Create Date: 2026-11-23 10:53:07.076705+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '9d9a326ace66'
down_revision = 'f4d72d74bb54'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('job_id', sa.String(length=60), nullable=False),
    sa.Column('run_for', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('running', 'succeeded', 'failed', 'skipped', name='job_run_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_id_started_at', ['job_id', 'started_at'], unique=False)

    op.create_table('monthly_snapshots',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['job_runs.id'], name=op.f('fk_monthly_snapshots_run_id_job_runs')),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_monthly_snapshots'))
    )
    op.create_table('escalations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('check_overdue', 'stage_timescale', 'break_running_out', 'first_response', 'approved_waiting', name='escalation_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=True),
    sa.Column('email_status', sa.Enum('pending', 'sending', 'sent', 'logged', 'failed', 'no_address', name='email_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('email_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_escalations_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_escalations_recipient_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['job_runs.id'], name=op.f('fk_escalations_run_id_job_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('kind', 'subject_type', 'subject_id', 'step', 'recipient_id', name='uq_escalations_natural_key')
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index('ix_escalations_email_status', ['email_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_escalations_recipient_open', ['recipient_id', 'resolved_at'], unique=False)
        batch_op.create_index('ix_escalations_subject', ['subject_type', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_subject')
        batch_op.drop_index('ix_escalations_recipient_open')
        batch_op.drop_index(batch_op.f('ix_escalations_household_id'))
        batch_op.drop_index('ix_escalations_email_status')

    op.drop_table('escalations')
    op.drop_table('monthly_snapshots')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_id_started_at')

    op.drop_table('job_runs')
