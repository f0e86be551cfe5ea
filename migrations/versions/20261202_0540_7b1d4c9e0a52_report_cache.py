"""The data version every write moves, and the report cache keyed by it (crm/reports/cache.py).

Revision ID: 7b1d4c9e0a52
Revises: 5d2b8e4f1a96
Create Date: 2026-12-02 05:40:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7b1d4c9e0a52'
down_revision = '5d2b8e4f1a96'
branch_labels = None
depends_on = None


def upgrade() -> None:
    data_version = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(data_version, [{"id": 1, "version": 0}])
    op.create_table('report_cache',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=False),
    sa.Column('report', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_cache'))
    )


def downgrade() -> None:
    op.drop_table('report_cache')
    op.drop_table('data_version')
