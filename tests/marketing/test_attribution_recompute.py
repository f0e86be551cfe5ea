"""The stored credits: recompute by hand-worked figures, idempotent, replacing what no longer holds, the
half-life setting, and the nightly job through `crm jobs run-once`."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.escalations.models import JobRun, JobRunStatus
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage
from crm.marketing.attribution.methods import MODELS
from crm.marketing.attribution.services import recompute
from crm.marketing.models import AttributionCredit, ChannelRule
from tests.factories import ApplicationFactory, HouseholdFactory
from tests.marketing.conftest import channel

ROI = date(2026, 6, 1)
TODAY = date(2026, 11, 23)


def converting_household(db_session, touches: list[tuple[int, str | None]], roi: date = ROI,
                         approved: date | None = None):
    """A household whose adoption application reached ROI on `roi`, with contacts (days before the ROI, channel)."""
    household = HouseholdFactory()
    for days, path in touches:
        received = datetime.combine(roi - timedelta(days=days), datetime.min.time(), tzinfo=timezone.utc)
        db_session.add(EnquiryContact(household=household, method=ContactMethod.WEB,
                                      received_at=received + timedelta(hours=12),
                                      channel_id=channel(db_session, path).id if path else None))
    application = ApplicationFactory(household=household, stage=Stage.REGISTRATION_OF_INTEREST, stage_entered_on=roi)
    application.events = [StageEvent(kind=EventKind.REGISTRATION_OF_INTEREST, occurred_on=roi)]
    if approved:
        application.events.append(StageEvent(kind=EventKind.APPROVED, occurred_on=approved))
    db_session.flush()
    return application


def stored(db_session, **where) -> list[tuple]:
    query = select(AttributionCredit.model, AttributionCredit.outcome, AttributionCredit.application_id,
                   AttributionCredit.household_id, AttributionCredit.outcome_on, AttributionCredit.position,
                   AttributionCredit.touched_on, AttributionCredit.channel_id, AttributionCredit.campaign_id,
                   AttributionCredit.credit)
    query = query.where(*(getattr(AttributionCredit, key) == value for key, value in where.items()))
    return sorted(db_session.execute(query).all())


def shares(db_session, model: str, outcome: str = "roi") -> dict[int, float]:
    """Each stored touch's credit, by its position in the journey."""
    return {row.position: row.credit for row in stored(db_session, model=model, outcome=outcome)}


def test_each_model_credits_a_journey_as_worked_by_hand(app_context, db_session):
    """Facebook 60 days before the ROI, radio 30 days before, radio on the day (half-life 30): time_decay weights
    1/4, 1/2, 1, so 1/7, 2/7, 4/7. Markov: the one journey start -> Facebook -> radio -> radio -> conversion; removing
    either channel leaves no way to convert, so each has the same effect (1/2 after normalising) and each touch
    weighs the same: 1/3 each."""
    application = converting_household(db_session, [(60, "digital > Facebook"), (30, "radio"), (0, "radio")])
    counts = recompute(db_session, today=TODAY)
    # Rows: one each for first and last touch, three for each of the other four models.
    assert counts == {"roi": {"converted": 1, "without_touches": 0, "credits": 14},
                      "approval": {"converted": 0, "without_touches": 0, "credits": 0}}
    assert shares(db_session, "first_touch") == {0: 1.0}  # a touch given nothing has no row
    assert shares(db_session, "last_touch") == {2: 1.0}
    assert shares(db_session, "linear") == pytest.approx({0: 1 / 3, 1: 1 / 3, 2: 1 / 3})
    assert shares(db_session, "time_decay") == pytest.approx({0: 1 / 7, 1: 2 / 7, 2: 4 / 7})
    assert shares(db_session, "position_based") == pytest.approx({0: 0.4, 1: 0.2, 2: 0.4})
    assert shares(db_session, "markov") == pytest.approx({0: 1 / 3, 1: 1 / 3, 2: 1 / 3})
    first = stored(db_session, model="first_touch")[0]
    assert (first.application_id, first.household_id, first.outcome_on, first.touched_on, first.channel_id) == \
        (application.id, application.household_id, ROI, ROI - timedelta(days=60),
         channel(db_session, "digital > Facebook").id)


def test_recomputing_twice_stores_the_same_rows(app_context, db_session):
    converting_household(db_session, [(40, "digital > Facebook"), (10, None), (0, "radio")],
                         approved=ROI + timedelta(days=100))
    converting_household(db_session, [(5, "print")])
    HouseholdFactory()  # no touches, no application
    recompute(db_session, today=TODAY)
    first = stored(db_session)
    recompute(db_session, today=TODAY)
    assert stored(db_session) == first
    assert {row.model for row in first} == set(MODELS) and {row.outcome for row in first} == {"roi", "approval"}
    for model in MODELS:
        for outcome, applications in (("roi", 2), ("approval", 1)):
            rows = stored(db_session, model=model, outcome=outcome)
            assert len({row.application_id for row in rows}) == applications
            assert sum(row.credit for row in rows) == pytest.approx(applications)


def test_credits_that_no_longer_hold_are_removed(app_context, db_session):
    """An ROI undone since the last run: its credits go; an outcome not reached by `today` has none yet."""
    undone = converting_household(db_session, [(3, "radio")])
    later = converting_household(db_session, [(3, "radio")], roi=TODAY + timedelta(days=1))
    recompute(db_session, today=TODAY)
    assert {row.application_id for row in stored(db_session)} == {undone.id}
    undone.events[0].undone_at = datetime(2026, 11, 1, tzinfo=timezone.utc)
    db_session.flush()
    recompute(db_session, today=TODAY)
    assert stored(db_session) == []
    assert later.id not in {row.application_id for row in stored(db_session)}


def test_an_outcome_with_no_touch_before_it_is_counted_not_credited(app_context, db_session):
    converting_household(db_session, [(-5, "radio")])  # the only contact came after the ROI
    assert recompute(db_session, today=TODAY)["roi"] == {"converted": 1, "without_touches": 1, "credits": 0}


def test_the_half_life_is_a_setting(app, app_context, db_session, monkeypatch):
    """Half-life 60 days: touches 60 and 0 days before weigh 1/2 and 1, so 1/3 and 2/3."""
    converting_household(db_session, [(60, "radio"), (0, "print")])
    monkeypatch.setitem(app.config, "ATTRIBUTION_HALF_LIFE_DAYS", 60)
    recompute(db_session, today=TODAY)
    assert shares(db_session, "time_decay") == pytest.approx({0: 1 / 3, 1: 2 / 3})
    monkeypatch.setitem(app.config, "ATTRIBUTION_HALF_LIFE_DAYS", "none")
    with pytest.raises(ValueError, match="ATTRIBUTION_HALF_LIFE_DAYS must be a positive number of days"):
        recompute(db_session, today=TODAY)


def run_cli(runner, *args):
    result = runner.invoke(args=["jobs", "run-once", "attribution_nightly", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_nightly_job_through_the_cli(runner, app_context, db_session):
    """The job matches contacts to the rules first (this contact's channel comes from its tag), then credits."""
    application = converting_household(db_session, [(20, None)])
    tagged = db_session.scalar(select(EnquiryContact).where(EnquiryContact.household_id == application.household_id))
    tagged.utm_source = "Facebook"
    facebook = channel(db_session, "digital > Facebook").id
    db_session.add(ChannelRule(priority=10, utm_source="facebook", channel_id=facebook))
    db_session.flush()
    output = run_cli(runner, "--today", TODAY.isoformat())
    assert output.startswith("attribution_nightly: succeeded")
    rows = stored(db_session, model="first_touch")
    assert [(row.application_id, row.channel_id) for row in rows] == [(application.id, facebook)]
    run_cli(runner, "--today", TODAY.isoformat())
    assert stored(db_session, model="first_touch") == rows
    runs = db_session.scalars(select(JobRun).where(JobRun.job_id == "attribution_nightly").order_by(JobRun.id)).all()
    assert [run.status for run in runs] == [JobRunStatus.SUCCEEDED] * 2
    assert runs[0].counts["contacts_changed"] == {"campaigns": 0, "channels": 1}
    assert runs[1].counts["contacts_changed"] == {"campaigns": 0, "channels": 0}
    assert runs[1].counts["roi"] == {"converted": 1, "without_touches": 0, "credits": 6}
