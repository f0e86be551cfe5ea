"""Done when (issue 16): the retention job over a generated multi-year history leaves every report for every past
period unchanged, and no personal value of an anonymised household anywhere in the database."""
from __future__ import annotations

import json
import re
import secrets
from datetime import date, timedelta

from sqlalchemy import JSON, String, Text, select

from crm import clock
from crm.checks.models import CheckChase, CheckInstance
from crm.db import Base
from crm.demo.services import load_demo
from crm.documents.models import Document, DocumentKind, ScanStatus
from crm.enquiries.models import EnquiryContact
from crm.events.models import Consultation, ConsultationMethod
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.households.models import Application, Household, Person, RecordChange
from crm.references.models import Reference, Referee, RefereeKind
from crm.reports import registry
from crm.reports.base import ReportParams
from crm.reports.marketing.report import MarketingParams
from crm.reports.render import exports
from jobs.retention import retention_nightly

BUILT = date(2024, 3, 1)  # the demo's present: its histories run back over two years before it
RUN = date(2027, 6, 1)  # the night of the job: most closed records are past their periods by then
YEARS = range(2020, 2027)  # every financial year from 2020-21 to 2026-27
SPLITS = (None, "quarter", "channel")
# Tables of configuration and staff: a value there (an authority named after a town) is not about a household.
REFERENCE_TABLES = {"partner_authorities", "users", "teams", "channels", "campaigns", "campaign_channels",
                    "check_types", "withdrawal_reasons", "information_events", "service_lines", "retention_rules",
                    "channel_rules", "report_targets", "api_tokens", "alembic_version"}


def every_report() -> dict[tuple, str]:
    """Each report of the registry for each financial year and split, as its JSON export (or a split's refusal)."""
    found = {}
    for name in registry.COMMAND_LINE_NAMES:
        reading = MarketingParams if name in registry.MARKETING else ReportParams
        for year in YEARS:
            start = clock.financial_year_starting(year)
            end = start.replace(year=year + 1) - timedelta(days=1)
            for by in SPLITS:
                args = {"date_from": start.isoformat(), "date_to": end.isoformat(), "at": end.isoformat(),
                        **({"by": by} if by else {})}
                try:
                    found[name, year, by] = exports.render(registry.compute(name, reading.from_args(args, RUN)),
                                                           "json").decode()
                except ValueError as error:  # a split the report cannot make
                    found[name, year, by] = str(error)
    return found


def add_free_text() -> None:
    """Personal free text the demo does not write: notes naming the applicant, a chase, a consultation, a correction,
    an uploaded document's filename."""
    for household in db.session.scalars(select(Household)):
        name = household.people[0].full_name
        for contact in db.session.scalars(select(EnquiryContact).where(EnquiryContact.household_id == household.id)):
            contact.notes = f"Spoke to {name} at {household.postcode} about {household.reference}"
        db.session.add(Consultation(household_id=household.id, method=ConsultationMethod.PHONE,
                                    held_on=household.first_enquiry_on, notes=f"{name} asked about fostering"))
        db.session.add(RecordChange(household_id=household.id, action="contact_details",
                                    changes={"email": [f"old.{household.email}", household.email]}))
        db.session.add(Document(household_id=household.id, kind=DocumentKind.IDENTITY,
                                original_filename=f"{name} passport.pdf", stored_name=secrets.token_urlsafe(32),
                                content_type="application/pdf", size_bytes=1, sha256="0" * 64,
                                scan_status=ScanStatus.NOT_SCANNED))
    for check in db.session.scalars(select(CheckInstance).limit(60)):
        db.session.add(CheckChase(check_id=check.id, chased_on=check.requested_on or BUILT,
                                  note=f"Rang {check.application.household.people[0].full_name}"))
        add_reference(check)
    db.session.flush()


def add_reference(check: CheckInstance) -> None:
    """A referee (named and reached by a made-up name and address of their own) and the reference they wrote."""
    name = check.application.household.people[0].full_name
    referee = Referee(application_id=check.application_id, check_id=check.id, kind=RefereeKind.PERSONAL,
                      name=f"Refereeperson{check.id} Witness", email=f"referee{check.id}@referee.example",
                      phone=f"07700 9{check.id:05d}", relationship_to_applicant=f"Neighbour{check.id} of {name}")
    referee.reference = Reference(years_known=4, how_known=f"Next door to {name}", with_children=f"{name} is kind",
                                  home=f"{name}'s home is tidy", relationships=f"{name} is close to family",
                                  has_concerns=True, concerns=f"Worried about {name}", willing_to_be_contacted=True,
                                  declaration=True)
    db.session.add(referee)


def personal_values() -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Every household's personal values: ({id: single names, searched as whole cells}, {id: full names, contact
    details, address and the free text about it, searched anywhere in a cell}). A surname alone is searched whole:
    "Barnes" is rightly part of a kept household's "12 Barnes Road"."""
    names: dict[int, set[str]] = {}
    values: dict[int, set[str]] = {}
    for household in db.session.scalars(select(Household)):
        found = values.setdefault(household.id, set())
        found |= {household.email, household.phone, household.phone_normalised, household.address_line_1,
                  household.address_line_2, household.town, household.postcode}
        found |= {person.full_name for person in household.people}
        names[household.id] = {name for person in household.people for name in (person.first_name, person.last_name)}
    texts = [select(EnquiryContact.household_id, EnquiryContact.notes),
             select(Consultation.household_id, Consultation.notes),
             select(Application.household_id, StageEvent.reason).join(StageEvent.application),
             select(Application.household_id, CheckChase.note).join(CheckChase.check).join(CheckInstance.application),
             *[select(Application.household_id, column).join(Referee.application)
               for column in (Referee.name, Referee.email, Referee.phone, Referee.relationship_to_applicant)],
             *[select(Application.household_id, column).join(Reference.referee).join(Referee.application)
               for column in (Reference.how_known, Reference.with_children, Reference.home, Reference.relationships,
                              Reference.concerns)],
             select(Document.household_id, Document.original_filename)]
    for query in texts:
        for household_id, text in db.session.execute(query):
            values[household_id].add(text)
    return names, {hid: {value for value in found if value} for hid, found in values.items()}


def text_cells() -> list[tuple[str, str]]:
    """(table, text) of every text or JSON cell of every table about households (not configuration)."""
    cells = []
    for table in Base.metadata.sorted_tables:
        if table.name in REFERENCE_TABLES:
            continue
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        for column in columns:
            for value in db.session.scalars(select(column).where(column.is_not(None))):
                cells.append((table.name, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return cells


def test_the_job_keeps_every_report_and_leaves_no_personal_value(app_context, travel):
    travel(BUILT)
    load_demo(seed=16, households=150, today=BUILT)
    add_free_text()
    travel(RUN)
    before_names, before_values = personal_values()
    before = every_report()
    computed = [text for text in before.values() if text.startswith("{")]
    assert len(computed) >= len(registry.COMMAND_LINE_NAMES) * len(YEARS)  # figures, not only refused splits
    busy = [year for year in YEARS if re.search(r'"enquiry_contacts": [1-9]', before["activity", year, None])]
    assert {2021, 2022, 2023} <= set(busy) and not {2024, 2025, 2026} & set(busy)  # the history's years only

    counts = retention_nightly(RUN)
    print(f"retention over the demo history: {counts}, {len(before)} reports compared")

    assert every_report() == before
    anonymised = set(db.session.scalars(select(Household.id).where(Household.anonymised_at.is_not(None))))
    kept = set(before_values) - anonymised
    assert counts["anonymised"] == len(anonymised) and counts["enquiry_no_roi"] > 10 \
        and counts["withdrawn_or_not_approved"] > 0 and len(kept) > 20
    # A value also held about a kept household (a shared surname, a demo note) is rightly still there.
    shared = set().union(*(before_values[hid] | before_names[hid] for hid in kept))
    forbidden = set().union(*(before_values[hid] for hid in anonymised)) - shared
    forbidden_names = set().union(*(before_names[hid] for hid in anonymised)) - shared
    assert len(forbidden) > 5 * len(anonymised) and len(forbidden_names) > len(anonymised)
    cells = text_cells()
    assert [(table, cell) for table, cell in cells if cell in forbidden_names] == []
    assert [(table, value) for table, cell in cells for value in forbidden if value in cell] == []
    births = db.session.scalars(select(Person.date_of_birth).where(Person.household_id.in_(anonymised),
                                                                   Person.date_of_birth.is_not(None))).all()
    assert births and all((born.month, born.day) == (1, 1) for born in births)
    assert retention_nightly(RUN)["anonymised"] == 0
