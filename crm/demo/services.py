"""Demo data from Faker: staff for every role and a few hundred households spread over the funnel."""
from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import func, select

from crm.auth.models import Team, User
from crm.auth.passwords import password_problem
from crm.auth.roles import Role
from crm.auth.services import create_user
from crm import clock
from crm.demo.channel_rules import load_channel_rules
from crm.demo.marketing import load_marketing
from crm.demo.portal import portal_histories
from crm.demo.targets import set_demo_targets
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.events.models import (Attendance, AttendanceStageMove, Consultation, ConsultationMethod, EventBooking,
                               InformationEvent)
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.reasons import services as withdrawal_reasons
from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import EventKind, Stage, Status, WithdrawingParty
from crm.funnel.terms import APPROVED_AND_WAITING
from crm.households.models import Application, Household, PartnerAuthority, Person, PersonRole
from crm.households.monitoring import PERSON_QUESTIONS, PREFERS_NOT_TO_SAY
from crm.marketing.models import Channel
from crm.workdays import add_working_days

DEMO_DOMAIN = "hearth.example"  # .example is reserved: no demo email ever reaches a real mailbox
# Typical days from entering one stage to entering the next (SPEC section 4's timescales in mind).
STAGE_GAPS = {
    Stage.INFORMATION_EVENT: (7, 30), Stage.INITIAL_VISIT: (7, 40), Stage.REGISTRATION_OF_INTEREST: (7, 30),
    Stage.STAGE_1: (3, 15), Stage.STAGE_1_COMPLETED: (45, 90), Stage.STAGE_2: (5, 120),
    Stage.PANEL: (100, 170), Stage.APPROVED: (5, 20),
}
# Longest an open application stays in its current stage in the demo (roughly the timescale, some over it).
MAX_DWELL = {
    Stage.ENQUIRY: 14, Stage.INFORMATION_EVENT: 45, Stage.INITIAL_VISIT: 40, Stage.REGISTRATION_OF_INTEREST: 30,
    Stage.STAGE_1: 80, Stage.STAGE_1_COMPLETED: 120, Stage.STAGE_2: 170, Stage.PANEL: 30, Stage.APPROVED: 0,
}
SERVICE_LINE_WEIGHTS = {ServiceLineCode.ADOPTION: 4, ServiceLineCode.FOSTERING_MAINSTREAM: 5,
                        ServiceLineCode.FOSTERING_CONNECTED: 2, ServiceLineCode.EARLY_PERMANENCE: 1}
# Reasons from the seeded list (crm.funnel.reasons), with a note where "Other" needs one.
WITHDRAWAL_REASONS = [("Finances / cost of living", None), ("Health", None), ("Housing", None),
                      ("Relationship change", None), ("Chose another agency", None), ("Personal history", None),
                      ("Counselled out", None), ("Other", "Moving abroad for work")]
# Web enquiries arrive with the UTM tags of the link followed (source, medium, campaign).
WEB_SOURCES = [("facebook", "paid_social", "autumn-fostering"), ("google", "cpc", "adopt-search"),
               ("newsletter", "email", "council-newsletter"), ("instagram", "social", "autumn-fostering"),
               ("youcanadopt", "referral", "national-adoption-week")]
CAMPAIGN_NAMES = {"autumn-fostering": "Autumn fostering drive", "adopt-search": "Adoption search ads",
                  "council-newsletter": "Council newsletter", "national-adoption-week": "National Adoption Week"}
# Roughly the shape of applicants in England: most straight, without a disability, of no religion or Christian.
MONITORING_WEIGHTS = {
    "ethnicity": [2, 1, 3, 3, 1, 3, 2, 1, 1, 1, 2, 1, 60, 3, 1, 1, 8, 1, 1],
    "sexual_orientation": [85, 8, 5, 2],
    "disability": [3, 9, 88],
    "religion": [45, 40, 1, 3, 1, 6, 1, 3],
}


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def load_demo(*, seed: int = 2026, households: int = 300, today: date | None = None) -> dict[str, str]:
    """Create the demo service; returns each demo user's email and password. The caller commits."""
    today = today or clock.today()
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    authorities = [PartnerAuthority(name=f"{town} Council") for town in _unique(fake.city, 5)]
    teams = {name: Team(name=name) for name in ("Recruitment", "Stage 1", "Assessment")}
    db.session.add_all([*authorities, *teams.values()])
    logins, staff = _staff(fake, teams)
    channels = list(db.session.scalars(select(Channel).order_by(Channel.id)))
    events = _information_events(rng, fake, today, authorities, staff)
    reasons = {reason.name: reason for reason in withdrawal_reasons.all_reasons()}
    for number in range(1, households + 1):
        household = _household(number, rng, fake, today, authorities, teams, staff, reasons)
        _contacts(household, rng, today, channels, staff)
        _attendance(household, rng, today, events, staff)
    db.session.flush()
    _statutory_checks(rng, today, staff)
    portal_histories(rng, fake, today)
    load_marketing(seed=seed, today=today)
    load_channel_rules(today=today)
    set_demo_targets(today, households, actor=staff[Role.MANAGER][0])
    return logins


def _statutory_checks(rng, today: date, staff) -> None:
    """The catalogue's checks for every application that reached Stage 1 (created by the checks service, as the
    funnel does), then requested, chased and received as a busy Stage 1 team would have them: done for the
    applications that moved on, some outstanding (a few overdue) for those still in Stage 1."""
    from crm.checks.models import CheckOutcome
    from crm.checks.services import create_checks, due_date, missing_checks

    workers = staff[Role.STAGE_ONE_WORKER]
    for application in db.session.scalars(select(Application).order_by(Application.id)):
        started = {e.kind: e.occurred_on for e in application.events}
        if EventKind.STAGE_1 not in started or application.fast_track:
            continue
        began, finished = started[EventKind.STAGE_1], started.get(EventKind.STAGE_1_COMPLETED)
        owner = application.household.allocated_worker if application.stage is Stage.STAGE_1 else rng.choice(workers)
        for check in create_checks(application, missing_checks(application, began), actor=None, actor_label="demo"):
            check.owner_id = owner.id
            check.requested_on = min(today, began + timedelta(days=rng.randint(0, 5)))
            check.due_on = due_date(check, check.requested_on)
            back = check.requested_on + timedelta(days=rng.randint(5, check.check_type.default_days + 20))
            if finished is not None:
                back = max(check.requested_on, min(back, finished))
            received = back <= today and (finished is not None or rng.random() < 0.6)
            _complete_parts(check, rng, today, back if received else None)
            if received:
                check.received_on = back
                check.outcome = rng.choices([CheckOutcome.CLEAR, CheckOutcome.INFORMATION_DISCLOSED,
                                             CheckOutcome.CONCERN], weights=[90, 8, 2])[0]
            elif rng.random() < 0.4 and check.requested_on < today:
                check.last_chased_on = check.requested_on + timedelta(days=rng.randint(1, (today - check.requested_on).days))


def _complete_parts(check, rng, today: date, received_on: date | None) -> None:
    """A check in parts (DBS) done in turn: the applicant's online form within a fortnight of the request (or not
    yet), then the agency's steps; all done by the day a received check came back."""
    day = check.requested_on
    for part in check.parts:
        day += timedelta(days=rng.randint(1, 14))
        if received_on is not None:
            day = min(day, received_on)
        elif day > today or rng.random() < 0.25:
            return
        part.completed_on = day


def _information_events(rng, fake, today: date, authorities, staff) -> list[InformationEvent]:
    """An information evening every other Wednesday for two years, alternately online and in a venue,
    and the next two months' already planned."""
    events = []
    day = today - timedelta(days=730)
    day += timedelta(days=(2 - day.weekday()) % 7)  # the first Wednesday
    while day <= today + timedelta(days=60):
        online = len(events) % 2 == 0
        starts = clock.london_time(day, time(18, 30))
        line = rng.choice([None, None, ServiceLineCode.ADOPTION, ServiceLineCode.FOSTERING_MAINSTREAM])
        title = {None: "Adoption and fostering information evening",
                 ServiceLineCode.ADOPTION: "Adoption information evening",
                 ServiceLineCode.FOSTERING_MAINSTREAM: "Fostering information evening"}[line]
        events.append(InformationEvent(
            title=title, starts_at=starts, ends_at=starts + timedelta(hours=2), online=online,
            venue=None if online else f"{fake.company()} Community Centre, {fake.street_address()}",
            joining_link="https://meet.hearth.example/info-evening" if online else None,
            capacity=rng.choice([20, 30, 40]), service_line_code=line, partner_authority=rng.choice(authorities),
            created_by=rng.choice(staff[Role.RECRUITMENT_OFFICER])))
        day += timedelta(days=14)
    db.session.add_all(events)
    return events


def _attendance(household: Household, rng, today: date, events: list[InformationEvent], staff) -> None:
    """The event (or 1:1 consultation) behind each information_event stage entry, and bookings on coming
    events for households still at enquiry: the same records the events pages make."""
    officer = rng.choice(staff[Role.RECRUITMENT_OFFICER])
    for application in household.applications:
        stage_events = {e.kind: e for e in application.events}
        moved = stage_events.get(EventKind.INFORMATION_EVENT)
        if moved is not None:
            enquired = stage_events[EventKind.ENQUIRY].occurred_on
            held = [e for e in events if enquired <= _local_day(e) <= moved.occurred_on
                    and e.service_line_code in (None, application.service_line_code)]
            if held and rng.random() < 0.8:
                event = held[-1]
                moved.occurred_on = _local_day(event)
                if application.stage is Stage.INFORMATION_EVENT:
                    application.stage_entered_on = moved.occurred_on
                booking = EventBooking(event=event, household=household, booked_by=officer,
                                       booked_at=_booked_before(event, enquired, rng),
                                       attendance=Attendance.ATTENDED, attended_on=moved.occurred_on,
                                       recorded_by_id=officer.id, recorded_at=event.ends_at)
                db.session.add_all([booking, AttendanceStageMove(stage_event=moved, booking=booking)])
            else:
                consultation = Consultation(household=household, method=rng.choice(list(ConsultationMethod)),
                                            held_on=moved.occurred_on, held_by_id=officer.id,
                                            recorded_by_id=officer.id, service_line_code=application.service_line_code,
                                            notes="Talked through the process and what to expect.")
                db.session.add_all([consultation, AttendanceStageMove(stage_event=moved, consultation=consultation)])
        elif application.stage is Stage.ENQUIRY and application.status is Status.ACTIVE and rng.random() < 0.5:
            enquired = application.events[0].occurred_on
            line = (None, application.service_line_code)
            # Most are booked on an evening to come; some on one held in the last fortnight whose attendance the
            # officer has still to record (the events page's "awaiting attendance").
            past = [e for e in events if enquired <= _local_day(e) < today and (today - _local_day(e)).days <= 14
                    and e.service_line_code in line]
            coming = [e for e in events if _local_day(e) >= today and e.service_line_code in line]
            chosen = past[-1:] if past and rng.random() < 0.3 else coming[:1]
            if chosen and not any(b.event is chosen[0] for b in _bookings(household)):
                db.session.add(EventBooking(event=chosen[0], household=household, booked_by=officer,
                                            booked_at=_booked_before(chosen[0], enquired, rng)))


def _booked_before(event: InformationEvent, enquired: date, rng) -> datetime:
    """When a place was booked: after the enquiry, a few days before the evening (never after it, nor in the future)."""
    latest = min(event.starts_at - timedelta(hours=2), clock.now())
    earliest = max(clock.london_time(enquired, time(9)), latest - timedelta(days=21))
    if earliest >= latest:
        return latest
    return earliest + (latest - earliest) * rng.random()


def _bookings(household: Household) -> list[EventBooking]:
    return [o for o in db.session.new if isinstance(o, EventBooking) and o.household is household]


def _local_day(event: InformationEvent) -> date:
    return clock.london_date(event.starts_at)


def _unique(make, count: int) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault(make(), None)
    return list(seen)


def _demo_password(email: str, name: str) -> str:
    """A random password the policy accepts: one in a few hundred random ones holds a part of the name by chance
    ("kINgNj..." for Katy King), which the policy refuses."""
    while True:
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        if password_problem(password, personal=(email, name)) is None:
            return password


def _staff(fake: Faker, teams: dict[str, Team]) -> tuple[dict[str, str], dict[Role, list[User]]]:
    plan = [(Role.RECRUITMENT_OFFICER, "Recruitment", 3), (Role.STAGE_ONE_WORKER, "Stage 1", 3),
            (Role.ASSESSING_SOCIAL_WORKER, "Assessment", 4), (Role.MARKETING_OFFICER, None, 1),
            (Role.MANAGER, "Recruitment", 1), (Role.ADMINISTRATOR, None, 1)]
    logins: dict[str, str] = {}
    staff: dict[Role, list[User]] = {}
    for role, team, count in plan:
        for index in range(count):
            email = f"{role.value.replace('_', '.')}{index + 1 if count > 1 else ''}@{DEMO_DOMAIN}"
            name = fake.name()
            password = _demo_password(email, name)
            user = create_user(email, name, password, [role], team=teams.get(team))
            staff.setdefault(role, []).append(user)
            logins[email] = password
    return logins, staff


def _household(number, rng, fake, today, authorities, teams, staff, reasons) -> None:
    surname = fake.last_name()
    household = Household(
        reference=f"H{number:06d}", partner_authority=rng.choice(authorities), email=fake.email(domain=DEMO_DOMAIN),
        phone=fake.phone_number(), address_line_1=fake.street_address(), town=fake.city(), postcode=fake.postcode(),
        relationship_status=rng.choice(["Married", "Civil partnership", "Cohabiting", "Single"])
        if rng.random() < 0.9 else None,
        first_enquiry_on=today,
    )
    for _ in range(rng.choice([1, 2, 2])):
        household.people.append(_person(PersonRole.APPLICANT, fake, rng, surname, today, 25, 60))
    for _ in range(rng.choice([0, 0, 1, 2])):
        household.people.append(_person(PersonRole.CHILD, fake, rng, surname, today, 1, 17))
    line = rng.choices(list(SERVICE_LINE_WEIGHTS), weights=list(SERVICE_LINE_WEIGHTS.values()))[0]
    application = _history(household, line, rng, today, reasons)
    household.first_enquiry_on = application.events[0].occurred_on
    household.allocated_worker = _worker_for(application.stage, rng, staff)
    household.team_id = household.allocated_worker.team_id
    db.session.add(household)
    return household


def _contacts(household: Household, rng, today: date, channels, staff) -> None:
    """The first contact, sometimes a repeat one; most answered, a recent few still waiting. Nothing is dated
    after the demo's present (an export of the demo must import again: the future is refused)."""
    now = _demo_now(today)
    for offset in sorted({0, *([rng.randint(1, 20)] if rng.random() < 0.25 else [])}):
        day = min(today, household.first_enquiry_on + timedelta(days=offset))
        received = min(now, clock.london_time(day, time(rng.randint(8, 19), rng.randint(0, 59))))
        due = add_working_days(received, 2)
        responded = received + timedelta(hours=rng.randint(1, 96))
        answered = ((today - day).days > 3 or rng.random() < 0.4) and responded <= now
        responded = responded if answered else None
        officer = rng.choice(staff[Role.RECRUITMENT_OFFICER])
        method = rng.choice(list(ContactMethod))
        source, medium, campaign = rng.choice(WEB_SOURCES) if method is ContactMethod.WEB else (None, None, None)
        db.session.add(EnquiryContact(
            household=household, received_at=received, method=method,
            channel=rng.choice(channels) if channels and rng.random() < 0.85 else None,
            utm_source=source, utm_medium=medium, utm_campaign=campaign,
            campaign=CAMPAIGN_NAMES.get(campaign) if campaign else rng.choice([None, None, "Word of mouth week"]),
            referrer=f"https://agency.hearth.example/{campaign}" if campaign else None,
            first_response_due_at=due, first_responded_at=responded,
            first_responded_by_id=officer.id if answered else None,
            recorded_by=None if method is ContactMethod.WEB else officer))


def _demo_now(today: date) -> datetime:
    """The present of the demo: now, or the end of --today when the demo is built as of another day."""
    return clock.now() if clock.today() == today else clock.london_time(today, time(23, 59))


def _person(role, fake, rng, surname, today, min_age, max_age) -> Person:
    born = today - relativedelta(years=rng.randint(min_age, max_age), days=rng.randint(0, 364))
    person = Person(role=role, first_name=fake.first_name(), last_name=surname, date_of_birth=born)
    if role is PersonRole.APPLICANT:
        for field, answer in _monitoring_answers(rng).items():
            setattr(person, field, answer)
    return person


def _monitoring_answers(rng) -> dict[str, str]:
    """An applicant's equality monitoring, from the form's own answers: most answer every question, some prefer
    not to say to one, a few were never asked (the report's "not recorded")."""
    if rng.random() < 0.08:
        return {}
    answers = {}
    for field, (_question, offered) in PERSON_QUESTIONS.items():
        weights = MONITORING_WEIGHTS.get(field)
        answers[field] = (PREFERS_NOT_TO_SAY if rng.random() < 0.06 else
                          rng.choices(offered, weights=weights)[0] if weights else rng.choice(offered))
    return answers


def _history(household: Household, line: str, rng, today: date, reasons) -> Application:
    """A plausible history: pick where the application is now, then walk back to its first enquiry."""
    target = rng.choices(list(Stage), weights=[20, 14, 12, 10, 10, 5, 12, 4, 13])[0]
    # Fast track goes from ROI straight to Stage 2, so it is never in Stage 1.
    fast_track = target not in (Stage.STAGE_1, Stage.STAGE_1_COMPLETED) and rng.random() < 0.08
    closed = target is Stage.APPROVED or rng.random() < 0.15
    path = [stage for stage in list(Stage)[:target.order + 1]
            if not (fast_track and stage in (Stage.STAGE_1, Stage.STAGE_1_COMPLETED))]
    entered = {target: today - timedelta(days=rng.randint(0, 600 if closed else MAX_DWELL[target]))}
    for later, earlier in zip(reversed(path), list(reversed(path))[1:]):
        entered[earlier] = entered[later] - timedelta(days=rng.randint(*STAGE_GAPS[later]))
    application = Application(service_line_code=line, stage=target, stage_entered_on=entered[target],
                              fast_track=fast_track, status=Status.ACTIVE)
    household.applications.append(application)
    application.events = [StageEvent(kind=EventKind(stage.value), occurred_on=entered[stage]) for stage in path]
    _close_or_pause(application, closed, rng, today, reasons)
    return application


def _close_or_pause(application: Application, closed: bool, rng, today: date, reasons) -> None:
    if application.stage is Stage.APPROVED:
        application.status, application.status_changed_on = Status.APPROVED, application.stage_entered_on
        found = application.stage_entered_on + timedelta(days=rng.randint(20, 300))
        if found <= today:
            kind = APPROVED_AND_WAITING.ending_kind(application.service_line_code)
            application.events.append(StageEvent(kind=kind, occurred_on=found))
        return
    day = min(today, application.stage_entered_on + timedelta(days=rng.randint(5, 60)))
    if closed:
        party = rng.choice(list(WithdrawingParty))
        name, note = rng.choice(WITHDRAWAL_REASONS)
        application.events.append(StageEvent(kind=EventKind.WITHDRAWN, occurred_on=day, party=party,
                                             withdrawal_reason_id=reasons[name].id, reason=note))
        application.status, application.status_changed_on = Status.WITHDRAWN, day
    elif rng.random() < 0.06:
        application.events.append(StageEvent(kind=EventKind.ON_HOLD, occurred_on=day, reason="Family bereavement"))
        application.status, application.status_changed_on = Status.ON_HOLD, day


def _worker_for(stage: Stage, rng, staff: dict[Role, list[User]]) -> User:
    if stage.order <= Stage.REGISTRATION_OF_INTEREST.order:
        return rng.choice(staff[Role.RECRUITMENT_OFFICER])
    if stage in (Stage.STAGE_1, Stage.STAGE_1_COMPLETED):
        return rng.choice(staff[Role.STAGE_ONE_WORKER])
    return rng.choice(staff[Role.ASSESSING_SOCIAL_WORKER])
