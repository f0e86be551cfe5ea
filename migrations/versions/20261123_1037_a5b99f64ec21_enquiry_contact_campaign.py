"""Enquiry contacts: the campaign named by the enquirer or an imported tracker.

Revision ID: a5b99f64ec21
Revises: c41d7e2f8a90
Create Date: 2026-11-23 10:37:20.696835+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a5b99f64ec21'
down_revision = 'c41d7e2f8a90'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.drop_column('campaign')
