"""Partner authorities: listed, added, renamed, deactivated (kept on old records, not offered for new ones) and
deleted only when unused, from the pages and `crm authorities ...`; every change audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.households.models import PartnerAuthority
from tests.factories import HouseholdFactory, PartnerAuthorityFactory, UserFactory
from tests.helpers import count, post


@pytest.fixture
def admin(auth, db_session):
    user = UserFactory(roles=[Role.ADMINISTRATOR])
    auth.login(user)
    return user


def audited(db_session) -> list[tuple[str, dict]]:
    return [(e.action, e.detail) for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "partner_authority").order_by(AuditEvent.id))]


def test_add_rename_deactivate_reactivate(client, admin, db_session):
    assert post(client, "/admin/partner-authorities", None, {"name": " Leeds  City Council "}).status_code == 302
    authority = db_session.scalar(select(PartnerAuthority))
    assert authority.name == "Leeds City Council" and authority.active
    page = f"/admin/partner-authorities/{authority.id}"
    assert post(client, page, None, {"name": "Leeds Council"}).status_code == 302
    assert post(client, page, f"{page}/deactivate", {}).status_code == 302
    db_session.expire_all()
    assert not authority.active
    html = client.get("/admin/partner-authorities").get_data(as_text=True)
    assert "Leeds Council" in html and "Deactivated" in html
    assert post(client, page, f"{page}/reactivate", {}).status_code == 302
    assert [action for action, _ in audited(db_session)] == [
        "partner_authority_created", "partner_authority_renamed", "partner_authority_deactivated",
        "partner_authority_reactivated"]


@pytest.mark.parametrize("name, message", [
    ("", "Enter a name"), ("york council", "is already a partner authority"),
    ("x" * 121, "120 characters or fewer")])
def test_bad_names_are_answered_beside_the_field(client, admin, db_session, name, message):
    PartnerAuthorityFactory(name="York Council")
    response = post(client, "/admin/partner-authorities", None, {"name": name})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html and 'id="name-error"' in html
    assert message in html.replace("&#34;", '"')
    assert count(db_session, PartnerAuthority) == 1


def test_rename_to_a_taken_name_is_refused(client, admin, db_session):
    PartnerAuthorityFactory(name="York Council")
    other = PartnerAuthorityFactory(name="Hull Council")
    page = f"/admin/partner-authorities/{other.id}"
    response = post(client, page, None, {"name": "YORK council"})
    assert response.status_code == 400 and "already a partner authority" in response.get_data(as_text=True)
    assert post(client, page, None, {"name": "HULL Council"}).status_code == 302  # its own name, recapitalised
    db_session.expire_all()
    assert other.name == "HULL Council"


def test_only_an_unused_authority_can_be_deleted(client, admin, db_session):
    used, unused = PartnerAuthorityFactory(name="Used Council"), PartnerAuthorityFactory(name="Spare Council")
    HouseholdFactory(partner_authority=used)
    page = f"/admin/partner-authorities/{used.id}"
    response = post(client, page, f"{page}/delete", {})
    assert "Used Council cannot be deleted" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(db_session, PartnerAuthority) == 2
    page = f"/admin/partner-authorities/{unused.id}"
    assert post(client, page, f"{page}/delete", {}).status_code == 302
    assert count(db_session, PartnerAuthority) == 1
    assert audited(db_session) == [("partner_authority_deleted", {"name": "Spare Council"})]


def test_a_deactivated_authority_is_not_offered_for_a_new_enquiry_or_event(client, auth, db_session):
    PartnerAuthorityFactory(name="Open Council")
    PartnerAuthorityFactory(name="Closed Council", active=False)
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER, Role.MANAGER]))
    for url in ("/enquiries/new", "/events/new"):
        html = client.get(url).get_data(as_text=True)
        assert "Open Council" in html and "Closed Council" not in html, url


def test_cli_deactivate_reactivate_and_list(runner, db_session):
    PartnerAuthorityFactory(name="York Council")
    result = runner.invoke(args=["authorities", "deactivate", "YORK council"])
    assert result.exit_code == 0 and result.output == "Deactivated York Council.\n"
    assert runner.invoke(args=["authorities", "list"]).output == "York Council (deactivated)\n"
    result = runner.invoke(args=["authorities", "deactivate", "York Council"])
    assert result.exit_code == 1 and "already deactivated" in result.output
    assert runner.invoke(args=["authorities", "reactivate", "York Council"]).exit_code == 0
    result = runner.invoke(args=["authorities", "deactivate", "Nowhere"])
    assert result.exit_code == 1 and 'no partner authority called "Nowhere"' in result.output
