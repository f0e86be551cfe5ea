"""Core schema: users, roles, teams, partner authorities, service lines, households, people, applications, stage events, audit log.

Revision ID: 61b76326cdd8
Revises: 
Create Date: 2026-11-23 09:18:30.194761+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '61b76326cdd8'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partner_authorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_authorities')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_authorities_name'))
    )
    op.create_table('service_lines',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_lines'))
    )
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('failed_login_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('session_token', name=op.f('uq_users_session_token'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_team_id'), ['team_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=True),
    sa.Column('object_id', sa.String(length=60), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('partner_authority_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('allocated_worker_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address_line_1', sa.String(length=200), nullable=True),
    sa.Column('address_line_2', sa.String(length=200), nullable=True),
    sa.Column('town', sa.String(length=120), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('relationship_status', sa.String(length=60), nullable=True),
    sa.Column('first_enquiry_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['allocated_worker_id'], ['users.id'], name=op.f('fk_households_allocated_worker_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_households_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_authority_id'], ['partner_authorities.id'], name=op.f('fk_households_partner_authority_id_partner_authorities')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_households_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('reference', name=op.f('uq_households_reference'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_allocated_worker_id'), ['allocated_worker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_first_enquiry_on'), ['first_enquiry_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_partner_authority_id'), ['partner_authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_postcode'), ['postcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_team_id'), ['team_id'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('recruitment_officer', 'stage_one_worker', 'assessing_social_worker', 'marketing_officer', 'manager', 'administrator', name='role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('service_line_code', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.Enum('enquiry', 'information_event', 'initial_visit', 'registration_of_interest', 'stage_1', 'stage_1_completed', 'stage_2', 'panel', 'approved', name='stage', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('stage_entered_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'on_hold', 'withdrawn', 'not_approved', 'approved', name='status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('fast_track', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_applications_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_applications_service_line_code_service_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('household_id', 'service_line_code', name=op.f('uq_applications_household_id_service_line_code'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_stage_status', ['stage', 'status'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('applicant', 'other_adult', 'child', name='person_role', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('ethnicity', sa.String(length=80), nullable=True),
    sa.Column('sexual_orientation', sa.String(length=60), nullable=True),
    sa.Column('disability', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_people_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_household_id'), ['household_id'], unique=False)

    op.create_table('stage_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('enquiry', 'information_event', 'initial_visit', 'registration_of_interest', 'stage_1', 'stage_1_completed', 'stage_2', 'panel', 'approved', 'on_hold', 'resumed', 'withdrawn', 'not_approved', 'panel_deferred', 'matched', 'placed', 'timescale_extended', name='event_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('party', sa.Enum('applicant', 'service', name='withdrawing_party', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.Column('undo_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_stage_events_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_stage_events_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_stage_events_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_events'))
    )
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_events_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_stage_events_kind_occurred_on', ['kind', 'occurred_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stage_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_events_kind_occurred_on')
        batch_op.drop_index(batch_op.f('ix_stage_events_application_id'))

    op.drop_table('stage_events')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_household_id'))

    op.drop_table('people')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_stage_status')

    op.drop_table('applications')
    op.drop_table('user_roles')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_team_id'))
        batch_op.drop_index(batch_op.f('ix_households_postcode'))
        batch_op.drop_index(batch_op.f('ix_households_partner_authority_id'))
        batch_op.drop_index(batch_op.f('ix_households_first_enquiry_on'))
        batch_op.drop_index(batch_op.f('ix_households_allocated_worker_id'))

    op.drop_table('households')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_team_id'))

    op.drop_table('users')
    op.drop_table('teams')
    op.drop_table('service_lines')
    op.drop_table('partner_authorities')
