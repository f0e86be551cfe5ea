"""Retention and erasure (SPEC section 8): the rules an administrator configures (seeded with the defaults), a
household's legal hold and anonymisation marks, and the tombstones erasures leave.

Revision ID: e5b1c9d3a7f2
Revises: 3c8e5a7d2f14
Create Date: 2026-12-02 05:00:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5b1c9d3a7f2'
down_revision = '3c8e5a7d2f14'
branch_labels = None
depends_on = None

# The defaults of issue 16 and SPEC section 8 (crm.dataprotection.retention reads them by code).
SEED = [
    {"code": "enquiry_no_roi",
     "name": "Enquiries that never reached a Registration of Interest, after the last contact",
     "period_years": 2, "position": 1},
    {"code": "withdrawn_or_not_approved",
     "name": "Withdrawn or not-approved applications, after the withdrawal or decision", "period_years": 3,
     "position": 2},
    {"code": "approved", "name": "Approved households", "period_years": None, "position": 3},
]


def upgrade() -> None:
    rules = op.create_table(
        'retention_rules',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('period_years', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_retention_rules_updated_by_id_users')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_retention_rules')),
    )
    op.bulk_insert(rules, SEED)
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_set_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_set_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_rule', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_households_legal_hold_set_by_id_users'), 'users',
                                    ['legal_hold_set_by_id'], ['id'])
    op.create_table(
        'erasures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('erased_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['erased_by_id'], ['users.id'], name=op.f('fk_erasures_erased_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_erasures_household_id_households')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
        sa.UniqueConstraint('household_id', name=op.f('uq_erasures_household_id')),
    )


def downgrade() -> None:
    op.drop_table('erasures')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_households_legal_hold_set_by_id_users'), type_='foreignkey')
        batch_op.drop_column('anonymised_rule')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('legal_hold_set_by_id')
        batch_op.drop_column('legal_hold_set_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')
    op.drop_table('retention_rules')
