"""The import page after a dry run: "Import these rows" without a second upload, and adding unknown partner
authorities; the held file is the uploader's alone, for an hour, and gone once imported."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.clock import LONDON
from crm.households.models import Household, PartnerAuthority
from crm.transfer import pending
from crm.transfer.models import PendingImport
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row

START = datetime(2026, 1, 12, 9, 0, tzinfo=LONDON)
CLEAN = csv_bytes([HOUSEHOLD_HEADER, household_row("R1"), household_row("R2")])
UNKNOWN = csv_bytes([HOUSEHOLD_HEADER, household_row("R1", authority="York Council"),
                     household_row("R2", authority="york council"), household_row("R3", authority="Hull Council"),
                     household_row("R4")])
HELD_ID = re.compile(r'name="upload_id" type="hidden" value="([^"]+)"|type="hidden" name="upload_id" value="([^"]+)"'
                     r'|name="upload_id" value="([^"]+)"')


@pytest.fixture
def manager(auth, db_session, travel):
    travel(START)
    user = UserFactory(roles=[Role.MANAGER])
    auth.login(user)
    return user


def upload(client, content: bytes, kind: str = "households", dry_run: bool = True):
    page = client.get("/imports")
    data = {"kind": kind, "csrf_token": csrf_token(page.get_data(as_text=True)),
            "upload": (io.BytesIO(content), "tracker.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/imports", data=data, content_type="multipart/form-data")


def held_id(html: str) -> str:
    match = HELD_ID.search(html)
    assert match, "no held file offered"
    return next(group for group in match.groups() if group)


def confirm(client, upload_id: str, add_authorities: bool = False):
    page = client.get("/imports")
    data = {"upload_id": upload_id, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if add_authorities:
        data["add_authorities"] = "y"
    return client.post("/imports/confirm", data=data)


def test_a_clean_dry_run_is_imported_without_choosing_the_file_again(client, manager, db_session, authorities):
    dry = upload(client, CLEAN)
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "This was a dry run: nothing was stored." in html and "Import these rows" in html
    assert count(db_session, Household) == 0 and count(db_session, PendingImport) == 1
    done = confirm(client, held_id(html))
    assert done.status_code == 200 and "The file was imported." in done.get_data(as_text=True)
    assert "Import these rows" not in done.get_data(as_text=True)
    assert sorted(db_session.scalars(select(Household.reference))) == ["R1", "R2"]
    assert count(db_session, PendingImport) == 0  # deleted once imported
    again = confirm(client, held_id(html))
    assert again.status_code == 400 and pending.GONE in again.get_data(as_text=True)
    assert count(db_session, Household) == 2
    applied = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "import_applied")).all()
    assert [a.actor_id for a in applied] == [manager.id]


def test_a_dry_run_with_problems_or_an_import_holds_nothing(client, manager, db_session, authorities):
    refused = upload(client, csv_bytes([HOUSEHOLD_HEADER, household_row("R1", first="not a date")]))
    assert refused.status_code == 400 and "Import these rows" not in refused.get_data(as_text=True)
    imported = upload(client, CLEAN, dry_run=False)
    assert imported.status_code == 200 and "Import these rows" not in imported.get_data(as_text=True)
    assert count(db_session, PendingImport) == 0


def test_another_user_cannot_use_the_id(client, auth, manager, db_session, authorities):
    upload_id = held_id(upload(client, CLEAN).get_data(as_text=True))
    auth.logout()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = confirm(client, upload_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and pending.GONE in html and "govuk-error-summary" in html
    assert count(db_session, Household) == 0 and count(db_session, PendingImport) == 1  # still the uploader's


def test_an_expired_file_is_refused_clearly_and_cleared(client, manager, db_session, authorities, travel):
    upload_id = held_id(upload(client, CLEAN).get_data(as_text=True))
    for minutes in (25, 50):  # the session stays alive; the held file is kept for an hour
        travel(START + timedelta(minutes=minutes))
        client.get("/imports")
    travel(START + timedelta(minutes=61))
    response = confirm(client, upload_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and pending.EXPIRED in html and "<title>Error: " in html
    assert count(db_session, Household) == 0 and count(db_session, PendingImport) == 0


def test_a_made_up_id_is_refused(client, manager, db_session):
    response = confirm(client, "x" * 300)
    assert response.status_code == 400 and pending.GONE in response.get_data(as_text=True)


def test_unknown_authorities_are_listed_once_and_added_with_the_import_on_request(client, manager, db_session,
                                                                                 authorities):
    dry = upload(client, UNKNOWN)
    html = dry.get_data(as_text=True)
    assert dry.status_code == 400 and "<title>Error: " in html
    assert "partner_authority: Hearth does not hold York Council (named in 2 rows)" in html
    assert "partner_authority: Hearth does not hold Hull Council (named in 1 row)" in html
    assert html.count("Hull Council") == 2  # the summary and the table: not one error per row
    assert "Add these partner authorities and import" in html
    assert count(db_session, PartnerAuthority) == 2
    done = confirm(client, held_id(html), add_authorities=True)
    assert done.status_code == 200 and "The file was imported." in done.get_data(as_text=True)
    names = sorted(db_session.scalars(select(PartnerAuthority.name)))
    assert names == ["Bradford Council", "Hull Council", "Leeds City Council", "York Council"]
    assert count(db_session, Household) == 4 and count(db_session, PendingImport) == 0
    added = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "partner_authority_created")).all()
    assert {a.actor_id for a in added} == {manager.id} and len(added) == 2


def test_without_asking_to_add_them_the_held_file_is_still_refused(client, manager, db_session, authorities):
    upload_id = held_id(upload(client, UNKNOWN, dry_run=False).get_data(as_text=True))
    response = confirm(client, upload_id)
    assert response.status_code == 400 and "Add these partner authorities and import" in response.get_data(as_text=True)
    assert count(db_session, Household) == 0 and count(db_session, PartnerAuthority) == 2


def test_no_add_button_when_the_file_has_other_problems(client, manager, db_session, authorities):
    content = csv_bytes([HOUSEHOLD_HEADER, household_row("R1", authority="York Council"),
                         household_row("R2", first="not a date")])
    html = upload(client, content).get_data(as_text=True)
    assert "Hearth does not hold York Council" in html and "Add these partner authorities and import" not in html
    assert count(db_session, PendingImport) == 0


def test_gaps_are_shown_after_the_dry_run_and_after_the_import(client, manager, db_session, authorities):
    assert upload(client, CLEAN, dry_run=False).status_code == 200
    milestones = csv_bytes([MILESTONE_HEADER, ["R1", "adoption", "stage_2", "2025-03-03", ""],
                            ["R1", "adoption", "approved", "2025-08-04", ""]])
    dry = upload(client, milestones, kind="milestones").get_data(as_text=True)
    expected = ("Stages not recorded: initial visit, registration of interest, stage 1, stage 1 completed, panel")
    assert expected in dry and "1 application with stages not recorded" in dry
    done = confirm(client, held_id(dry)).get_data(as_text=True)
    assert expected in done and "The file was imported." in done
