"""The demo's applicants who use the applicant portal: their consents and the referees they name, on the days a
household would, so the Stage 1 report's "waiting on the applicant" has something to show (crm.checks.waiting)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.households.models import Application, PersonRole
from crm.portal.consent_rules import CONSENT_BY_CODE
from crm.portal.models import ConsentKind, PortalAccount, PortalConsent
from crm.references.models import Referee, RefereeKind
from crm.references.rules import KIND_BY_CODE

PORTAL_SHARE = 0.5  # of the applications whose checks were requested


def portal_histories(rng, fake: Faker, today: date) -> None:
    """Half the applications whose checks were requested have an applicant who took up a portal invitation the day
    before; each consents to a check within a fortnight of its request, and names its referees within three weeks
    (3 personal, one of them family; one for each other reference), or not yet while the check is open."""
    checks = db.session.scalars(
        select(CheckInstance).where(CheckInstance.requested_on.is_not(None), CheckInstance.withdrawn_at.is_(None))
        .options(selectinload(CheckInstance.check_type), selectinload(CheckInstance.application)
                 .selectinload(Application.household)).order_by(CheckInstance.application_id, CheckInstance.id))
    by_application: dict[int, list[CheckInstance]] = {}
    for check in checks:
        by_application.setdefault(check.application_id, []).append(check)
    consented: set[tuple[int, str]] = set()
    invited: set[int] = set()
    for checks in by_application.values():
        household = checks[0].application.household
        applicants = [person for person in household.people if person.role is PersonRole.APPLICANT]
        if not applicants or rng.random() >= PORTAL_SHARE or household.id in invited:
            continue
        invited.add(household.id)
        first = min(check.requested_on for check in checks)
        db.session.add(PortalAccount(household_id=household.id, person_id=applicants[0].id,
                                     email=household.email or fake.unique.safe_email(),
                                     invited_at=_at(first - timedelta(days=3)),
                                     activated_at=_at(first - timedelta(days=1))))
        for check in checks:
            _consent(check, rng, today, consented)
            _referees(check, rng, fake, today)


def _at(day: date) -> datetime:
    """10 in the morning in London on `day`."""
    return clock.start_of_london_day(day) + timedelta(hours=10)


def _done_on(check: CheckInstance, rng, today: date, most: int) -> date | None:
    """The day the applicant did their part: 0 to `most` days after the request, by the check's receipt; None while
    the check is open and a quarter of the time (not done yet), or after today."""
    day = check.requested_on + timedelta(days=rng.randint(0, most))
    if check.received_on is not None:
        return min(day, check.received_on)
    return None if day > today or rng.random() < 0.25 else day


def _consent(check: CheckInstance, rng, today: date, consented: set) -> None:
    kind = CONSENT_BY_CODE.get(check.check_type.code)
    if kind is None or check.person_id is None or (check.person_id, kind) in consented:
        return
    if (day := _done_on(check, rng, today, 14)) is not None:
        consented.add((check.person_id, kind))
        db.session.add(PortalConsent(person_id=check.person_id, kind=ConsentKind(kind), given_at=_at(day)))


def _referees(check: CheckInstance, rng, fake: Faker, today: date) -> None:
    kind = KIND_BY_CODE.get(check.check_type.code)
    if kind is None or (day := _done_on(check, rng, today, 21)) is None:
        return
    family = [True, False, False] if kind is RefereeKind.PERSONAL else [False]
    for position, is_family in enumerate(family):
        named = day - timedelta(days=len(family) - 1 - position)
        db.session.add(Referee(application_id=check.application_id, check_id=check.id, kind=kind, name=fake.name(),
                               email=fake.unique.safe_email(), is_family=is_family,
                               relationship_to_applicant="Sister" if is_family else "Friend",
                               years_known=rng.randint(2, 20), named_at=_at(max(named, check.requested_on))))
