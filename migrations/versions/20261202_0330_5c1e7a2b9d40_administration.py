"""Administration in the app: a team's manager (first on the escalation ladder's "team manager" rung), a user's
one-time set-password link (its SHA-256 and expiry), and partner authorities that can be deactivated.

Revision ID: 5c1e7a2b9d40
Revises: b3d1f0a7c5e2
Create Date: 2026-12-02 03:30:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5c1e7a2b9d40'
down_revision = 'b3d1f0a7c5e2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_teams_manager_id'), ['manager_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_teams_manager_id_users'), 'users', ['manager_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_link_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('password_link_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_password_link_hash'), ['password_link_hash'])
    with op.batch_alter_table('partner_authorities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('partner_authorities', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_password_link_hash'), type_='unique')
        batch_op.drop_column('password_link_expires_at')
        batch_op.drop_column('password_link_hash')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_teams_manager_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_teams_manager_id'))
        batch_op.drop_column('manager_id')
