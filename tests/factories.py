"""factory-boy factories filled by Faker: test data, never real people."""
from __future__ import annotations

from datetime import date, timedelta

import factory
from sqlalchemy import select
from factory.alchemy import SQLAlchemyModelFactory

from crm import clock
from crm.auth.models import Team, User, UserRole
from crm.auth.passwords import hash_password
from crm.auth.roles import Role
from crm.funnel import machine, routes
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.stages import EventKind, Stage, Status, WithdrawingParty
from crm.households.models import Application, Household, PartnerAuthority, Person, PersonRole

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for the whole suite


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None  # bound per test by bind()
        sqlalchemy_session_persistence = "flush"


def bind(session) -> None:
    for factory_class in (TeamFactory, UserFactory, PartnerAuthorityFactory, HouseholdFactory,
                          PersonFactory, ApplicationFactory):
        factory_class._meta.sqlalchemy_session = session


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@hearth.example")
    full_name = factory.Faker("name", locale="en_GB")
    password_hash = PASSWORD_HASH

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or [Role.RECRUITMENT_OFFICER]:
            self.role_rows.append(UserRole(role=Role(role)))
        if create:
            UserFactory._meta.sqlalchemy_session.flush()


class PartnerAuthorityFactory(BaseFactory):
    class Meta:
        model = PartnerAuthority

    name = factory.Sequence(lambda n: f"Authority {n} Council")


class HouseholdFactory(BaseFactory):
    class Meta:
        model = Household

    reference = factory.Sequence(lambda n: f"T{n:06d}")
    email = factory.Faker("safe_email")
    postcode = factory.Faker("postcode", locale="en_GB")
    first_enquiry_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=30))


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    role = PersonRole.APPLICANT
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=25, maximum_age=60)


class ApplicationFactory(BaseFactory):
    """An application opened and moved to `stage` on `stage_entered_on` the way Hearth moves one: through the state
    machine, one event per stage from the first, then the event that gives it `status`. The machine sets the stage
    and status columns; a test that needs a state the rules never produce builds it by hand."""

    class Meta:
        model = Application

    household = factory.SubFactory(HouseholdFactory)
    service_line_code = "adoption"
    stage = Stage.ENQUIRY
    status = Status.ACTIVE
    stage_entered_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=10))

    @classmethod
    def _create(cls, model_class, *args, stage: Stage, status: Status, stage_entered_on: date, **kwargs):
        application = model_class(*args, **kwargs)
        move(application, stage, stage_entered_on, status)
        session = cls._meta.sqlalchemy_session
        session.add(application)
        session.flush()
        return application


# The event that puts an application in each status (APPROVED comes with the stage of that name).
STATUS_EVENTS = {Status.ON_HOLD: dict(kind=EventKind.ON_HOLD, reason="On hold for the test"),
                 Status.WITHDRAWN: dict(kind=EventKind.WITHDRAWN, party=WithdrawingParty.APPLICANT,
                                        reason="Withdrawn for the test"),
                 Status.NOT_APPROVED: dict(kind=EventKind.NOT_APPROVED, reason="Not approved for the test")}


def _other():
    """The seeded "Other" withdrawal reason (its note is the event's reason)."""
    session = ApplicationFactory._meta.sqlalchemy_session
    with session.no_autoflush:  # the application being built is not in the session yet
        return session.scalar(select(WithdrawalReason).where(WithdrawalReason.name == "Other"))


def move(application: Application, stage: Stage, on: date, status: Status = Status.ACTIVE) -> None:
    """Record through the state machine each stage from the first to `stage`, then `status`, all on `on`."""
    path = [routes.first_stages(application.service_line_code)[0]]
    while path[-1] is not stage:
        path.append(routes.next_stage(path[-1]))
    for step in path:
        machine.record(application, EventKind(step.value), on, today=on)
    if status in STATUS_EVENTS:
        machine.record(application, on=on, today=on, **STATUS_EVENTS[status],
                       **({"withdrawal_reason": _other()} if status is Status.WITHDRAWN else {}))
    if application.status is not status:
        raise ValueError(f"The state machine gives no way to {stage.label} and {status.label}: build it by hand")
