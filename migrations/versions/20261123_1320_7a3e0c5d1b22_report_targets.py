"""Report targets (SPEC section 5, Targets): a yearly target per measure, for the whole service or one service
line, with who set it and when. One per financial year, measure and service line; a partial unique index keeps
the whole-service target (no service line) single too.

Revision ID: 7a3e0c5d1b22
Revises: b51a926070bc
Create Date: 2026-11-23 13:20:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7a3e0c5d1b22'
down_revision = 'b51a926070bc'
branch_labels = None
depends_on = None

ALL_LINES = sa.text('service_line_code IS NULL')


def upgrade() -> None:
    op.create_table('report_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('measure', sa.Enum('enquiry_households', 'registrations_of_interest', 'stage_1_starts', 'stage_2_starts', 'approvals', name='target_measure', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('service_line_code', sa.String(length=40), nullable=True),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('target > 0', name=op.f('ck_report_targets_target_positive')),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_report_targets_service_line_code_service_lines')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_report_targets_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_targets')),
    sa.UniqueConstraint('year_start', 'measure', 'service_line_code', name=op.f('uq_report_targets_year_start_measure_service_line_code'))
    )
    with op.batch_alter_table('report_targets', schema=None) as batch_op:
        batch_op.create_index('ix_report_targets_one_all_lines_target', ['year_start', 'measure'], unique=True,
                              sqlite_where=ALL_LINES, postgresql_where=ALL_LINES)


def downgrade() -> None:
    with op.batch_alter_table('report_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_report_targets_one_all_lines_target', sqlite_where=ALL_LINES,
                            postgresql_where=ALL_LINES)

    op.drop_table('report_targets')
