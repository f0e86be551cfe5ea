"""Possible matches: a public or API enquiry that looks like a known household waits for a person to say whether
it is the same household, instead of being added to it by itself.

Revision ID: c4e2a9d7f311
Revises: a7c3e5f1b2d4
Create Date: 2026-12-02 04:30:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c4e2a9d7f311'
down_revision = 'a7c3e5f1b2d4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'possible_matches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('reasons', sa.String(length=200), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['enquiry_contacts.id'], name=op.f('fk_possible_matches_contact_id_enquiry_contacts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_possible_matches_household_id_households'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_possible_matches_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_possible_matches')),
    )
    with op.batch_alter_table('possible_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_possible_matches_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_possible_matches_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('possible_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_possible_matches_household_id'))
        batch_op.drop_index(batch_op.f('ix_possible_matches_contact_id'))
    op.drop_table('possible_matches')
