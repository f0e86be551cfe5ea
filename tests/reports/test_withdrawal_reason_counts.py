"""The reports count withdrawals by the name of their reason on the managed list: notes are not reasons, and a
renamed reason is counted under its new name (activity, fostering return, and the drill-down lines)."""
from __future__ import annotations

from datetime import date

import pytest

from crm.auth.roles import Role
from crm.funnel import services
from crm.funnel.reasons import services as reasons
from crm.funnel.stages import WithdrawingParty
from crm.reports.base import ReportParams
from crm.reports.families import activity, fostering_return
from tests.factories import UserFactory
from tests.reports.histories import TODAY, journey, lead_in

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31))


@pytest.fixture
def withdrawn(app_context, db_session):
    officer = UserFactory(roles=[Role.MANAGER])
    listed = {reason.name: reason for reason in reasons.all_reasons()}
    for month, (name, note) in enumerate([("Other", "Moved abroad"), ("Other", "New job"), ("Health", None)],
                                         start=6):
        application = journey(officer, *lead_in(date(2028, month, 1)), line="fostering_mainstream")
        services.withdraw(application, date(2028, month + 3, 1), WithdrawingParty.APPLICANT, note, actor=officer,
                          today=TODAY, withdrawal_reason=listed[name])
    reasons.rename_reason(listed["Health"], "Health (physical or mental)", actor=officer)


def test_activity_counts_by_reason_name(withdrawn):
    figures = activity.compute(YEAR).figures["withdrawals"]
    assert figures["by_reason"] == {"Other": 2, "Health (physical or mental)": 1}
    lines = activity.drill_lines(YEAR)
    other = lines[lines["measure"] == "withdrawals.by_reason.Other"]
    assert len(other) == 2 and set(other["reason"]) == {"Other"}


def test_the_fostering_return_counts_by_reason_name(withdrawn):
    report = fostering_return.compute(YEAR)
    by_reason = {"Other": 2, "Health (physical or mental)": 1}
    assert report.figures["fostering_mainstream"]["withdrawals"]["by_reason"] == by_reason
    assert report.tables["withdrawal_reasons"]["Reason"].tolist() == ["Other", "Health (physical or mental)"]
