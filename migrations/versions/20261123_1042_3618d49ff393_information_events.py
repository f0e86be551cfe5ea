"""Information events, bookings with attendance, 1:1 consultations, and the stage moves they caused.

Revision ID: 3618d49ff393
Revises: 5ff68c6a9da1
Create Date: 2026-11-23 10:42:29.905851+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '3618d49ff393'
down_revision = '5ff68c6a9da1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('information_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('venue', sa.Text(), nullable=True),
    sa.Column('joining_link', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('service_line_code', sa.String(length=40), nullable=True),
    sa.Column('partner_authority_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_information_events_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_information_events_ends_after_start')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_information_events_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_information_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_authority_id'], ['partner_authorities.id'], name=op.f('fk_information_events_partner_authority_id_partner_authorities')),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_information_events_service_line_code_service_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_information_events'))
    )
    with op.batch_alter_table('information_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_information_events_partner_authority_id'), ['partner_authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_events_service_line_code'), ['service_line_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_information_events_starts_at'), ['starts_at'], unique=False)

    op.create_table('consultations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('phone', 'video', 'in_person', name='consultation_method', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('held_by_id', sa.Integer(), nullable=True),
    sa.Column('service_line_code', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['held_by_id'], ['users.id'], name=op.f('fk_consultations_held_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_consultations_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consultations_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_consultations_service_line_code_service_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_held_on', ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_household_id'), ['household_id'], unique=False)

    op.create_table('event_bookings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attendance', sa.Enum('not_recorded', 'attended', 'did_not_attend', name='attendance', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('attended_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_event_bookings_booked_by_id_users')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_event_bookings_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['information_events.id'], name=op.f('fk_event_bookings_event_id_information_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_event_bookings_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_event_bookings_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_bookings')),
    sa.UniqueConstraint('event_id', 'household_id', name=op.f('uq_event_bookings_event_id_household_id'))
    )
    with op.batch_alter_table('event_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_event_bookings_attendance_attended_on', ['attendance', 'attended_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_bookings_household_id'), ['household_id'], unique=False)

    op.create_table('attendance_stage_moves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('booking_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('consultation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('(booking_id IS NULL) <> (consultation_id IS NULL)', name=op.f('ck_attendance_stage_moves_one_source')),
    sa.ForeignKeyConstraint(['booking_id'], ['event_bookings.id'], name=op.f('fk_attendance_stage_moves_booking_id_event_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_attendance_stage_moves_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_event_id'], ['stage_events.id'], name=op.f('fk_attendance_stage_moves_stage_event_id_stage_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_stage_moves')),
    sa.UniqueConstraint('stage_event_id', name=op.f('uq_attendance_stage_moves_stage_event_id'))
    )
    with op.batch_alter_table('attendance_stage_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_stage_moves_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_stage_moves_consultation_id'), ['consultation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendance_stage_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_stage_moves_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_stage_moves_booking_id'))

    op.drop_table('attendance_stage_moves')
    with op.batch_alter_table('event_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_bookings_household_id'))
        batch_op.drop_index('ix_event_bookings_attendance_attended_on')

    op.drop_table('event_bookings')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_household_id'))
        batch_op.drop_index('ix_consultations_held_on')

    op.drop_table('consultations')
    with op.batch_alter_table('information_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_information_events_starts_at'))
        batch_op.drop_index(batch_op.f('ix_information_events_service_line_code'))
        batch_op.drop_index(batch_op.f('ix_information_events_partner_authority_id'))

    op.drop_table('information_events')
