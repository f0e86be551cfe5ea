"""The escalation jobs on the test database: the ladder day by day with --today, twice in a row, clearing
itself, and email through a real SMTP server."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, text

from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.escalations.models import EmailStatus, Escalation, EscalationKind, JobRun, JobRunStatus
from crm.funnel import services as funnel
from crm.funnel.stages import Stage, Status
from jobs import rules
from tests.factories import ApplicationFactory, HouseholdFactory
from tests.jobs.conftest import make_check, make_service


def escalations(session, kind=None) -> list[tuple]:
    query = select(Escalation.step, Escalation.recipient_id, Escalation.due_on, Escalation.resolved_at.is_not(None))
    if kind:
        query = query.where(Escalation.kind == kind)
    return sorted(session.execute(query.order_by(Escalation.id)).all())


def run_cli(runner, *args):
    result = runner.invoke(args=["jobs", "run-once", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_ladder_day_by_day_across_christmas_and_new_year(runner, app_context, db_session):
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 12, 24))
    first_seen = {}
    day = date(2026, 12, 20)
    while day <= date(2027, 1, 29):
        run_cli(runner, "check_escalations", "--today", day.isoformat())
        for step, recipient, _, _ in escalations(db_session):
            first_seen.setdefault((step, recipient), day)
        day += timedelta(days=1)
    assert first_seen == {
        ("owner", service.owner.id): date(2026, 12, 24),                   # the due date, a Thursday
        ("team_manager", service.team_manager.id): date(2027, 1, 7),       # 7 working days: 29-31 Dec, 4-7 Jan
        ("service_manager", service.service_manager.id): date(2027, 1, 27),  # 21 working days
    }
    # Forty runs, three escalations, each once; every run recorded.
    assert len(escalations(db_session)) == 3
    runs = db_session.scalars(select(JobRun).where(JobRun.job_id == "check_escalations")).all()
    assert len(runs) == 41 and {r.status for r in runs} == {JobRunStatus.SUCCEEDED}
    assert all(e.email_status is EmailStatus.LOGGED for e in db_session.scalars(select(Escalation)))
    assert check.id in {e.subject_id for e in db_session.scalars(select(Escalation))}


def test_nothing_is_raised_before_the_due_date_or_for_a_received_check(app_context, db_session):
    service = make_service()
    make_check(db_session, service.owner, due_on=date(2026, 11, 30))
    received = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    received.received_on, received.outcome = date(2026, 11, 20), "clear"
    db_session.flush()
    assert rules.check_escalations(date(2026, 11, 27))["due"] == 0
    assert rules.check_escalations(date(2026, 11, 30))["raised"] == 1


def test_twice_in_a_row_raises_and_sends_once(app_context, db_session, mail_to):
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    first = rules.check_escalations(date(2026, 12, 1))
    second = rules.check_escalations(date(2026, 12, 1))
    assert (first["raised"], second["raised"]) == (3, 0)
    assert first["email"] == {"sent": 3} and second["email"] == {}
    assert len(mail_to.to(service.owner.email)) == 1
    assert len(mail_to.to(service.team_manager.email)) == 1
    assert len(mail_to.to(service.service_manager.email)) == 1
    assert mail_to.to(service.other_team_manager.email) == []
    assert len(mail_to.messages) == 3
    # Email names no one: the household's reference only.
    from crm.households.models import Household, Person
    person = db_session.get(Person, check.person_id)
    reference = db_session.get(Household, person.household_id).reference
    for (_, subject), body in zip(mail_to.messages, mail_to.bodies):
        assert reference in subject and "not received" in subject
        assert person.last_name not in subject + body and person.first_name not in subject + body


def test_receiving_the_check_clears_its_escalations_and_no_new_one_comes(app_context, db_session):
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    rules.check_escalations(date(2026, 11, 3))
    assert [resolved for *_, resolved in escalations(db_session)] == [False]
    check.received_on, check.outcome = date(2026, 11, 4), "clear"
    db_session.flush()
    counts = rules.check_escalations(date(2026, 12, 15))
    assert counts["cleared"] == 1 and counts["raised"] == 0
    assert [resolved for *_, resolved in escalations(db_session)] == [True]


def test_a_withdrawn_application_stops_escalating(app_context, db_session):
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    rules.check_escalations(date(2026, 11, 3))
    from crm.households.models import Application
    application = db_session.get(Application, check.application_id)
    funnel.withdraw(application, date(2026, 11, 3), "applicant", "Moved away", actor=service.owner,
                    today=date(2026, 11, 3))
    db_session.flush()
    assert rules.check_escalations(date(2026, 11, 20))["cleared"] == 1


def test_undoing_the_stage_1_start_clears_its_checks_escalations_and_no_new_one_comes(app_context, db_session):
    from crm.auth.roles import Role
    from crm.checks.services import request_check
    from tests.checks.conftest import STAGE_1_ON, TODAY, check_of, family, into_stage_1
    from tests.factories import UserFactory
    owner = make_service().owner
    application = into_stage_1(family(owner, names=("Ann",)), owner)
    request_check(check_of(db_session, application, "dbs", "Ann"), STAGE_1_ON, owner, actor=owner, today=TODAY)
    assert rules.check_escalations(date(2026, 4, 7))["raised"] >= 1
    funnel.undo(application, "Recorded too early", actor=UserFactory(roles=[Role.MANAGER]))
    db_session.flush()
    assert all(resolved for *_, resolved in escalations(db_session))
    assert rules.check_escalations(date(2026, 5, 20))["raised"] == 0


def test_a_failed_smtp_server_is_retried_by_the_delivery_job(app, app_context, db_session, monkeypatch, smtp_server):
    controller, mailbox = smtp_server
    service = make_service()
    make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)  # nothing listens there
    assert rules.check_escalations(date(2026, 11, 3))["email"] == {"failed": 1}
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    assert rules.deliver_email(date(2026, 11, 3)) == {"sent": 1}
    assert rules.deliver_email(date(2026, 11, 3)) == {}
    assert mailbox.to(service.owner.email) and len(mailbox.messages) == 1


def test_first_responses_overdue_reach_the_officer_and_clear_when_answered(app_context, db_session):
    from crm.auth.roles import Role
    from tests.factories import UserFactory
    officer, other_officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER]), UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    household = HouseholdFactory()
    due = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
    logged = EnquiryContact(household=household, received_at=due - timedelta(days=2), method=ContactMethod.PHONE,
                            recorded_by_id=officer.id, first_response_due_at=due)
    web = EnquiryContact(household=HouseholdFactory(), received_at=due - timedelta(days=2), method=ContactMethod.WEB,
                         first_response_due_at=due)
    db_session.add_all([logged, web])
    db_session.flush()
    assert rules.first_responses(date(2026, 11, 16))["due"] == 0
    counts = rules.first_responses(date(2026, 11, 17))
    # The officer who logged it; a web enquiry goes to every recruitment officer.
    assert counts["raised"] == 1 + 2
    recipients = {(e.subject_id, e.recipient_id) for e in db_session.scalars(select(Escalation))}
    assert recipients == {(logged.id, officer.id), (web.id, officer.id), (web.id, other_officer.id)}
    logged.first_responded_at = due
    db_session.flush()
    assert rules.first_responses(date(2026, 11, 18))["cleared"] == 1


def test_stage_timescales_amber_then_red_then_cleared_when_the_stage_moves(app_context, db_session):
    service = make_service()
    household = HouseholdFactory(allocated_worker_id=service.owner.id, team_id=service.owner.team_id)
    application = ApplicationFactory(household=household, stage=Stage.STAGE_1, stage_entered_on=date(2026, 9, 1))
    db_session.flush()
    assert rules.stage_timescales(date(2026, 9, 30))["stage_timescale"]["due"] == 0
    amber = rules.stage_timescales(date(2026, 10, 17))["stage_timescale"]  # 46 of 61 days: past 75%
    assert amber["raised"] == 1
    red = rules.stage_timescales(date(2026, 11, 2))["stage_timescale"]     # past 1 November
    assert red["raised"] == 2 and red["cleared"] == 1                      # worker and team manager; amber cleared
    funnel.advance(application, Stage.STAGE_1_COMPLETED, date(2026, 11, 3), actor=service.owner, today=date(2026, 11, 3))
    db_session.flush()
    assert rules.stage_timescales(date(2026, 11, 4))["stage_timescale"]["cleared"] == 2
    assert db_session.scalar(select(func.count()).select_from(Escalation).where(Escalation.resolved_at.is_(None))) == 0


def test_approved_households_waiting_over_three_months(app_context, db_session):
    service = make_service()
    household = HouseholdFactory(allocated_worker_id=service.owner.id)
    ApplicationFactory(household=household, stage=Stage.APPROVED, status=Status.APPROVED,
                       stage_entered_on=date(2026, 8, 24))
    assert rules.approved_waiting(date(2026, 11, 23))["due"] == 0
    counts = rules.approved_waiting(date(2026, 11, 24))
    assert counts["raised"] == 1
    assert escalations(db_session, EscalationKind.APPROVED_WAITING)[0][:3] == (
        "waiting_3_months", service.owner.id, date(2026, 11, 24))


def test_the_escalation_query_reads_only_due_checks_through_the_partial_index(app_context, db_session):
    """The plan uses ix_checks_open_due_on; on PostgreSQL, with sequential scans off, the rows read from it are
    exactly the open checks already due, however many others exist (time grows with due checks, not all)."""
    service = make_service()
    later = [make_check(db_session, service.owner, due_on=date(2027, 1, 1) + timedelta(days=offset)) for offset in range(30)]
    due = [make_check(db_session, service.owner, due_on=date(2026, 11, 2)) for _ in range(3)]
    due_by = date(2026, 11, 30)
    statement = rules.overdue_checks(due_by)
    compiled = statement.compile(db_session.bind, compile_kwargs={"literal_binds": True})
    if db_session.bind.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db_session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_checks_open_due_on" in plan
    else:
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db_session.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}")).scalar_one()
        # An Index Scan, or a Bitmap Index Scan under a Bitmap Heap Scan: either way, through the partial index.
        index_scans = [n for n in _walk(plan[0]["Plan"]) if n.get("Index Name") == "ix_checks_open_due_on"]
        check_scans = [n for n in _walk(plan[0]["Plan"]) if n.get("Relation Name") == "checks"]
        assert index_scans and not any(n["Node Type"] == "Seq Scan" for n in check_scans)
        open_and_due = db_session.scalar(text(f"SELECT count(*) FROM checks WHERE received_on IS NULL "
                                              f"AND due_on <= '{due_by.isoformat()}'"))
        everything = db_session.scalar(text("SELECT count(*) FROM checks"))
        # The checks scan (per loop, if the planner nests it) yields only the open, due checks. Counted at the
        # scan of the table: a bitmap index scan also counts dead entries rolled-back tests left until vacuum.
        assert all(n["Node Type"] in ("Index Scan", "Bitmap Heap Scan") for n in check_scans)
        assert all(round(n["Actual Rows"]) == open_and_due for n in check_scans)
        assert open_and_due < everything  # the 30 checks due later were never read
    found = {row[0] for row in db_session.execute(statement)}
    assert {c.id for c in due} <= found and not {c.id for c in later} & found


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def test_chasing_a_check_clears_its_open_escalations_and_a_later_rung_still_comes(app_context, db_session):
    from crm.checks.services import chase_check
    service = make_service()
    check = make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    rules.check_escalations(date(2026, 11, 11))  # owner and team manager (7 working days: 11 November)
    assert [(step, resolved) for step, _, _, resolved in escalations(db_session)] == [
        ("owner", False), ("team_manager", False)]
    chase_check(check, date(2026, 11, 12), "Rang the DBS unit", actor=service.owner, today=date(2026, 11, 12))
    assert [resolved for *_, resolved in escalations(db_session)] == [True, True]
    assert rules.check_escalations(date(2026, 11, 13))["raised"] == 0      # the same rungs never come back
    assert rules.check_escalations(date(2026, 12, 1))["raised"] == 1       # 21 working days: the service manager


def test_a_fostering_assessment_is_one_clock_across_its_stages_and_the_alert_names_it(app_context, db_session):
    service = make_service()
    household = HouseholdFactory(allocated_worker_id=service.owner.id, team_id=service.owner.team_id)
    today = date(2026, 10, 1)
    application = funnel.open_application(household, "fostering_mainstream", date(2026, 1, 5), actor=service.owner,
                                          today=today)
    for stage, on in ((Stage.INITIAL_VISIT, date(2026, 2, 1)), (Stage.REGISTRATION_OF_INTEREST, date(2026, 3, 1)),
                      (Stage.STAGE_1, date(2026, 3, 20))):
        funnel.advance(application, stage, on, actor=service.owner, today=today)
    db_session.flush()
    # ROI 1 March + 8 months = 1 November (245 days); 75% is day 184, 1 September.
    assert rules.stage_timescales(date(2026, 8, 31))["stage_timescale"]["due"] == 0
    assert rules.stage_timescales(date(2026, 9, 1))["stage_timescale"]["raised"] == 1
    steps = db_session.execute(select(Escalation.step, Escalation.summary)).all()
    assert steps[0][0] == "fostering_assessment:amber"
    assert steps[0][1].startswith("Whole assessment: 8 months from the application (ROI) to the decision, for "
                                  f"household {household.reference} (fostering_mainstream, now in Stage 1)")
    # Stage 1 completes: the same clock runs on, so the escalation stays (raised once, never cleared).
    funnel.advance(application, Stage.STAGE_1_COMPLETED, date(2026, 9, 2), actor=service.owner, today=today)
    db_session.flush()
    again = rules.stage_timescales(date(2026, 9, 3))
    assert again["stage_timescale"]["raised"] == 0 and again["stage_timescale"]["cleared"] == 0
    assert again["break_running_out"]["raised"] == 0


def test_delivery_commits_once_a_batch_not_once_an_email(app, app_context, db_session, monkeypatch, mail_to):
    """21 escalations in batches of 5: five transactions each record one batch's outcomes and claim the next (the
    first records none), and a sixth records the last batch's; before issue 17, 43 (one after reading the
    candidates, then two per email)."""
    from sqlalchemy import event

    service = make_service()
    for _ in range(7):
        make_check(db_session, service.owner, due_on=date(2026, 11, 2))
    assert rules.check_escalations(date(2026, 12, 1))["raised"] == 21  # and sends them: now send them all again
    db_session.execute(text("UPDATE escalations SET email_status = 'pending', emailed_at = NULL"))
    mail_to.messages.clear()
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 5)
    commits = []

    def committed(_session):
        commits.append(1)

    event.listen(db_session, "after_commit", committed)
    try:
        assert rules.deliver_email(date(2026, 12, 1)) == {"sent": 21}
    finally:
        event.remove(db_session, "after_commit", committed)
    assert len(commits) == 6
    assert len(mail_to.messages) == 21
    assert db_session.scalar(select(func.count()).where(Escalation.email_status == EmailStatus.SENT)) == 21
