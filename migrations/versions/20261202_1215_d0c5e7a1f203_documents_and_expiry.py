"""Documents with expiry (issue 18): uploaded documents (crm/documents), a check's expiry date, and two escalation
kinds (expiry reminders, a virus found in an upload), which widen the escalation_kind CHECK constraint.

Revision ID: d0c5e7a1f203
Revises: f66d2bf0b190
Create Date: 2026-12-02 12:15:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'd0c5e7a1f203'
down_revision = 'f66d2bf0b190'
branch_labels = None
depends_on = None

KINDS = ['check_overdue', 'stage_timescale', 'break_running_out', 'first_response', 'approved_waiting']
NEW_KINDS = ['expiry', 'virus_found']


def kind_type(kinds: list[str]) -> sa.Enum:
    return sa.Enum(*kinds, name='escalation_kind', native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('check_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.Enum('identity', 'proof_of_address', 'dbs_certificate', 'medical', 'other', name='document_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scan_status', sa.Enum('pending', 'clean', 'infected', 'not_scanned', name='document_scan_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('scan_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scan_attempts', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_documents_size_positive')),
    sa.CheckConstraint('uploaded_by_user_id IS NULL OR uploaded_by_account_id IS NULL', name=op.f('ck_documents_one_uploader')),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_documents_check_id_checks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deleted_by_user_id'], ['users.id'], name=op.f('fk_documents_deleted_by_user_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_documents_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_documents_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_documents_uploaded_by_user_id_users')),
    sa.ForeignKeyConstraint(['uploaded_by_account_id'], ['portal_accounts.id'], name=op.f('fk_documents_uploaded_by_account_id_portal_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_documents_stored_name'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_check_id'), ['check_id'], unique=False)
        batch_op.create_index('ix_documents_expires_on', ['expires_on'], unique=False, sqlite_where=sa.text('deleted_at IS NULL AND expires_on IS NOT NULL'), postgresql_where=sa.text('deleted_at IS NULL AND expires_on IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_documents_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_documents_pending_scan', ['id'], unique=False, sqlite_where=sa.text("scan_status = 'pending'"), postgresql_where=sa.text("scan_status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_documents_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checks_expires_on'), ['expires_on'], unique=False)

    # The escalation_kind CHECK constraint is dropped and made again with the new kinds (a table copy on SQLite).
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=kind_type(KINDS), type_=kind_type(KINDS + NEW_KINDS),
                              existing_nullable=False)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM escalations WHERE kind IN ('expiry', 'virus_found')"))
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=kind_type(KINDS + NEW_KINDS), type_=kind_type(KINDS),
                              existing_nullable=False)
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checks_expires_on'))
        batch_op.drop_column('expires_on')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_person_id'))
        batch_op.drop_index('ix_documents_pending_scan', sqlite_where=sa.text("scan_status = 'pending'"), postgresql_where=sa.text("scan_status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_documents_household_id'))
        batch_op.drop_index('ix_documents_expires_on', sqlite_where=sa.text('deleted_at IS NULL AND expires_on IS NOT NULL'), postgresql_where=sa.text('deleted_at IS NULL AND expires_on IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_documents_check_id'))

    op.drop_table('documents')
