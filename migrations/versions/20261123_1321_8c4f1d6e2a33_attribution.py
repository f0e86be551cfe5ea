"""Channel mapping rules and stored attribution credits (issue 8). Placeholder until filled in.

Revision ID: 8c4f1d6e2a33
Revises: 7a3e0c5d1b22
Create Date: 2026-11-23 13:20:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '8c4f1d6e2a33'
down_revision = '7a3e0c5d1b22'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
