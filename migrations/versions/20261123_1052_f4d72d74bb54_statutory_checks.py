"""Statutory checks: the check catalogue seeded from SPEC section 3, check instances, chases, parts, and the
circumstances of a person that decide which checks they need.

Revision ID: f4d72d74bb54
Revises: 3618d49ff393
Create Date: 2026-11-23 10:52:15.058619+00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f4d72d74bb54'
down_revision = '3618d49ff393'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('check_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('applies_to', sa.Enum('every_adult', 'each_applicant', 'each_child', 'each_application', name='check_applies_to', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('rule', sa.Enum('lived_abroad', 'employed', 'previous_relationship', 'fostered_recently', name='check_rule', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('rule_months', sa.Integer(), nullable=True),
    sa.Column('default_days', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('default_days > 0', name=op.f('ck_check_types_default_days_positive')),
    sa.CheckConstraint('rule_months IS NULL OR rule_months >= 0', name=op.f('ck_check_types_rule_months_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_types')),
    sa.UniqueConstraint('code', name=op.f('uq_check_types_code'))
    )
    op.create_table('check_type_service_lines',
    sa.Column('check_type_id', sa.Integer(), nullable=False),
    sa.Column('service_line_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['check_type_id'], ['check_types.id'], name=op.f('fk_check_type_service_lines_check_type_id_check_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_line_code'], ['service_lines.code'], name=op.f('fk_check_type_service_lines_service_line_code_service_lines')),
    sa.PrimaryKeyConstraint('check_type_id', 'service_line_code', name=op.f('pk_check_type_service_lines'))
    )
    op.create_table('checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('check_type_id', sa.Integer(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('clear', 'information_disclosed', 'concern', 'not_required', name='check_outcome', native_enum=False, create_constraint=True, length=40), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('last_chased_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(received_on IS NULL) = (outcome IS NULL)', name=op.f('ck_checks_received_with_outcome')),
    sa.CheckConstraint('(requested_on IS NULL) = (due_on IS NULL)', name=op.f('ck_checks_due_when_requested')),
    sa.CheckConstraint('received_on IS NULL OR requested_on IS NULL OR received_on >= requested_on', name=op.f('ck_checks_received_after_requested')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_checks_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['check_type_id'], ['check_types.id'], name=op.f('fk_checks_check_type_id_check_types')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_checks_owner_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_checks_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checks')),
    sa.UniqueConstraint('application_id', 'person_id', 'check_type_id', name=op.f('uq_checks_application_id_person_id_check_type_id'))
    )
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checks_check_type_id'), ['check_type_id'], unique=False)
        batch_op.create_index('ix_checks_open_due_on', ['due_on'], unique=False, sqlite_where=sa.text('received_on IS NULL'), postgresql_where=sa.text('received_on IS NULL'))
        batch_op.create_index(batch_op.f('ix_checks_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checks_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_checks_application_level', ['application_id', 'check_type_id'], unique=True, sqlite_where=sa.text('person_id IS NULL'), postgresql_where=sa.text('person_id IS NULL'))

    op.create_table('check_chases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('check_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chased_on', sa.Date(), nullable=False),
    sa.Column('chased_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chased_by_id'], ['users.id'], name=op.f('fk_check_chases_chased_by_id_users')),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_check_chases_check_id_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_chases'))
    )
    with op.batch_alter_table('check_chases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_chases_check_id'), ['check_id'], unique=False)

    op.create_table('check_parts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('check_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], name=op.f('fk_check_parts_check_id_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_check_parts_completed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_parts')),
    sa.UniqueConstraint('check_id', 'name', name=op.f('uq_check_parts_check_id_name'))
    )
    with op.batch_alter_table('check_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_parts_check_id'), ['check_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lived_abroad_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('employed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('previous_significant_relationship', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('fostered_in_last_12_months', sa.Boolean(), nullable=True))
    seed_catalogue()


FOSTERING = ("fostering_mainstream", "fostering_connected", "early_permanence")
DBS_PARTS = ["Applicant completed the online application", "Agency verified the identity documents",
             "HR submitted the application"]
# code, name, applies_to, rule, rule_months, default_days, parts, service lines (none: every line)
SEED = [
    ("dbs", "Enhanced DBS check", "every_adult", None, None, 28, DBS_PARTS, ()),
    ("la_checks", "Local authority checks (each council lived in, last 10 years)", "every_adult", None, None, 21, [], ()),
    ("health", "Adult health assessment (GP medical, then agency medical adviser)", "each_applicant", None, None, 42,
     [], ()),
    ("overseas", "Overseas checks (each country lived in as an adult)", "each_applicant", "lived_abroad", 6, 90, [], ()),
    ("personal_references", "Personal references (at least 3, 2 non-family), with visits", "each_application", None,
     None, 28, [], ()),
    ("employer_reference", "Employer reference", "each_applicant", "employed", None, 28, [], ()),
    ("ex_partner_reference", "Ex-partner reference", "each_applicant", "previous_relationship", None, 42, [], ()),
    ("child_health_visitor_school", "Health visitor or school check", "each_child", None, None, 28, [], ()),
    ("probation_nspcc", "Probation and NSPCC checks", "every_adult", None, None, 28, [], ()),
    ("ofsted", "Ofsted information request", "each_applicant", None, None, 28, [], ()),
    ("financial_home_pet", "Financial, home safety and pet assessments", "each_application", None, None, 28, [], ()),
    ("previous_fostering_reference", "Previous fostering service reference", "each_applicant", "fostered_recently", 12,
     28, [], FOSTERING),
]


def seed_catalogue() -> None:
    check_types = sa.table(
        "check_types", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("applies_to", sa.String), sa.column("rule", sa.String), sa.column("rule_months", sa.Integer),
        sa.column("default_days", sa.Integer), sa.column("parts", sa.JSON), sa.column("active", sa.Boolean))
    lines = sa.table("check_type_service_lines", sa.column("check_type_id", sa.Integer),
                     sa.column("service_line_code", sa.String))
    bind = op.get_bind()
    for code, name, applies_to, rule, months, days, parts, service_lines in SEED:
        check_type_id = bind.execute(check_types.insert().values(
            code=code, name=name, applies_to=applies_to, rule=rule, rule_months=months, default_days=days,
            parts=parts, active=True).returning(check_types.c.id)).scalar_one()
        for service_line in service_lines:
            bind.execute(lines.insert().values(check_type_id=check_type_id, service_line_code=service_line))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('fostered_in_last_12_months')
        batch_op.drop_column('previous_significant_relationship')
        batch_op.drop_column('employed')
        batch_op.drop_column('lived_abroad_months')

    with op.batch_alter_table('check_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_parts_check_id'))

    op.drop_table('check_parts')
    with op.batch_alter_table('check_chases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_chases_check_id'))

    op.drop_table('check_chases')
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_index('uq_checks_application_level', sqlite_where=sa.text('person_id IS NULL'), postgresql_where=sa.text('person_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_checks_person_id'))
        batch_op.drop_index(batch_op.f('ix_checks_owner_id'))
        batch_op.drop_index('ix_checks_open_due_on', sqlite_where=sa.text('received_on IS NULL'), postgresql_where=sa.text('received_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_checks_check_type_id'))

    op.drop_table('checks')
    op.drop_table('check_type_service_lines')
    op.drop_table('check_types')
