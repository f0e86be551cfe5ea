"""'Your application': the stage in plain words, what happens next, the statutory timescale that runs (the words of
crm.funnel.timescales), and a page whose statement count does not grow with the household."""
from __future__ import annotations

from datetime import date

import pytest

from crm.funnel.stages import Stage
from crm.funnel.timescales import TIMESCALES
from tests.helpers import statements_of
from tests.portal.helpers import portal_applicant, sign_in


@pytest.mark.parametrize("line,stage,key,due", [
    ("adoption", Stage.STAGE_1, "stage_1", "1 January 2027"),
    ("adoption", Stage.STAGE_2, "stage_2", "1 March 2027"),
    ("fostering_mainstream", Stage.STAGE_1, "fostering_assessment", "1 July 2027"),
])
def test_the_stage_and_its_timescale_in_plain_words(client, db_session, travel, line, stage, key, due):
    travel(date(2026, 11, 11), tick=False)  # the helper opens the application 10 days ago: 1 November
    account = portal_applicant(db_session, service_line=line, stage=stage)
    sign_in(client, account)
    page = client.get("/my/").get_data(as_text=True)
    label = next(rule.label for rule in TIMESCALES if rule.key == key)
    assert label.replace("(", "").split(":")[0] in page.replace("(", "")
    assert f"by {due}" in page
    assert "What happens next" in page


@pytest.mark.parametrize("today,passed", [(date(2027, 1, 1), False), (date(2027, 1, 2), True)])
def test_a_timescale_past_its_date_says_so(client, db_session, travel, today, passed):
    travel(date(2026, 11, 11), tick=False)  # Stage 1 from 1 November: due by 1 January 2027
    account = portal_applicant(db_session)
    travel(today, tick=False)
    sign_in(client, account)
    page = " ".join(client.get("/my/").get_data(as_text=True).split())
    if passed:
        assert ("For you, that was by 1 January 2027. This date has passed: your social worker will talk to you "
                "about what happens now.") in page
        assert "that means by" not in page
    else:
        assert "For you, that means by 1 January 2027." in page and "has passed" not in page


def test_the_page_does_not_grow_with_the_adults(app, client, db_session):
    account = portal_applicant(db_session)
    sign_in(client, account)
    small = statements_of(app, client, "/my/")
    for _ in range(3):
        portal_applicant(db_session, household=account.household)
    assert statements_of(app, client, "/my/") == small
