"""Campaigns and the channels they run on (SPEC section 6); spend and hand-entered monthly figures hang off them.

Revision ID: b51a926070bc
Revises: 9d9a326ace66
Create Date: 2026-11-23 13:11:20.519904+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b51a926070bc'
down_revision = '9d9a326ace66'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('target_audience', sa.String(length=200), nullable=True),
    sa.Column('service_line_code', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('end_on IS NULL OR end_on >= start_on', name=op.f('ck_campaigns_campaign_dates_in_order')),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_campaigns_service_line_code_service_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('campaign_channels',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_channels_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_campaign_channels_channel_id_channels')),
    sa.PrimaryKeyConstraint('campaign_id', 'channel_id', name=op.f('pk_campaign_channels'))
    )


def downgrade() -> None:
    op.drop_table('campaign_channels')
    op.drop_table('campaigns')
