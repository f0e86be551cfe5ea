"""Stage events record the length of a timescale extension.

Revision ID: 9a5e683f5115
Revises: 9f4d2b6e8a31
Create Date: 2026-11-23 09:34:09.634671+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '9a5e683f5115'
down_revision = '9f4d2b6e8a31'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_days', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.drop_column('extension_days')

