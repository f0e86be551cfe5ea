"""Export, import into an empty database, export again: the same files. Importing a file again changes nothing."""
from __future__ import annotations

import csv
import io

import pytest
from flask import g
from openpyxl import load_workbook
from sqlalchemy import select

from crm.enquiries.models import EnquiryContact
from crm.extensions import Database, db
from crm.funnel.reasons import services as reasons
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Household
from crm.transfer import services
from tests.transfer.conftest import HOUSEHOLD_HEADER, build_history, csv_bytes, dump, household_row, run_import

# milestones: the events, the couple's repeat contact, and the two later first enquiries about a second service line
EXPECTED_ROWS = {"households": 6, "milestones": 23, "checks": 12}


def cells(data: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return [list(row) for row in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].values]


def exported(app, db_session, fmt: str) -> dict[str, bytes]:
    with app.app_context():
        g.hearth_session = db_session
        build_history(db_session)
        return {kind: services.export(kind, fmt, actor=None)[0] for kind in services.KINDS}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_into_an_empty_database(app, db_session, authorities, empty_app, tmp_path, fmt):
    first = exported(app, db_session, fmt)
    assert {kind: len(cells(data, fmt)) - 1 for kind, data in first.items()} == EXPECTED_ROWS
    runner = empty_app.test_cli_runner()
    outputs = {}
    for kind in services.KINDS:
        (tmp_path / f"in-{kind}.{fmt}").write_bytes(first[kind])
        result = runner.invoke(args=["import", kind, str(tmp_path / f"in-{kind}.{fmt}")])
        assert result.exit_code == 0, result.output
        outputs[kind] = result.stdout
    assert "households: 3 created, 0 updated, 0 unchanged" in outputs["households"]
    assert "applications: 6 created" in outputs["households"]
    assert "events: 20 created" in outputs["milestones"] and "contacts: 1 created" in outputs["milestones"]
    assert "checks: 12 created, 0 updated, 0 unchanged" in outputs["checks"]
    for kind in services.KINDS:
        out = tmp_path / f"out-{kind}.{fmt}"
        assert runner.invoke(args=["export", kind, "--format", fmt, "--output", str(out)]).exit_code == 0
        assert cells(out.read_bytes(), fmt) == cells(first[kind], fmt)


def test_importing_the_same_files_again_changes_nothing(app, db_session, authorities, empty_app, tmp_path):
    files = exported(app, db_session, "csv")
    runner = empty_app.test_cli_runner()
    for kind in services.KINDS:
        (tmp_path / f"{kind}.csv").write_bytes(files[kind])
        assert runner.invoke(args=["import", kind, str(tmp_path / f"{kind}.csv")]).exit_code == 0
    engine = Database.state(empty_app).engine
    with engine.connect() as connection:
        before = dump(connection)
    again = {kind: runner.invoke(args=["import", kind, str(tmp_path / f"{kind}.csv")]) for kind in services.KINDS}
    with engine.connect() as connection:
        assert dump(connection) == before
    assert "households: 0 created, 0 updated, 3 unchanged" in again["households"].stdout
    assert "applications: 0 created, 0 updated, 6 unchanged" in again["households"].stdout
    assert "events: 0 created, 0 updated, 20 unchanged" in again["milestones"].stdout
    assert "contacts: 0 created, 0 updated, 3 unchanged" in again["milestones"].stdout
    assert "checks: 0 created, 0 updated, 12 unchanged" in again["checks"].stdout


def test_the_imported_data_is_the_history_that_was_exported(app, db_session, authorities, empty_app, tmp_path):
    files = exported(app, db_session, "xlsx")
    for kind in services.KINDS:
        (tmp_path / f"{kind}.xlsx").write_bytes(files[kind])
        assert empty_app.test_cli_runner().invoke(args=["import", kind, str(tmp_path / f"{kind}.xlsx")]).exit_code == 0
    with empty_app.app_context():
        couple = db.session.scalar(select(Household).join(Household.people).where(Household.email == "amira@example.org"))
        adoption, fostering = sorted(couple.applications, key=lambda a: a.service_line_code)
        assert (adoption.stage, adoption.status) == (Stage.STAGE_2, Status.ACTIVE)
        left = fostering.events[-1]
        assert (fostering.status, left.party.value, reasons.names()[left.withdrawal_reason_id], left.reason) == (
            Status.WITHDRAWN, "applicant", "Chose another agency", None)
        assert [p.full_name for p in couple.applicants] == ["Amira Okafor", "Tom Okafor"]
        assert [p.ethnicity for p in couple.applicants] == ["Black African", "White British"]
        assert couple.phone == "+44 7700 900123" and couple.partner_authority.name == "Leeds City Council"
        contacts = db.session.scalars(select(EnquiryContact).where(EnquiryContact.household_id == couple.id)
                                      .order_by(EnquiryContact.received_at)).all()
        assert contacts[0].campaign == '=HYPERLINK("http://evil.example")'  # the export's quote taken off again
        assert (contacts[1].method.value, contacts[1].notes) == ("email", "Asked about: support groups")
        matched = [a for h in db.session.scalars(select(Household)) for a in h.applications if a.fast_track]
        assert [e.kind for e in matched[0].events][-3:] == [EventKind.PANEL_DEFERRED, EventKind.APPROVED,
                                                             EventKind.MATCHED]


def test_a_corrected_value_updates_the_household(app_context, db_session, authorities):
    row = ["R1", "adoption", "Leeds City Council", "2025-01-06", "radio", "", "1", "", "Single", "no"]
    header = ["household_ref", "service_line", "partner_authority", "first_enquiry_date", "channel", "campaign",
              "applicant_count", "ethnicity", "relationship_status", "fast_track"]
    assert run_import("households", csv_bytes([header, row])).ok
    corrected = run_import("households", csv_bytes([header, [*row[:2], "Bradford Council", *row[3:]]]))
    assert corrected.ok and corrected.counts()["households"] == {"created": 0, "updated": 1, "unchanged": 0}
    household = db_session.scalar(select(Household).where(Household.reference == "R1"))
    assert household.partner_authority.name == "Bradford Council"
    assert [p.full_name for p in household.people] == ["Applicant 1 R1"]


def test_an_imported_channel_is_kept_from_then_on_over_a_utm_rule(app_context, db_session, authorities):
    """A channel that a UTM rule set is the rule's until a person names one: the tracker's channel then stays, and
    the nightly matching no longer overwrites it."""
    assert run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row(channel="radio")])).ok
    contact = db_session.scalar(select(EnquiryContact).join(Household).where(Household.reference == "R1"))
    contact.channel_from_rule = True  # as if the rules had set it
    db_session.flush()
    again = run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row(channel="radio")]))
    assert again.ok and again.counts()["households"]["updated"] == 1
    assert contact.channel_from_rule is False and contact.channel.name == "radio"
