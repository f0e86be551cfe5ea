"""Checked uploads kept for an hour, per user, so that a clean dry run can be imported without a second upload.

Revision ID: 3c8e5a7d2f14
Revises: c4a7e2d95b18
Create Date: 2026-12-02 03:40:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '3c8e5a7d2f14'
down_revision = 'c4a7e2d95b18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_imports',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports'))
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_imports_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_imports_created_at'))
        batch_op.drop_index(batch_op.f('ix_pending_imports_user_id'))
    op.drop_table('pending_imports')
