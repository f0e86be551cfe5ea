"""Referee links (issue 18): the referees named for an application's reference checks, the one-time links sent
to them (only the token's SHA-256 is stored; at most one live link a referee), and the references they give.

Revision ID: f66d2bf0b190
Revises: 3e7703a81584
Create Date: 2026-12-02 12:04:31.991369+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'f66d2bf0b190'
down_revision = '3e7703a81584'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referees',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('personal', 'employer', 'ex_partner', 'previous_fostering', name='referee_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('relationship_to_applicant', sa.String(length=200), nullable=True),
    sa.Column('is_family', sa.Boolean(), nullable=False),
    sa.Column('years_known', sa.Integer(), nullable=True),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('named_by_user_id', sa.Integer(), nullable=True),
    sa.Column('named_by_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_referees_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_referees_check_id_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_account_id'], ['portal_accounts.id'], name=op.f('fk_referees_named_by_account_id_portal_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['named_by_user_id'], ['users.id'], name=op.f('fk_referees_named_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referees'))
    )
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referees_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referees_check_id'), ['check_id'], unique=False)

    op.create_table('referee_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('referee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('sent_count >= 0', name=op.f('ck_referee_links_sent_count_not_negative')),
    sa.ForeignKeyConstraint(['referee_id'], ['referees.id'], name=op.f('fk_referee_links_referee_id_referees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referee_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_referee_links_token_hash'))
    )
    with op.batch_alter_table('referee_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referee_links_referee_id'), ['referee_id'], unique=False)
        batch_op.create_index('uq_referee_links_live', ['referee_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('referee_references',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('referee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('years_known', sa.Integer(), nullable=False),
    sa.Column('how_known', sa.Text(), nullable=False),
    sa.Column('with_children', sa.Text(), nullable=False),
    sa.Column('home', sa.Text(), nullable=False),
    sa.Column('relationships', sa.Text(), nullable=False),
    sa.Column('has_concerns', sa.Boolean(), nullable=False),
    sa.Column('concerns', sa.Text(), nullable=True),
    sa.Column('willing_to_be_contacted', sa.Boolean(), nullable=False),
    sa.Column('declaration', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['referee_id'], ['referees.id'], name=op.f('fk_referee_references_referee_id_referees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referee_references')),
    sa.UniqueConstraint('referee_id', name=op.f('uq_referee_references_referee_id'))
    )


def downgrade() -> None:
    op.drop_table('referee_references')
    with op.batch_alter_table('referee_links', schema=None) as batch_op:
        batch_op.drop_index('uq_referee_links_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_referee_links_referee_id'))

    op.drop_table('referee_links')
    with op.batch_alter_table('referees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referees_check_id'))
        batch_op.drop_index(batch_op.f('ix_referees_application_id'))

    op.drop_table('referees')
