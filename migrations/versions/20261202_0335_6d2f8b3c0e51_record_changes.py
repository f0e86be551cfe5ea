"""Editing records: a person's religion or belief and the day they left the household, and record_changes, the
field-by-field corrections the household timeline shows (read by household, hence its index).

Revision ID: 6d2f8b3c0e51
Revises: 5c1e7a2b9d40
Create Date: 2026-12-02 03:30:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '6d2f8b3c0e51'
down_revision = '5c1e7a2b9d40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('religion', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
    op.create_table('record_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_record_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_record_changes_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_record_changes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_changes'))
    )
    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_changes_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('record_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_changes_household_id'))
    op.drop_table('record_changes')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('left_on')
        batch_op.drop_column('religion')
