"""Import runs: batches committed one by one and undone when the file fails (all or nothing), background runs from
the page claimed by exactly one worker and followed with a progress bar, crashed runs found and undone."""
from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.extensions import Database, db
from crm.households.models import Application, Household, Person
from crm.enquiries.models import EnquiryContact
from crm.funnel.models import StageEvent
from crm.transfer import households, runs
from crm.transfer.models import ImportRun, ImportRunStatus, ImportUndoStep, PendingImport
from tests.factories import UserFactory
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row
from tests.transfer.test_held_uploads import confirm, held_id, manager, upload  # noqa: F401 (fixture)

FIVE = csv_bytes([HOUSEHOLD_HEADER, *(household_row(f"R{n}") for n in range(1, 6))])
RUN_URL = re.compile(r"/imports/runs/(\d+)$")


@pytest.fixture
def background(app):
    """Every upload from the page goes to the background."""
    before = app.config["IMPORT_BACKGROUND_BYTES"]
    app.config["IMPORT_BACKGROUND_BYTES"] = 0
    yield
    app.config["IMPORT_BACKGROUND_BYTES"] = before


def run_id_of(response) -> int:
    assert response.status_code == 303, response.status_code
    return int(RUN_URL.search(response.headers["Location"]).group(1))


def test_a_large_upload_runs_in_the_background_and_the_page_follows_it(client, manager, db_session, authorities,
                                                                       background, app_context):
    run_id = run_id_of(upload(client, FIVE, dry_run=False))
    assert count(db_session, Household) == 0
    waiting = client.get(f"/imports/runs/{run_id}")
    html = waiting.get_data(as_text=True)
    assert waiting.status_code == 200 and "Waiting to start." in html and "<progress" in html
    assert "/assets/js/import-progress.js" in html and "http-equiv" not in html  # no meta refresh
    assert client.get(f"/imports/runs/{run_id}/progress").get_json() == {
        "status": "queued", "finished": False, "rows_done": 0, "rows_total": 0, "percent": 0,
        "url": f"/imports/runs/{run_id}"}
    assert runs.work() == 1
    assert runs.work() == 0  # claimed once: nothing left
    progress = client.get(f"/imports/runs/{run_id}/progress").get_json()
    assert progress["status"] == "done" and progress["finished"] is True and progress["rows_done"] == 5
    done = client.get(f"/imports/runs/{run_id}")
    assert done.status_code == 200 and "The file was imported." in done.get_data(as_text=True)
    assert sorted(db_session.scalars(select(Household.reference))) == ["R1", "R2", "R3", "R4", "R5"]
    assert count(db_session, PendingImport) == 0 and count(db_session, ImportUndoStep) == 0
    assert db_session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "import_applied"))["rows"] == 5


def test_a_background_dry_run_offers_import_these_rows(client, manager, db_session, authorities, background,
                                                      app_context):
    run_id = run_id_of(upload(client, FIVE))
    runs.work()
    html = client.get(f"/imports/runs/{run_id}").get_data(as_text=True)
    assert "This was a dry run: nothing was stored." in html and "Import these rows" in html
    assert count(db_session, Household) == 0
    second = run_id_of(confirm(client, held_id(html)))
    runs.work()
    assert "The file was imported." in client.get(f"/imports/runs/{second}").get_data(as_text=True)
    assert count(db_session, Household) == 5 and count(db_session, PendingImport) == 0


def test_a_run_is_its_uploaders_alone(client, auth, manager, db_session, authorities, background):
    run_id = run_id_of(upload(client, FIVE))
    auth.logout()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert client.get(f"/imports/runs/{run_id}").status_code == 404
    assert client.get(f"/imports/runs/{run_id}/progress").status_code == 404
    auth.logout()
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    assert client.get(f"/imports/runs/{run_id}/progress").status_code == 403


def test_a_failure_midway_leaves_nothing_after_batches_were_committed(app_context, db_session, authorities,
                                                                       monkeypatch):
    monkeypatch.setattr(households, "FLUSH_EVERY", 2)
    applied = households.HouseholdImport._apply

    def failing(self, group, household, contact):
        if group[0].ref == "R5":
            assert count(db_session, Household) == 4  # two batches committed, visible
            raise RuntimeError("the disk is full")
        applied(self, group, household, contact)

    monkeypatch.setattr(households.HouseholdImport, "_apply", failing)
    run_id = runs.start("households", "tracker.csv", user=None, dry_run=False)
    with pytest.raises(RuntimeError):
        runs.run_import(run_id, _stream(FIVE), actor=None)
    for model in (Household, Person, EnquiryContact, Application, StageEvent, ImportUndoStep):
        assert count(db_session, model) == 0, model
    run = db_session.get(ImportRun, run_id)
    assert run.status is ImportRunStatus.FAILED and run.result["errors"][0][2] == runs.FAILED


def test_a_problem_found_after_batches_were_committed_undoes_them(app_context, db_session, authorities, monkeypatch):
    run_id = runs.start("households", "tracker.csv", user=None, dry_run=False)
    assert runs.run_import(run_id, _stream(FIVE), actor=None).applied
    monkeypatch.setattr(households, "FLUSH_EVERY", 2)
    # R6 and R7 are new; R3 says its application opened on another day, which is found only when its group is applied.
    changed = csv_bytes([HOUSEHOLD_HEADER, household_row("R6"), household_row("R7", status="Married"),
                         household_row("R1", status="Married"), household_row("R3", first="2025-02-01")])
    second = runs.start("households", "tracker.csv", user=None, dry_run=False)
    report = runs.run_import(second, _stream(changed), actor=None)
    assert [(p.row, p.column) for p in report.errors] == [(5, "first_enquiry_date")]
    assert sorted(db_session.scalars(select(Household.reference))) == ["R1", "R2", "R3", "R4", "R5"]
    assert db_session.scalar(select(Household.relationship_status).where(Household.reference == "R1")) == "Single"
    assert count(db_session, ImportUndoStep) == 0


def test_a_dry_run_writes_nothing_and_holds_no_transaction(app_context, db_session, authorities):
    run_id = runs.start("households", "tracker.csv", user=None, dry_run=True)
    report = runs.run_import(run_id, _stream(FIVE), actor=None)
    assert report.ok and report.counts()["households"]["created"] == 5
    assert count(db_session, Household) == 0 and count(db_session, ImportUndoStep) == 0


def test_a_crashed_run_is_found_and_undone(app_context, db_session, authorities, travel):
    travel(clock.now())
    run_id = runs.start("households", "tracker.csv", user=None, dry_run=False)
    report = households.ImportReport(kind="households", filename="tracker.csv")
    batches = runs.Batches(report, write=True, run_id=run_id)
    batches.insert(Household.__table__, [{"reference": "HALF", "first_enquiry_on": clock.today(),
                                          "created_at": clock.now(), "updated_at": clock.now()}])
    batches.commit()  # then the worker dies
    assert runs.recover_crashed() == []  # its heartbeat is fresh
    travel(clock.now() + runs.STALE + timedelta(minutes=1))
    assert runs.recover_crashed() == [run_id]
    assert count(db_session, Household) == 0 and count(db_session, ImportUndoStep) == 0
    run = db_session.get(ImportRun, run_id)
    db_session.refresh(run)
    assert run.status is ImportRunStatus.FAILED and run.result["errors"][0][2] == runs.CRASHED
    assert runs.recover_crashed() == []


def test_two_workers_racing_claim_a_run_once(empty_app):
    """Two sessions on two connections, started together: one claims the run, the other finds nothing."""
    engine = Database.state(empty_app).engine
    with empty_app.app_context():
        run_id = runs.start("households", "tracker.csv", user=None, dry_run=True, queued=True)
    barrier, claimed = threading.Barrier(2), []

    def worker(name: str) -> None:
        with empty_app.app_context(), Session(engine) as session:
            barrier.wait()
            claimed.append(runs.claim(name, session=session))

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(claimed, key=str) == sorted([run_id, None], key=str)
    with empty_app.app_context():
        run = db.session.get(ImportRun, run_id)
        assert run.status is ImportRunStatus.RUNNING and run.claimed_by in {"one", "two"}
        db.session.execute(update(ImportRun).values(status=ImportRunStatus.DONE))
        db.session.commit()


def _stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)


def test_new_households_are_built_as_plain_rows_with_what_the_model_would_derive(app_context, db_session, authorities):
    """New households skip the ORM; the phone's normalised form (Household's validator) must still be stored."""
    header = [*HOUSEHOLD_HEADER, "phone"]
    run_id = runs.start("households", "tracker.csv", user=None, dry_run=False)
    assert runs.run_import(run_id, _stream(csv_bytes([header, [*household_row("R1"), "07700 900123"]])),
                           actor=None).applied
    assert db_session.execute(select(Household.phone, Household.phone_normalised)).one() == (
        "07700 900123", Household(phone="07700 900123").phone_normalised)


def test_the_page_of_a_run_whose_worker_died_says_so(client, manager, db_session, travel, app_context):
    run_id = runs.start("households", "tracker.csv", user=manager, dry_run=False)
    assert client.get(f"/imports/runs/{run_id}/progress").get_json()["finished"] is False
    assert "0 of 0 rows (0%)." in client.get(f"/imports/runs/{run_id}").get_data(as_text=True)
    travel(clock.now() + runs.STALE + timedelta(minutes=1))
    assert client.get(f"/imports/runs/{run_id}/progress").get_json()["finished"] is True
    page = client.get(f"/imports/runs/{run_id}")
    assert page.status_code == 200 and runs.CRASHED in page.get_data(as_text=True)
