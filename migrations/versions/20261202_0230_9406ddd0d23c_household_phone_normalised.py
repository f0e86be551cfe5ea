"""Households' phone numbers in one comparable form (E.164, or digits only when not a phone number), indexed:
duplicate matching compares it against every enquiry's phone, and 0151 496 0660 must find +44(0)151 496 0660.
Existing rows are filled here; from now on the model sets it whenever a phone is written.

Revision ID: 9406ddd0d23c
Revises: 7a3e0c5d1b22
Create Date: 2026-12-02 02:30:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crm.households.phones import normalise_phone

revision = '9406ddd0d23c'
down_revision = '7a3e0c5d1b22'
branch_labels = None
depends_on = None

households = sa.table('households', sa.column('id', sa.Integer()), sa.column('phone', sa.String(40)),
                      sa.column('phone_normalised', sa.String(40)))


def upgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_normalised', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_households_phone_normalised'), ['phone_normalised'], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.select(households.c.id, households.c.phone).where(households.c.phone.is_not(None)))
    filled = [{"household_id": i, "normalised": normalise_phone(phone)} for i, phone in rows.all()]
    if filled:
        connection.execute(households.update().where(households.c.id == sa.bindparam("household_id"))
                           .values(phone_normalised=sa.bindparam("normalised")), filled)


def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_phone_normalised'))
        batch_op.drop_column('phone_normalised')
