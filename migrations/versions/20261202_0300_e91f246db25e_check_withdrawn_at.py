"""When a check was withdrawn: undoing the Stage 1 start withdraws the checks it started (kept, out of the queue
and the escalations), and recording Stage 1 again reopens them.

Revision ID: e91f246db25e
Revises: 9406ddd0d23c
Create Date: 2026-12-02 03:00:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e91f246db25e'
down_revision = '9406ddd0d23c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
