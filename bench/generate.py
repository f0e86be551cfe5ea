"""The national-scale data generator of SPEC section 10: households with their people (applicants with their
equality answers, other adults, children), their enquiry contacts, their applications and the applications' stage
events, the statutory checks with their requests, parts, chases and receipts, information events with the
households' bookings and attendances, and the casework users (with a known password) the load harness signs in as;
spread over ten years and written in bulk.

Rows go in with SQLAlchemy Core `insert()` executemany, a few thousand households at a time: the ORM and the funnel
services keep per-object bookkeeping that would take hours for millions of rows. The rules are kept all the same:
each history is one the state machine accepts (bench/histories.py), each application row is `machine.replay` of its
live events (computed by the machine itself), every constraint of the schema holds, and the first contact's date
in London is the household's first enquiry. The same seed, size, date and starting database give the same rows.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from sqlalchemy import func, insert, select, text
from tqdm import tqdm

from bench.histories import Event, simulate
from bench.people import PeopleMaker, UserPool, add_checks, catalogue
from crm import clock, dataversion
from crm.auth.models import Team
from crm.checks.models import CheckChase, CheckInstance, CheckPart
from crm.demo.services import CAMPAIGN_NAMES, SERVICE_LINE_WEIGHTS, WEB_SOURCES
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.events.models import Attendance, AttendanceStageMove, EventBooking, InformationEvent
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.service_lines import ADOPTION_LIKE, ServiceLineCode
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage
from crm.households.models import Application, Household, PartnerAuthority, Person
from crm.marketing.models import Channel
from crm.workdays import add_working_days

SPAN_DAYS = 3652  # ten years of history, ending yesterday (contacts) and today (stage events, which carry dates)
CHUNK = 2000  # households per batch of inserts
REPEAT_CONTACT_ODDS = 0.7  # chance of one more contact: 1 + 0.7/0.3 = 3.3 contacts a household, as SPEC's 1M / 300k
SECOND_LINE_SHARE = 0.12  # households that apply to a second service line
FAST_TRACK_SHARE = 0.1  # of adoption and early permanence applications
CONNECTED_FIRST = ((Stage.ENQUIRY, 0.6), (Stage.STAGE_1, 0.25), (Stage.STAGE_2, 0.15))
METHOD_WEIGHTS = {ContactMethod.PHONE: 30, ContactMethod.EMAIL: 15, ContactMethod.WEB: 40, ContactMethod.EVENT: 10,
                  ContactMethod.WALK_IN: 5}
RELATIONSHIPS = ("Married", "Civil partnership", "Cohabiting", "Single", None)
OUTWARD_CODES = ("LS6", "M14", "B15", "NE1", "BS3", "NG7", "S10", "L17", "SE5", "N16", "CB1", "OX4", "EX4", "TR1")
# In foreign-key order: a batch writes them so, and Ids hands out the next id of each.
TABLES = (Household, Person, Application, StageEvent, EnquiryContact, CheckInstance, CheckPart, CheckChase,
          InformationEvent, EventBooking, AttendanceStageMove)
NO_SHOW_SHARE = 0.15  # households booked onto an information event who did not come (no stage event)


class GenerateError(RuntimeError):
    """The generator was asked for something it will not do (say, mix its rows into a database in use)."""


@dataclass
class Counts:
    households: int = 0
    people: int = 0
    applications: int = 0
    events: int = 0
    contacts: int = 0
    checks: int = 0
    check_parts: int = 0
    chases: int = 0
    information_events: int = 0
    bookings: int = 0
    attendance_moves: int = 0
    check_requests: int = 0
    receipts: int = 0
    attendances: int = 0

    def add(self, other: Counts) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def milestones(self) -> int:
        """SPEC section 10's "milestone events": stage events, check requests, chases and receipts, bookings and
        attendances together."""
        return (self.events + self.check_requests + self.chases + self.receipts + self.bookings
                + self.attendances)

    @property
    def rows(self) -> int:
        return sum(getattr(self, name) for name in ROW_FIELDS)


# The Counts field of each of TABLES, in the same order.
ROW_FIELDS = ("households", "people", "applications", "events", "contacts", "checks", "check_parts", "chases",
              "information_events", "bookings", "attendance_moves")


@dataclass(frozen=True)
class Setting:
    """What every household is generated against: the date, the reference data to point at, the rules."""

    today: date
    # The start of `today` in London: every timestamp is before it, so the rows do not depend on the time of day
    # they were generated at (only on the seed, the size, `today` and the ids already taken).
    cutoff: datetime
    authorities: list[int]
    teams: list[int]
    channels: list[int]
    response_days: int
    withdrawal_reasons: dict[str, int]  # name -> id: a withdrawal's reason is chosen from the managed list
    check_types: list  # bench.people.CatalogueEntry of the active catalogue
    users: UserPool


@dataclass
class Batch:
    """The rows of a few thousand households, written table by table in foreign-key order."""

    rows: dict = field(default_factory=lambda: {model: [] for model in TABLES})
    counts: Counts = field(default_factory=Counts)

    def __getitem__(self, model) -> list[dict]:
        return self.rows[model]

    def write(self, session) -> Counts:
        for model in TABLES:
            if self.rows[model]:
                _insert(session, model.__table__, self.rows[model])
        counts = self.counts
        for name, model in zip(ROW_FIELDS, TABLES):
            setattr(counts, name, len(self.rows[model]))
        return counts


def _insert(session, table, rows: list[dict]) -> None:
    """PostgreSQL: COPY, the quickest way in; elsewhere Core executemany."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    dataversion.wrote(session)  # COPY goes past SQLAlchemy: say the data changed (crm/dataversion.py)
    cursor = session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in columns])


def _copy_value(value):
    if isinstance(value, str) and hasattr(value, "value"):  # a StrEnum is stored as its value
        return value.value
    return value


class Ids:
    """The next free id of each table, so children can point at parents without reading ids back."""

    def __init__(self, session):
        self.next = {model: (session.scalar(select(func.max(model.id))) or 0) + 1 for model in TABLES}

    def take(self, model) -> int:
        self.next[model] += 1
        return self.next[model] - 1


def generate(session, *, households: int, seed: int = 2026, today: date | None = None, append: bool = False,
             response_days: int = 2, progress: bool = True) -> Counts:
    """Write `households` generated households into the session's database; the caller commits."""
    today = today or clock.today()
    if today > clock.today():
        raise GenerateError("The generator writes history: --today cannot be in the future")
    if session.scalar(select(func.count()).select_from(Household)) and not append:
        raise GenerateError("The database already has households: generate into an empty one, or pass --append")
    ids = Ids(session)
    rng = random.Random(f"{seed}:{ids.next[Household]}")
    setting = _setting(session, households, today, response_days, rng)
    people = PeopleMaker(rng, seed)
    events_by_day: dict[date, int] = {}  # information events are made on the days needed (--append makes new ones)
    counts = Counts()
    with tqdm(total=households, unit=" households", disable=not progress, desc="Generating") as bar:
        for start in range(0, households, CHUNK):
            batch = Batch()
            for _ in range(min(CHUNK, households - start)):
                _household(batch, rng, setting, ids, people, events_by_day)
            counts.add(batch.write(session))
            bar.update(len(batch[Household]))
    _advance_sequences(session)
    return counts


def _setting(session, households: int, today: date, response_days: int, rng) -> Setting:
    """Partner authorities (a Regional Adoption Agency has 4-6; England 150) and teams in proportion to the scale;
    the bench users (bench/people.py) in their teams."""
    teams = _named(session, Team, "Bench team {:02d}", households // 10000, 3, 30)
    return Setting(
        today=today, cutoff=clock.start_of_london_day(today),
        authorities=_named(session, PartnerAuthority, "Bench authority {:03d} Council", households // 2000, 5, 150),
        teams=teams,
        channels=list(session.scalars(select(Channel.id).order_by(Channel.id))),
        response_days=response_days,
        withdrawal_reasons=dict(session.execute(select(WithdrawalReason.name, WithdrawalReason.id)).all()),
        check_types=catalogue(session),
        users=UserPool.ensure(session, households, teams),
    )


def _named(session, model, pattern: str, wanted: int, low: int, high: int) -> list[int]:
    """The ids of `pattern`-named rows of `model`, created where missing."""
    names = [pattern.format(n) for n in range(1, max(low, min(high, wanted)) + 1)]
    found = dict(session.execute(select(model.name, model.id).where(model.name.in_(names))).all())
    missing = [model(name=name) for name in names if name not in found]
    session.add_all(missing)
    session.flush()
    found.update({row.name: row.id for row in missing})
    return [found[name] for name in names]


def _household(batch: Batch, rng, setting: Setting, ids: Ids, people: PeopleMaker, events_by_day: dict) -> None:
    household_id = ids.take(Household)
    first_day = setting.today - timedelta(days=rng.randint(1, SPAN_DAYS))
    received = _contact_times(rng, first_day, setting)
    household = _household_row(rng, setting, household_id, first_day, received[0])
    batch[Household].append(household)
    members = people.household(household_id, first_day, ids.take, Person)
    batch[Person].extend(members)
    household["last_name"] = members[0]["last_name"]  # not a column: popped below, used for the email
    batch[EnquiryContact].extend(_contact_row(rng, setting, ids.take(EnquiryContact), household_id, moment)
                                 for moment in received)
    furthest = Stage.ENQUIRY
    first_check = len(batch[CheckInstance])
    booked: dict[date, int] = {}  # the household's bookings: event day -> booking id
    for line, opened_on in _lines(rng, received):
        stage = _application(batch, rng, setting, ids, household, line, opened_on, members, events_by_day, booked)
        furthest = max(furthest, stage, key=lambda s: s.order)
    if not booked and rng.random() < NO_SHOW_SHARE:  # booked a place, never came
        day = first_day + timedelta(days=rng.randint(7, 30))
        if day < setting.today:
            _booking(batch, setting, ids, household_id, day, Attendance.DID_NOT_ATTEND, events_by_day, booked)
    worker, owns_checks = setting.users.worker_for(rng, furthest, household["team_id"])
    household["allocated_worker_id"] = worker
    if owns_checks:  # checks are owned by the household's worker when they work on checks (checks._new_check)
        for check in batch[CheckInstance][first_check:]:
            check["owner_id"] = worker
    household["email"] = f"{household.pop('last_name').lower()}.{household['reference'].lower()}@bench.example"


def _contact_times(rng, first_day: date, setting: Setting) -> list[datetime]:
    """When the household got in touch (UTC), first on `first_day` in London, repeats in the months after."""
    days = [first_day]
    while rng.random() < REPEAT_CONTACT_ODDS and len(days) < 12:
        days.append(min(setting.today - timedelta(days=1), first_day + timedelta(days=int(rng.expovariate(1 / 45)))))
    return sorted(_moment(rng, day) for day in days)


def _moment(rng, day: date) -> datetime:
    """A time on `day` in London, any hour (web forms arrive at night: 00:30 in summer is the day before in UTC)."""
    return clock.london_time(day, time(rng.randint(0, 23), rng.randint(0, 59))).astimezone(timezone.utc)


def _lines(rng, received: list[datetime]) -> list[tuple[str, date]]:
    """The service lines applied to, each opened on the London date of the contact that asked about it."""
    lines = list(SERVICE_LINE_WEIGHTS)
    first = rng.choices(lines, weights=list(SERVICE_LINE_WEIGHTS.values()))[0]
    opened = [(first, clock.london_date(received[0]))]
    if rng.random() < SECOND_LINE_SHARE:
        second = rng.choice([line for line in lines if line != first])
        opened.append((second, clock.london_date(rng.choice(received))))
    return opened


def _household_row(rng, setting: Setting, household_id: int, first_day: date, first_contact: datetime) -> dict:
    reference = f"B{household_id:07d}"  # never one of the app's references (H + 7 letters without 0 or 1)
    return {
        "id": household_id, "reference": reference, "partner_authority_id": rng.choice(setting.authorities),
        "team_id": rng.choice(setting.teams), "allocated_worker_id": None,
        "email": f"{reference.lower()}@bench.example", "phone": None, "address_line_1": None, "address_line_2": None,
        "town": None, "postcode": f"{rng.choice(OUTWARD_CODES)} {rng.randint(1, 9)}AB",
        "relationship_status": rng.choice(RELATIONSHIPS),
        "first_enquiry_on": first_day, "created_at": first_contact, "created_by_id": None,
    }


def _contact_row(rng, setting: Setting, contact_id: int, household_id: int, received: datetime) -> dict:
    method = rng.choices(list(METHOD_WEIGHTS), weights=list(METHOD_WEIGHTS.values()))[0]
    source, medium, campaign = rng.choice(WEB_SOURCES) if method is ContactMethod.WEB else (None, None, None)
    responded = received + timedelta(hours=rng.randint(1, 96))
    quick = rng.random() < 0.5  # drawn whatever the dates, so one contact's dates never shift the next one's draws
    answered = responded < setting.cutoff and ((setting.today - clock.london_date(received)).days > 3 or quick)
    return {
        "id": contact_id, "household_id": household_id, "received_at": received, "method": method,
        "channel_id": rng.choice(setting.channels) if setting.channels and rng.random() < 0.85 else None,
        "campaign": CAMPAIGN_NAMES.get(campaign), "utm_source": source, "utm_medium": medium,
        "utm_campaign": campaign, "referrer": f"https://agency.bench.example/{campaign}" if campaign else None,
        "notes": None, "idempotency_key": None, "recorded_by_id": None, "recorded_at": received,
        "first_response_due_at": _due(received, setting.response_days),
        "first_responded_at": responded if answered else None, "first_responded_by_id": None,
    }


@lru_cache(maxsize=65536)
def _due(received: datetime, days: int) -> datetime:
    return add_working_days(received, days)


def _application(batch: Batch, rng, setting: Setting, ids: Ids, household: dict, line: str, opened_on: date,
                 members: list[dict], events_by_day: dict, booked: dict) -> Stage:
    """One application, its events, its checks and its information-event attendance; the stage it reached."""
    household_id = household["id"]
    first = Stage.ENQUIRY
    if line == ServiceLineCode.FOSTERING_CONNECTED:
        first = rng.choices([s for s, _ in CONNECTED_FIRST], weights=[w for _, w in CONNECTED_FIRST])[0]
    fast_track = line in ADOPTION_LIKE and rng.random() < FAST_TRACK_SHARE
    events = simulate(rng, line, fast_track, first, opened_on, setting.today)
    application_id = ids.take(Application)
    state = machine.replay(events)  # the row is the machine's own replay of the live events
    batch[Application].append({
        "id": application_id, "household_id": household_id, "service_line_code": line, "stage": state.stage,
        "stage_entered_on": state.stage_entered_on, "status": state.status,
        "status_changed_on": state.status_changed_on, "fast_track": fast_track,
        "created_at": _noon(opened_on, setting),
    })
    checks_from = None
    for event in events:
        event_id = ids.take(StageEvent)
        batch[StageEvent].append(_event_row(event_id, application_id, event, setting))
        if event.undone_at is not None:
            continue
        if event.kind is EventKind.INFORMATION_EVENT:
            booking = booked.get(event.occurred_on) or _booking(batch, setting, ids, household_id, event.occurred_on,
                                                                Attendance.ATTENDED, events_by_day, booked)
            batch[AttendanceStageMove].append({"id": ids.take(AttendanceStageMove), "stage_event_id": event_id,
                                               "booking_id": booking, "consultation_id": None})
        if checks_from is None and event.kind in (EventKind.STAGE_1, EventKind.STAGE_2):
            checks_from = event.occurred_on  # the checks begin (fast track: the worker starts them at Stage 2)
    if checks_from is not None:
        ended = state.status_changed_on if state.status not in OPEN_STATUSES else None
        add_checks(batch, rng, setting, ids, application_id, line, checks_from, ended, members)
    return max((Stage(e.kind.value) for e in events if e.undone_at is None and e.kind.value in STAGE_VALUES),
               key=lambda s: s.order, default=Stage.ENQUIRY)


STAGE_VALUES = frozenset(stage.value for stage in Stage)


def _booking(batch: Batch, setting: Setting, ids: Ids, household_id: int, day: date, attendance: Attendance,
             events_by_day: dict, booked: dict) -> int:
    """A booking on the information event held on `day` (one an evening, made when first needed)."""
    event_id = events_by_day.get(day)
    if event_id is None:
        event_id = events_by_day[day] = ids.take(InformationEvent)
        starts = clock.london_time(day, time(18, 30)).astimezone(timezone.utc)
        online = day.toordinal() % 2 == 0
        batch[InformationEvent].append({
            "id": event_id, "title": "Information evening (online)" if online else "Information evening",
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "online": online,
            "venue": None if online else "Bench community centre", "joining_link":
            "https://meet.bench.example/info" if online else None, "capacity": 5000, "service_line_code": None,
            "partner_authority_id": None, "notes": None, "created_by_id": None,
            "created_at": _noon(day - timedelta(days=60), setting), "cancelled_at": None, "cancelled_by_id": None})
    booking_id = booked[day] = ids.take(EventBooking)
    attended = attendance is Attendance.ATTENDED
    batch[EventBooking].append({
        "id": booking_id, "event_id": event_id, "household_id": household_id, "booked_by_id": None,
        "booked_at": _noon(day - timedelta(days=3), setting), "attendance": attendance,
        "attended_on": day if attended else None, "recorded_by_id": None,
        "recorded_at": _noon(day + timedelta(days=1), setting), "cancelled_at": None, "cancelled_by_id": None})
    batch.counts.bookings += 1
    batch.counts.attendances += attended
    return booking_id


def _event_row(event_id: int, application_id: int, event: Event, setting: Setting) -> dict:
    undone = event.undone_at is not None
    return {
        "id": event_id, "application_id": application_id, "kind": event.kind, "occurred_on": event.occurred_on,
        "party": event.party, "extension_days": event.extension_days, **_reason(event, setting),
        "recorded_by_id": None, "recorded_at": _noon(event.occurred_on, setting),
        "undone_at": _noon(event.undone_at, setting) if undone else None, "undone_by_id": None,
        "undo_reason": "Recorded with the wrong date" if undone else None,
    }


def _reason(event: Event, setting: Setting) -> dict:
    """A withdrawal names a reason of the list (no note); other events keep their reason text."""
    if event.kind is EventKind.WITHDRAWN:
        return {"withdrawal_reason_id": setting.withdrawal_reasons[event.reason], "reason": None}
    return {"withdrawal_reason_id": None, "reason": event.reason}


def _noon(day: date, setting: Setting) -> datetime:
    return min(setting.cutoff, datetime.combine(day, time(12), tzinfo=timezone.utc))


def _advance_sequences(session) -> None:
    """PostgreSQL's id sequences past the ids written here, so the app's own inserts do not collide with them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in TABLES:
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM {table}))"))
