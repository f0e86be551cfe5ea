"""Referees' names, contact details and what they wrote are the household's personal data: anonymised with it."""
from __future__ import annotations

from crm.checks.models import CheckOutcome
from crm.dataprotection.anonymise import ANONYMOUS, anonymise_household
from crm.references import links, services
from crm.references.services import ReferenceAnswers
from tests.references.conftest import TODAY, check_of, details, requested


def test_anonymising_the_household_clears_its_referees_and_references(app_context, db_session, application, worker):
    employer = requested(check_of(db_session, application, "employer_reference", "Ann"), worker)
    referee = services.name_referee(employer, details("Boss Person"), actor=worker)
    referee.phone = "07700 900982"
    link = links.send_link(referee, actor=worker)
    services.submit_reference(link, ReferenceAnswers(
        years_known=3, how_known="Ann works for me", with_children="Ann runs the creche", home="Ann's flat is nice",
        relationships="Ann is liked", has_concerns=True, concerns="Ann is late", willing_to_be_contacted=True,
        declaration=True))
    counts = anonymise_household(application.household, "erasure", actor=worker)
    db_session.expire_all()
    assert counts["referees"] == 1 and counts["references"] == 1
    assert (referee.name, referee.email, referee.phone, referee.relationship_to_applicant) == (ANONYMOUS, None, None,
                                                                                            None)
    given = referee.reference
    assert {given.how_known, given.with_children, given.home, given.relationships} == {ANONYMOUS}
    assert given.concerns is None and given.has_concerns is True  # the answers the check's outcome rests on stay
    assert (employer.received_on, employer.outcome) == (TODAY, CheckOutcome.CONCERN)
    assert anonymise_household(application.household, "erasure", actor=worker)["referees"] == 0
