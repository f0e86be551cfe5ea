"""Withdrawal reasons as a managed list (SPEC section 2): the list, seeded, and each withdrawal's reason from it.

Reasons were free text, so "withdrawals by reason" listed sentences. Existing withdrawals move to the list: a text
that is a reason's name (any case) becomes that reason; any other text goes under "Other", kept as its note.

Revision ID: c4a7e2d95b18
Revises: c4e2a9d7f311
Create Date: 2026-12-02 03:40:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c4a7e2d95b18'
down_revision = 'c4e2a9d7f311'
branch_labels = None
depends_on = None

SEED = ["Finances / cost of living", "Health", "Personal history", "Housing", "Relationship change",
        "Chose another agency", "Not suitable", "Counselled out", "Other"]
OTHER = "Other"


def upgrade() -> None:
    reasons = op.create_table(
        'withdrawal_reasons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('needs_text', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal_reasons')),
        sa.UniqueConstraint('name', name=op.f('uq_withdrawal_reasons_name')),
    )
    op.bulk_insert(reasons, [{"id": position, "name": name, "needs_text": name == OTHER, "active": True,
                              "position": position} for position, name in enumerate(SEED, start=1)])
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_reason_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stage_events_withdrawal_reason_id_withdrawal_reasons'),
                                    'withdrawal_reasons', ['withdrawal_reason_id'], ['id'])
    if op.get_bind().dialect.name == "postgresql":
        # The seed gave its ids: the sequence carries on after them.
        op.execute("SELECT setval(pg_get_serial_sequence('withdrawal_reasons', 'id'), "
                   "(SELECT max(id) FROM withdrawal_reasons))")
    _move_free_text()


def _move_free_text() -> None:
    named = ("SELECT r.id FROM withdrawal_reasons r "
             "WHERE lower(r.name) = lower(trim(stage_events.reason))")
    op.execute(f"UPDATE stage_events SET withdrawal_reason_id = ({named}) "
               f"WHERE kind = 'withdrawn' AND EXISTS ({named})")
    op.execute("UPDATE stage_events SET reason = NULL "
               "WHERE kind = 'withdrawn' AND withdrawal_reason_id IS NOT NULL")
    op.execute(f"UPDATE stage_events SET withdrawal_reason_id = "
               f"(SELECT id FROM withdrawal_reasons WHERE name = '{OTHER}') "
               f"WHERE kind = 'withdrawn' AND withdrawal_reason_id IS NULL")


def downgrade() -> None:
    # Back to free text: the reason's name, then its note after ": " (Other: the note alone).
    name = "(SELECT r.name FROM withdrawal_reasons r WHERE r.id = stage_events.withdrawal_reason_id)"
    takes_text = "(SELECT r.needs_text FROM withdrawal_reasons r WHERE r.id = stage_events.withdrawal_reason_id)"
    op.execute(f"UPDATE stage_events SET reason = {name} || ': ' || reason "
               f"WHERE withdrawal_reason_id IS NOT NULL AND reason IS NOT NULL AND NOT {takes_text}")
    op.execute(f"UPDATE stage_events SET reason = {name} "
               f"WHERE withdrawal_reason_id IS NOT NULL AND reason IS NULL")
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stage_events_withdrawal_reason_id_withdrawal_reasons'),
                                 type_='foreignkey')
        batch_op.drop_column('withdrawal_reason_id')
    op.drop_table('withdrawal_reasons')
