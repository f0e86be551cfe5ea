"""Marketing (SPEC section 6): campaigns and their channels, spend per month, hand-entered monthly figures,
the rules mapping UTM tags to channels, and the stored attribution credits.

Revision ID: b51a926070bc
Revises: 9d9a326ace66
Create Date: 2026-11-23 13:12:29.427855+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b51a926070bc'
down_revision = '9d9a326ace66'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('marketing_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('platform', sa.String(length=60), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_marketing_metrics_metric_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_metrics')),
    sa.UniqueConstraint('month', 'metric', 'platform', name=op.f('uq_marketing_metrics_month_metric_platform'))
    )
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
    op.create_table('channel_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('utm_source', sa.String(length=200), nullable=True),
    sa.Column('utm_medium', sa.String(length=200), nullable=True),
    sa.Column('utm_campaign', sa.String(length=200), nullable=True),
    sa.Column('referrer_contains', sa.String(length=200), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_channel_rules_channel_id_channels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_rules'))
    )
    op.create_table('campaign_channels',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_channels_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_campaign_channels_channel_id_channels')),
    sa.PrimaryKeyConstraint('campaign_id', 'channel_id', name=op.f('pk_campaign_channels'))
    )
    op.create_table('campaign_spend',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_pence >= 0', name=op.f('ck_campaign_spend_spend_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_spend_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_spend')),
    sa.UniqueConstraint('campaign_id', 'month', name=op.f('uq_campaign_spend_campaign_id_month'))
    )
    with op.batch_alter_table('campaign_spend', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_spend_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('attribution_credits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=30), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('touched_on', sa.Date(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('credit', sa.Double(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_attribution_credits_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_attribution_credits_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_attribution_credits_channel_id_channels')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_attribution_credits_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribution_credits')),
    sa.UniqueConstraint('model', 'outcome', 'application_id', 'position', name=op.f('uq_attribution_credits_model_outcome_application_id_position'))
    )
    with op.batch_alter_table('attribution_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attribution_credits_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_attribution_credits_model_outcome_on', ['model', 'outcome', 'outcome_on'], unique=False)
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel_from_rule', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_enquiry_contacts_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enquiry_contacts_campaign_id_campaigns'), 'campaigns', ['campaign_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('enquiry_contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enquiry_contacts_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enquiry_contacts_campaign_id'))
        batch_op.drop_column('channel_from_rule')
        batch_op.drop_column('campaign_id')
    with op.batch_alter_table('attribution_credits', schema=None) as batch_op:
        batch_op.drop_index('ix_attribution_credits_model_outcome_on')
        batch_op.drop_index(batch_op.f('ix_attribution_credits_household_id'))

    op.drop_table('attribution_credits')
    with op.batch_alter_table('campaign_spend', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_spend_campaign_id'))

    op.drop_table('campaign_spend')
    op.drop_table('campaign_channels')
    op.drop_table('channel_rules')
    op.drop_table('campaigns')
    op.drop_table('marketing_metrics')
