"""Enquiry contacts: each contact of a household, how it heard, first-response times.

Revision ID: c41d7e2f8a90
Revises: 6b935de2d7c9
Create Date: 2026-11-23 09:47:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c41d7e2f8a90"
down_revision = "6b935de2d7c9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enquiry_contacts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.Enum('phone', 'email', 'web', 'event', 'walk_in', name='contact_method', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('utm_source', sa.String(length=200), nullable=True),
    sa.Column('utm_medium', sa.String(length=200), nullable=True),
    sa.Column('utm_campaign', sa.String(length=200), nullable=True),
    sa.Column('referrer', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_responded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_enquiry_contacts_channel_id_channels')),
    sa.ForeignKeyConstraint(['first_responded_by_id'], ['users.id'], name=op.f('fk_enquiry_contacts_first_responded_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_enquiry_contacts_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_enquiry_contacts_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiry_contacts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_enquiry_contacts_idempotency_key'))
    )
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_enquiry_contacts_awaiting_response', ['first_responded_at', 'first_response_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_contacts_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_contacts_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_contacts_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_contacts_received_at'))
        batch_op.drop_index(batch_op.f('ix_enquiry_contacts_household_id'))
        batch_op.drop_index(batch_op.f('ix_enquiry_contacts_channel_id'))
        batch_op.drop_index('ix_enquiry_contacts_awaiting_response')

    op.drop_table('enquiry_contacts')
