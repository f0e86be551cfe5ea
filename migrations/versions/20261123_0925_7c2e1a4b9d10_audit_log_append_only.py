"""The audit log is append-only: triggers refuse UPDATE and DELETE on audit_events, on both databases.

Revision ID: 7c2e1a4b9d10
Revises: 61b76326cdd8
Create Date: 2026-11-23 09:25:00+00:00
"""
from __future__ import annotations

from alembic import op

revision = "7c2e1a4b9d10"
down_revision = "61b76326cdd8"
branch_labels = None
depends_on = None

MESSAGE = "audit_events is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
        """)
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_events_no_{verb}")
