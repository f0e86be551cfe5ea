"""What an idempotent submission said: an API retry under the same key must say the same, or it is refused.

Revision ID: b3d1f0a7c5e2
Revises: e91f246db25e
Create Date: 2026-12-02 04:00:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b3d1f0a7c5e2'
down_revision = 'e91f246db25e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_fingerprint', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.drop_column('idempotency_fingerprint')
