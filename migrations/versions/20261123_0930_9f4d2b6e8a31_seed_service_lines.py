"""Seed the four service lines of SPEC section 2.

Revision ID: 9f4d2b6e8a31
Revises: 7c2e1a4b9d10
Create Date: 2026-11-23 09:30:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9f4d2b6e8a31"
down_revision = "7c2e1a4b9d10"
branch_labels = None
depends_on = None

SERVICE_LINES = [
    {"code": "adoption", "name": "Adoption"},
    {"code": "fostering_mainstream", "name": "Fostering (mainstream)"},
    {"code": "fostering_connected", "name": "Fostering (connected persons / kinship)"},
    {"code": "early_permanence", "name": "Early permanence (fostering for adoption, concurrent planning)"},
]
service_lines = sa.table("service_lines", sa.column("code", sa.String), sa.column("name", sa.String))


def upgrade() -> None:
    op.bulk_insert(service_lines, SERVICE_LINES)


def downgrade() -> None:
    op.execute(service_lines.delete().where(service_lines.c.code.in_([row["code"] for row in SERVICE_LINES])))
