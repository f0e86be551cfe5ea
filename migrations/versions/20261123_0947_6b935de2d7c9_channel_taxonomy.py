"""The channel taxonomy (two levels), seeded with SPEC section 6's examples.

Revision ID: 6b935de2d7c9
Revises: 9a5e683f5115
Create Date: 2026-11-23 09:47:00+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6b935de2d7c9"
down_revision = "9a5e683f5115"
branch_labels = None
depends_on = None

SEED = {
    "digital": ["Google Ads", "Facebook", "Instagram", "Agency website"],
    "outdoor": ["bus shelter", "billboard"],
    "event": ["Pride stall", "information event", "community fair"],
    "radio": [],
    "print": [],
    "word of mouth": [],
    "national campaign": ["You Can Adopt"],
    "faith and community group": [],
}


def upgrade() -> None:
    op.create_table('channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['channels.id'], name=op.f('fk_channels_parent_id_channels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channels')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_channels_parent_id_name'))
    )
    channels = sa.table("channels", sa.column("id", sa.Integer), sa.column("parent_id", sa.Integer),
                        sa.column("name", sa.String), sa.column("active", sa.Boolean))
    bind = op.get_bind()
    for name, children in SEED.items():
        parent_id = bind.execute(channels.insert().values(name=name, parent_id=None, active=True)
                                 .returning(channels.c.id)).scalar_one()
        for child in children:
            bind.execute(channels.insert().values(name=child, parent_id=parent_id, active=True))


def downgrade() -> None:
    op.drop_table("channels")
