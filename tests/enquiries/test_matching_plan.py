"""Matching a public enquiry to known households reads indexes, never a whole table (issue 17: two full scans took
265 of 290 ms of each enquiry at national scale)."""
from __future__ import annotations

from sqlalchemy import text

from crm.enquiries.models import ContactMethod
from crm.enquiries.services import EnquiryDetails, find_matches
from crm.extensions import db
from tests.factories import HouseholdFactory, PersonFactory
from tests.helpers import StatementCounter


def plans(db_session, statements) -> list[str]:
    """Each SELECT's plan as text; on PostgreSQL with sequential scans priced out, so that a scan left means no
    index could serve it (a tiny table would otherwise be scanned by choice)."""
    found = []
    if db_session.bind.dialect.name == "postgresql":
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
    for statement, parameters in statements:
        if statement.lstrip().upper().startswith("SELECT"):
            prefix = "EXPLAIN QUERY PLAN " if db_session.bind.dialect.name == "sqlite" else "EXPLAIN "
            rows = db_session.connection().exec_driver_sql(prefix + statement, parameters).all()
            found.append("\n".join(str(row[-1]) for row in rows))
    return found


def test_matching_by_email_surname_postcode_and_phone_reads_only_indexes(app_context, db_session):
    known = HouseholdFactory(email="Jo.Bloggs@Example.org", postcode="ls1 1ab", phone="0113 496 0000")
    PersonFactory(household=known, last_name="Bloggs")
    details = EnquiryDetails(first_name="Jo", last_name=" BLOGGS ", service_lines=["adoption"],
                             method=ContactMethod.WEB, email="jo.bloggs@example.ORG ", postcode="LS11AB",
                             phone="+44 113 496 0000")
    with StatementCounter(db_session.bind) as counter:
        matches = find_matches(details)
    assert [(m.household.id, m.reasons) for m in matches] == [
        (known.id, ("same email address", "same phone number", "same postcode", "same surname"))]
    found = plans(db_session, counter.executed)
    assert len(found) == 4  # households by email or surname and postcode, their people; the same by phone
    for plan in found:
        assert "Seq Scan" not in plan and "SCAN households" not in plan and "SCAN people" not in plan, plan
