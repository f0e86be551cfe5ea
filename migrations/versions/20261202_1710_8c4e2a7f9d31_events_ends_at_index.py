"""An index of information_events.ends_at (issue 17): the household page of an officer or a manager offers the events
not yet over for a booking (crm.events.queries.bookable_events), and the events page lists them; without the index
each view read every event there has ever been (35,000 at national scale).

Revision ID: 8c4e2a7f9d31
Revises: 3f8a1c6d2b94
Create Date: 2026-12-02 17:10:00+00:00
"""
from __future__ import annotations

from alembic import op

revision = '8c4e2a7f9d31'
down_revision = '3f8a1c6d2b94'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_information_events_ends_at', 'information_events', ['ends_at'])


def downgrade() -> None:
    op.drop_index('ix_information_events_ends_at', table_name='information_events')
