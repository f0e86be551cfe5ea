"""Household search reads indexes on PostgreSQL (issue 17): trigram (pg_trgm) GIN indexes for its `LIKE '%text%'`
on the normalised email and phone and on lower(first_name || ' ' || last_name), and an index of lower(reference).

crm.households.services.household_matches compares exactly these expressions, one SELECT of ids each, so each
reads its index. SQLite has no trigram index and is left as it was (the models declare these indexes
PostgreSQL-only: crm.db.only_on). The extension is created if this PostgreSQL has it and it is not there yet; the
downgrade drops the indexes and leaves the extension (another database object may use it).

Revision ID: 3f8a1c6d2b94
Revises: d0c5e7a1f203
Create Date: 2026-12-02 12:15:00+00:00
"""
from __future__ import annotations

from alembic import op

revision = '3f8a1c6d2b94'
down_revision = 'd0c5e7a1f203'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_households_email_trgm': 'households USING gin (email_normalised gin_trgm_ops)',
    'ix_households_phone_trgm': 'households USING gin (phone_normalised gin_trgm_ops)',
    'ix_households_reference_lower': 'households (lower(reference))',
    'ix_people_full_name_trgm': "people USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, definition in INDEXES.items():
        op.execute(f'CREATE INDEX {name} ON {definition}')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')
