"""The applicant portal (/my/): applicants' accounts, one-time sign-in codes, consents to checks, messages with
the worker; a record correction may be made by an applicant's account.

Revision ID: 3e7703a81584
Revises: 7b1d4c9e0a52
Create Date: 2026-12-02 12:02:28.964912+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '3e7703a81584'
down_revision = '7b1d4c9e0a52'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('failed_sign_in_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invitation_token_hash', sa.String(length=64), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invitation_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_portal_accounts_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_portal_accounts_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_portal_accounts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_accounts')),
    sa.UniqueConstraint('invitation_token_hash', name=op.f('uq_portal_accounts_invitation_token_hash')),
    sa.UniqueConstraint('person_id', name=op.f('uq_portal_accounts_person_id'))
    )
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_accounts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_accounts_household_id'), ['household_id'], unique=False)

    op.create_table('portal_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_codes_account_id_portal_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_codes'))
    )
    with op.batch_alter_table('portal_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_codes_account_id'), ['account_id'], unique=False)

    op.create_table('portal_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('dbs', 'medical', 'local_authority', 'overseas', name='consent_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_by_account_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['given_by_account_id'], ['portal_accounts.id'], name=op.f('fk_portal_consents_given_by_account_id_portal_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_portal_consents_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_consents'))
    )
    with op.batch_alter_table('portal_consents', schema=None) as batch_op:
        batch_op.create_index('ix_portal_consents_person_kind', ['person_id', 'kind'], unique=False)

    op.create_table('portal_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('from_applicant', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_accounts.id'], name=op.f('fk_portal_messages_account_id_portal_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_portal_messages_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_messages'))
    )
    with op.batch_alter_table('portal_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_messages_household_id'), ['household_id'], unique=False)

    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_by_account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_record_changes_changed_by_account_id_portal_accounts'), 'portal_accounts', ['changed_by_account_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_record_changes_changed_by_account_id_portal_accounts'), type_='foreignkey')
        batch_op.drop_column('changed_by_account_id')

    with op.batch_alter_table('portal_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_messages_household_id'))

    op.drop_table('portal_messages')
    with op.batch_alter_table('portal_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_consents_person_kind')

    op.drop_table('portal_consents')
    with op.batch_alter_table('portal_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_codes_account_id'))

    op.drop_table('portal_codes')
    with op.batch_alter_table('portal_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_accounts_household_id'))
        batch_op.drop_index(batch_op.f('ix_portal_accounts_email'))

    op.drop_table('portal_accounts')
