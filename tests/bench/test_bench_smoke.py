"""The benchmark at a tiny scale: the generator writes data the rules allow, and the hand-written SQL the reports
are timed against gives exactly the report modules' figures (else the timing compares different questions)."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bench import queries
from bench.generate import GenerateError, generate
from bench.run import activity_differences, activity_pair, differences, last_complete_year, timeliness_pair
from crm.auth.roles import Role
from crm.clock import LONDON
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.extensions import db
from crm.funnel import machine, services
from crm.funnel.models import StageEvent
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application, Household
from tests.factories import HouseholdFactory, UserFactory

TODAY = date(2026, 6, 30)
YEAR = last_complete_year(TODAY)  # 1 April 2025 to 31 March 2026


def generated(households: int, seed: int = 11):
    return generate(db.session, households=households, seed=seed, today=TODAY, progress=False)


def test_every_application_row_is_the_replay_of_a_history_the_machine_accepts(app_context):
    counts = generated(400)
    applications = db.session.scalars(select(Application).order_by(Application.id)).all()
    assert counts.households == 400 and counts.applications == len(applications) > 400
    for application in applications:
        replayed = machine.replay(application.events)
        assert (application.stage, application.stage_entered_on, application.status,
                application.status_changed_on) == (replayed.stage, replayed.stage_entered_on, replayed.status,
                                                   replayed.status_changed_on)
        assert _rerecorded(application) == replayed
        dates = [event.occurred_on for event in sorted(machine.live(application.events), key=lambda e: e.id)]
        assert dates == sorted(dates) and dates[-1] <= TODAY  # never backwards, never in the future
        assert dates[0] >= application.household.first_enquiry_on
    statuses = {a.status for a in applications}
    # Open, withdrawn, not approved and approved histories all occur (pauses too: the kinds below include on_hold
    # and resumed; few are still paused today at this scale).
    assert statuses >= {Status.ACTIVE, Status.WITHDRAWN, Status.NOT_APPROVED, Status.APPROVED}
    kinds = set(db.session.scalars(select(StageEvent.kind).distinct()))
    assert kinds == set(EventKind)  # every kind of event occurs
    assert db.session.scalar(select(func.count()).where(StageEvent.undone_at.is_not(None))) > 0
    assert any(a.fast_track and a.status is Status.APPROVED for a in applications)


def _rerecorded(application: Application) -> machine.State:
    """Record the application's events again, in the order they were written, through the state machine (which
    refuses anything the rules do not allow), undoing those that were undone; the state that results."""
    copy = Application(service_line_code=application.service_line_code, fast_track=application.fast_track)
    copy.events = []
    for event in sorted(application.events, key=lambda e: e.id):
        # a withdrawal names a reason of the list: without one the machine refuses it
        reason = db.session.get(WithdrawalReason, event.withdrawal_reason_id) if event.withdrawal_reason_id else None
        machine.record(copy, event.kind, event.occurred_on, today=TODAY, party=event.party, reason=event.reason,
                       extension_days=event.extension_days, withdrawal_reason=reason)
        if event.undone_at is not None:
            machine.undo_last(copy, actor=None, reason=event.undo_reason, now=event.undone_at)
    return machine.replay(copy.events)


def test_contacts_and_households_agree(app_context):
    generated(400)
    contacts = defaultdict(list)
    for household_id, received in db.session.execute(select(EnquiryContact.household_id, EnquiryContact.received_at)):
        contacts[household_id].append(received.astimezone(LONDON).date())
    households = db.session.scalars(select(Household)).all()
    for household in households:
        days = contacts[household.id]
        assert min(days) == household.first_enquiry_on  # the first contact, on its London date, opened it
        for application in household.applications:  # each application opened on the day of one of its contacts
            assert min(e.occurred_on for e in application.events) in days
    per_household = [len(contacts[h.id]) for h in households]
    # Some households get in touch several times: about 3.3 contacts each, as SPEC's national 1M for 300k.
    assert min(per_household) == 1 and max(per_household) >= 5 and 2.5 < sum(per_household) / len(households) < 4.5
    assert db.session.scalar(select(func.count()).where(EnquiryContact.channel_id.is_not(None))) > 0


def test_the_same_seed_gives_the_same_rows_and_a_database_in_use_is_refused(app_context):
    def rows():
        return db.session.execute(select(Application.household_id, Application.service_line_code, Application.stage,
                                         Application.stage_entered_on, Application.status)
                                  .order_by(Application.id)).all()

    first = db.session.begin_nested()
    generated(60)
    one = rows()
    first.rollback()
    generated(60)
    assert rows() == one
    with pytest.raises(GenerateError, match="already has households"):
        generated(10)
    more = generate(db.session, households=10, seed=11, today=TODAY, append=True, progress=False)
    assert more.households == 10 and db.session.scalar(select(func.count()).select_from(Household)) == 70


@pytest.mark.parametrize("period", [YEAR, (date(2019, 10, 27), date(2020, 3, 29))], ids=["financial-year", "odd"])
def test_the_sql_gives_the_report_modules_figures(app_context, period):
    """The point of the benchmark: one hand-written statement per report, the same figures as the module."""
    generated(1500)
    module, sql = activity_pair(db.session, *period)
    expected, found = module(), sql()
    assert activity_differences(expected, found) == []
    assert expected[0]["enquiry_contacts"] > expected[0]["enquiry_households"] > 0
    module, sql = timeliness_pair(db.session, *period)
    expected = module()
    assert differences("timeliness", expected, sql()) == []
    assert expected["stages"]["stage_1"]["count"] > 0 and expected["stages"]["stage_2"]["count"] > 0
    assert sum(1 for n in expected["stages"]["stage_2"]["buckets"].values() if n) >= 2


@pytest.fixture
def manager(db_session):
    return UserFactory(roles=[Role.MANAGER])


def stage_1(actor, started: date, completed: date, *, mistyped: date | None = None) -> None:
    """An adopter from enquiry into Stage 1 on `started` and out of it on `completed` (after a mistyped completion
    that a manager undid, when `mistyped` is given)."""
    application = services.open_application(HouseholdFactory(), "adoption", date(2025, 9, 1), actor=actor,
                                            today=TODAY)
    services.advance(application, Stage.INITIAL_VISIT, date(2025, 9, 10), actor=actor, today=TODAY)
    services.advance(application, Stage.REGISTRATION_OF_INTEREST, date(2025, 9, 20), actor=actor, today=TODAY)
    services.advance(application, Stage.STAGE_1, started, actor=actor, today=TODAY)
    if mistyped:
        services.advance(application, Stage.STAGE_1_COMPLETED, mistyped, actor=actor, today=TODAY)
        services.undo(application, "Wrong date", actor=actor)
    services.advance(application, Stage.STAGE_1_COMPLETED, completed, actor=actor, today=TODAY)


def contact(household, utc: datetime) -> None:
    db.session.add(EnquiryContact(household=household, received_at=utc, method=ContactMethod.WEB))


def test_month_ends_summer_time_and_undone_events_by_hand(app_context, manager):
    # A: 31 Oct + 4 months = 28 Feb (clamped; SQLite's own date() says 3 March): exactly 4 months, "4-8 months";
    #    120 days; due 31 Dec (2 months): late.
    stage_1(manager, date(2025, 10, 31), date(2026, 2, 28))
    # B: 31 Dec + 2 months = 28 Feb, completed 1 March: a day late (unclamped, 3 March, would call it in time);
    #    60 days; the completion first mistyped as 5 March and undone: it must not count.
    stage_1(manager, date(2025, 12, 31), date(2026, 3, 1), mistyped=date(2026, 3, 5))
    # C: the same start, completed on the due date 28 Feb: in time, 59 days.
    stage_1(manager, date(2025, 12, 31), date(2026, 2, 28))
    one, two = HouseholdFactory(), HouseholdFactory()
    contact(one, datetime(2025, 3, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 April in London (summer time): in the year
    contact(one, datetime(2025, 6, 30, 23, 30, tzinfo=UTC))  # 1 July in London
    contact(two, datetime(2025, 10, 26, 0, 30, tzinfo=UTC))  # 01:30 summer time, before clocks go back: 26 October
    contact(two, datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 00:30 GMT, before clocks go forward: 29 March
    contact(two, datetime(2026, 3, 31, 23, 30, tzinfo=UTC))  # 1 April 2026 in London: after the year
    db.session.flush()

    timeliness = queries.timeliness_figures(queries.run_timeliness(db.session, *YEAR))
    # days 120, 60, 59: mean 79.7, median 60; within 2 months: C only.
    assert timeliness["stages"]["stage_1"] == {
        "count": 3, "mean_days": 79.7, "median_days": 60.0, "min_days": 59, "max_days": 120,
        "within_timescale": 0.3333, "within_timescale_count": 1, "timescale_applies": 3, "extended": 0,
        "extended_within_extension": 0,
        "buckets": {"<4 months": 2, "4-8 months": 1, "8-12 months": 0, "12-18 months": 0, ">18 months": 0}}
    module, _ = timeliness_pair(db.session, *YEAR)
    assert differences("timeliness", module(), timeliness) == []

    total, months = queries.activity_figures(queries.run_activity(db.session, *YEAR))
    assert (total["enquiry_contacts"], total["enquiry_households"]) == (4, 2)
    assert {month: figures["enquiry_contacts"] for month, figures in months.items() if figures["enquiry_contacts"]} == {
        "2025-04": 1, "2025-07": 1, "2025-10": 1, "2026-03": 1}
    assert total["stage_1_completions"] == 3  # the undone completion is not counted
    module, _ = activity_pair(db.session, *YEAR)
    assert activity_differences(module(), (total, months)) == []


def test_crm_bench_generates_times_and_agrees(runner, app_context):
    result = runner.invoke(args=["bench", "--households", "300", "--repeat", "1",
                                                "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Generated 300 households" in result.output
    assert result.output.count(" agree") == 2  # both reports' figures agree with their SQL
