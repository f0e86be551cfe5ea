"""Import and export fixtures: a varied history built through the services, files in memory, an empty database."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text

from crm import migrate
from crm.auth.roles import Role
from crm.checks import services as checks
from crm.checks.models import CheckInstance
from crm.clock import LONDON
from crm.enquiries import services as enquiries
from crm.enquiries.models import ContactMethod
from crm.extensions import Database, db
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from crm.households.models import PartnerAuthority
from crm.marketing.models import Channel
from crm.transfer import services
from tests.conftest import fresh_database_url, make_test_app
from tests.factories import PartnerAuthorityFactory, UserFactory

AUTHORITIES = ("Leeds City Council", "Bradford Council")
# Every table an import writes to, compared row by row to prove a second import changes nothing.
IMPORTED_TABLES = ("households", "people", "applications", "stage_events", "enquiry_contacts", "checks")
HOUSEHOLD_HEADER = ["household_ref", "service_line", "partner_authority", "first_enquiry_date", "channel", "campaign",
                    "applicant_count", "ethnicity", "relationship_status", "fast_track"]
MILESTONE_HEADER = ["household_ref", "service_line", "event", "date", "detail"]


def csv_bytes(rows: list[list], *, bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(kind: str, content: bytes, filename: str = "tracker.csv", **options):
    return services.import_file(kind, filename, io.BytesIO(content), actor=None, **options)


def dump(connection) -> dict[str, list[tuple]]:
    return {table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in IMPORTED_TABLES}


def household_row(ref="R1", line="adoption", authority="Leeds City Council", first="2025-01-06", channel="radio",
                  campaign="", count="1", ethnicity="", status="Single", fast_track="no") -> list[str]:
    return [ref, line, authority, first, channel, campaign, count, ethnicity, status, fast_track]


@pytest.fixture
def authorities(db_session):
    return [PartnerAuthorityFactory(name=name) for name in AUTHORITIES]


@pytest.fixture
def empty_app(database_kind, tmp_path_factory):
    """A second, empty database with its own app, and the partner authorities an administrator would configure."""
    url = fresh_database_url(database_kind, tmp_path_factory, "transfer")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.session.add_all([PartnerAuthority(name=name) for name in AUTHORITIES])
        db.session.commit()
    yield app
    Database.state(app).engine.dispose()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def _channel(db_session, path: str) -> int:
    parent, _, name = path.partition(" > ")
    channels = db_session.scalars(select(Channel)).all()
    top = next(c for c in channels if c.name == parent and c.parent_id is None)
    return next(c for c in channels if c.name == name and c.parent_id == top.id).id if name else top.id


def build_history(db_session) -> dict[str, object]:
    """Households whose histories use every part of the formats, made the way the app makes them.

    Returns the households by a short name, for tests that look at one of them.
    """
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    leeds, bradford = (db_session.scalar(select(PartnerAuthority).where(PartnerAuthority.name == n)) for n in AUTHORITIES)
    couple = _couple(db_session, officer, leeds)
    _check_progress(db_session, couple)
    fast = _fast_track(db_session, officer, bradford)
    kinship = _kinship(db_session, officer)
    return {"couple": couple, "fast": fast, "kinship": kinship}


def _enquiry(db_session, officer, day: date, lines: list[str], *, household=None, method=ContactMethod.PHONE,
             **details):
    return enquiries.log_enquiry(enquiries.EnquiryDetails(service_lines=lines, method=method, received_at=_at(day),
                                                          **details), actor=officer, household=household)


def _couple(db_session, officer, authority):
    """Two service lines, a hold and resume, a withdrawal, a repeat contact, a campaign that looks like a formula."""
    contact = _enquiry(db_session, officer, date(2025, 1, 6), ["adoption", "fostering_mainstream"],
                       first_name="Amira", last_name="Okafor", second_applicant=("Tom", "Okafor"),
                       email="amira@example.org", phone="+44 7700 900123", postcode="LS1 4AB",
                       partner_authority_id=authority.id, channel_id=_channel(db_session, "digital > Google Ads"),
                       campaign='=HYPERLINK("http://evil.example")', method=ContactMethod.WEB)
    household = contact.household
    household.relationship_status = "Married"
    household.applicants[0].ethnicity, household.applicants[1].ethnicity = "Black African", "White British"
    enquiries.record_first_response(contact, actor=officer, at=_at(date(2025, 1, 7), 15))
    adoption, fostering = sorted(household.applications, key=lambda a: a.service_line_code)
    for stage, day in ((Stage.INFORMATION_EVENT, date(2025, 1, 20)), (Stage.INITIAL_VISIT, date(2025, 2, 3)),
                       (Stage.REGISTRATION_OF_INTEREST, date(2025, 2, 24)), (Stage.STAGE_1, date(2025, 3, 3))):
        funnel.advance(adoption, stage, day, actor=officer)
    funnel.hold(adoption, date(2025, 3, 10), "Bereavement", actor=officer)
    funnel.resume(adoption, date(2025, 4, 14), actor=officer)
    funnel.advance(adoption, Stage.STAGE_1_COMPLETED, date(2025, 5, 19), actor=officer)
    funnel.advance(adoption, Stage.STAGE_2, date(2025, 6, 2), actor=officer)
    funnel.advance(fostering, Stage.INITIAL_VISIT, date(2025, 1, 27), actor=officer)
    funnel.withdraw(fostering, date(2025, 2, 10), "applicant", "Chose another agency", actor=officer)
    _enquiry(db_session, officer, date(2025, 3, 20), ["adoption"], first_name="Amira", last_name="Okafor",
             household=household, method=ContactMethod.EMAIL, notes="Asked about: support groups",
             channel_id=_channel(db_session, "radio"))
    return household


def _check_progress(db_session, household):
    """The couple's adoption checks (started on entering Stage 1) requested, received with each outcome, or open."""
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    adoption = next(a for a in household.applications if a.service_line_code == "adoption")
    found = {(c.check_type.code, c.person.first_name if c.person else None): c
             for c in db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == adoption.id))}
    for key, requested in ((("dbs", "Amira"), date(2025, 3, 4)), (("dbs", "Tom"), date(2025, 3, 4)),
                           (("health", "Amira"), date(2025, 3, 5)), (("personal_references", None), date(2025, 3, 6))):
        checks.request_check(found[key], requested, worker, actor=worker)
    for key, received, outcome in ((("dbs", "Amira"), date(2025, 3, 28), "clear"),
                                   (("health", "Amira"), date(2025, 4, 20), "information_disclosed"),
                                   (("personal_references", None), date(2025, 5, 2), "concern"),
                                   (("ofsted", "Tom"), date(2025, 3, 10), "not_required")):
        checks.receive_check(found[key], received, outcome, actor=worker)


def _fast_track(db_session, officer, authority):
    """A second-time adopter: early permanence enquiry first, then a fast-track adoption through to a match."""
    household = _enquiry(db_session, officer, date(2024, 11, 4), ["early_permanence"], first_name="Priya",
                         last_name="Shah", partner_authority_id=authority.id).household
    # The adoption enquiry is a contact of its own (SPEC section 2: a second service line's first enquiry).
    _enquiry(db_session, officer, date(2024, 11, 18), ["adoption"], first_name="Priya", last_name="Shah",
             household=household)
    (adoption,) = [a for a in household.applications if a.service_line_code == "adoption"]
    adoption.fast_track = True
    for stage, day in ((Stage.INITIAL_VISIT, date(2024, 12, 2)), (Stage.REGISTRATION_OF_INTEREST, date(2024, 12, 16)),
                       (Stage.STAGE_2, date(2025, 1, 6)), (Stage.PANEL, date(2025, 5, 12))):
        funnel.advance(adoption, stage, day, actor=officer)
    funnel.defer_at_panel(adoption, date(2025, 5, 12), "Medical report awaited", actor=officer)
    funnel.advance(adoption, Stage.APPROVED, date(2025, 6, 23), actor=officer)
    funnel.record_found_family(adoption, date(2025, 9, 1), actor=officer)
    return household


def _kinship(db_session, officer):
    """Connected persons opened straight at assessment, extended and withdrawn; an adoption enquiry that jumps ahead."""
    household = _enquiry(db_session, officer, date(2025, 4, 1), ["adoption"], first_name="Jo",
                         last_name="Reid").household
    # The call about the kinship placement (a contact of its own), and the assessment opened that day.
    _enquiry(db_session, officer, date(2025, 4, 2), ["adoption"], first_name="Jo", last_name="Reid",
             household=household)
    connected = funnel.open_application(household, "fostering_connected", date(2025, 4, 2), actor=officer,
                                        stage=Stage.STAGE_2)
    funnel.extend_timescale(connected, date(2025, 6, 2), 28, "Medical report delayed", actor=officer)
    funnel.withdraw(connected, date(2025, 7, 1), "service", "Not suitable", actor=officer)
    (adoption,) = [a for a in household.applications if a.service_line_code == "adoption"]
    funnel.advance(adoption, Stage.INITIAL_VISIT, date(2025, 4, 2), actor=officer)
    return household
