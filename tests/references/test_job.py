"""The daily job sends links for named referees of requested checks, once; reminds an unanswered link once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.escalations.models import JobRun, JobRunStatus
from crm.references import links, services
from crm.references.models import RefereeLink
from jobs.runner import run_job
from tests.references.conftest import TODAY, check_of, details, requested, token_in


def test_the_job_sends_links_for_requested_checks_only_and_once(app_context, db_session, application, worker,
                                                                mail_to, travel):
    employer = requested(check_of(db_session, application, "employer_reference", "Ann"), worker)
    personal = check_of(db_session, application, "personal_references")  # not requested: waits for the worker
    services.name_referee(employer, details("Boss Person"), actor=worker)
    services.name_referee(personal, details("Pal Person"), actor=worker)
    run = run_job("referee_links", TODAY)
    assert run.status is JobRunStatus.SUCCEEDED and run.counts["links_sent"] == 1
    assert [to for to, _ in mail_to.messages] == [("boss@referee.example",)]
    assert "Ann Example named you" in mail_to.bodies[0]
    assert run_job("referee_links", TODAY).counts["links_sent"] == 0 and len(mail_to.messages) == 1
    runs = db_session.scalars(select(JobRun).where(JobRun.job_id == "referee_links")).all()
    assert len(runs) == 2

    first = token_in(mail_to.bodies[0])
    travel(TODAY + timedelta(days=13))
    assert run_job("referee_links").counts["reminders_sent"] == 0
    travel(TODAY + timedelta(days=15))
    assert run_job("referee_links").counts["reminders_sent"] == 1
    assert mail_to.messages[1][1] == "Reminder: Reference request from Adopt and foster with us"
    reminder = token_in(mail_to.bodies[1])
    link = links.link_for_token(reminder)
    assert links.unusable(link) is None and links.link_for_token(first) is None  # the reminder's link replaces it
    assert link.expires_at == link.sent_at + timedelta(days=30)  # with the same expiry
    assert run_job("referee_links").counts["reminders_sent"] == 0 and len(mail_to.messages) == 2


def test_a_referee_with_a_revoked_link_is_not_sent_another_by_the_job(app_context, db_session, application, worker,
                                                                      mail_to):
    employer = requested(check_of(db_session, application, "employer_reference", "Ann"), worker)
    referee = services.name_referee(employer, details("Boss Person"), actor=worker)
    links.send_link(referee, actor=worker)
    links.revoke_link(referee, actor=worker)
    assert run_job("referee_links", TODAY).counts == {"links_sent": 0, "links_failed": 0, "reminders_sent": 0,
                                                      "reminders_failed": 0}
    assert len(db_session.scalars(select(RefereeLink)).all()) == 1


def test_a_refused_email_is_tried_again_the_next_run(app_context, db_session, application, worker, app,
                                                     monkeypatch):
    employer = requested(check_of(db_session, application, "employer_reference", "Ann"), worker)
    services.name_referee(employer, details("Boss Person"), actor=worker)
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)
    assert run_job("referee_links", TODAY).counts["links_failed"] == 1
    assert db_session.scalars(select(RefereeLink)).all() == []
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    assert run_job("referee_links", TODAY).counts["links_sent"] == 1  # no SMTP host: the log has it
