"""The import benchmark's generator at a tiny scale: its files import cleanly, and the households written in bulk
are whole (people, first contacts, normalised phones, opening events)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bench.imports import write_files
from crm.enquiries.models import EnquiryContact
from crm.funnel.models import StageEvent
from crm.households.models import Application, Household, PartnerAuthority, Person
from crm.transfer import services


def test_the_generated_files_import_with_warnings_and_whole_households(app_context, db_session, tmp_path, travel):
    travel(date(2026, 11, 30))
    households_file, milestones_file = write_files(tmp_path, 300, seed=5)
    with households_file.open("rb") as stream:
        households = services.import_file("households", households_file.name, stream, actor=None,
                                          add_authorities=True)
    assert households.ok and households.rows_read == 300, households.lines()[:5]
    with milestones_file.open("rb") as stream:
        milestones = services.import_file("milestones", milestones_file.name, stream, actor=None)
    assert milestones.ok and milestones.rows_read == 300, milestones.lines()[:5]
    assert milestones.gaps  # the histories that leave steps unrecorded
    assert db_session.scalar(select(func.count()).select_from(PartnerAuthority)) == 20
    made = households.counts()["households"]["created"]
    assert db_session.scalar(select(func.count()).select_from(Household)) == made
    assert db_session.scalar(select(func.count()).select_from(Application)) == 300
    # One contact per household and first-enquiry day (a second service line enquired about on another day is a
    # contact of its own, SPEC section 2), and the milestones' further contacts.
    first_days = (select(Application.household_id, StageEvent.occurred_on).join(StageEvent.application)
                  .where(StageEvent.kind == "enquiry", StageEvent.recorded_at.is_not(None)).distinct().subquery())
    households_contacts = db_session.scalar(select(func.count()).select_from(first_days))
    assert households_contacts >= made
    assert db_session.scalar(select(func.count()).select_from(EnquiryContact)) == households_contacts + \
        milestones.counts()["contacts"]["created"]
    assert db_session.scalar(select(func.count()).where(Household.phone.is_not(None),
                                                         Household.phone_normalised.is_(None))) == 0
    assert db_session.scalar(select(func.count()).select_from(Person)) >= made
    opening = select(func.count()).where(StageEvent.kind == "enquiry", StageEvent.recorded_at.is_not(None))
    assert db_session.scalar(opening) == 300  # one opening event per application
