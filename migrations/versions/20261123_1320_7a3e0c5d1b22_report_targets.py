"""Yearly report targets per measure (issue 7). Placeholder until filled in.

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


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
