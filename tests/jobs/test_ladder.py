"""The escalation ladder's dates: working days, England's bank holidays, across Christmas 2026."""
from __future__ import annotations

from datetime import date

import pytest

from crm.escalations import ladder


def test_the_default_ladder_parses_and_a_typo_is_refused():
    assert ladder.parse("0:owner,7:team_manager,21:service_manager") == [
        ladder.Rung(0, "owner"), ladder.Rung(7, "team_manager"), ladder.Rung(21, "service_manager")]
    for bad in ("0:owner,7:boss", "x:owner", "7:team_manager,0:owner"):
        with pytest.raises(ValueError):
            ladder.parse(bad)


# Christmas 2026: Friday 25 December, then Boxing Day on a Saturday, so Monday 28 December is the substitute
# bank holiday; New Year's Day is Friday 1 January 2027.
@pytest.mark.parametrize("due, working_days, fires", [
    (date(2026, 12, 23), 0, date(2026, 12, 23)),   # a Wednesday: on the day
    (date(2026, 12, 25), 0, date(2026, 12, 29)),   # Christmas Day: the next working day is Tuesday 29th
    (date(2026, 12, 26), 0, date(2026, 12, 29)),   # Saturday
    (date(2026, 12, 24), 1, date(2026, 12, 29)),   # Thursday + 1 working day skips Fri 25, weekend, Mon 28
    (date(2026, 12, 23), 7, date(2027, 1, 6)),     # 24, 29, 30, 31, 4, 5, 6 (1 January skipped)
    (date(2026, 12, 1), 21, date(2027, 1, 4)),     # 17 working days to the 24th, 29-31, then Monday 4th
])
def test_a_rung_fires_on_a_working_day_counting_only_working_days(due, working_days, fires):
    assert ladder.fires_on(due, working_days) == fires


def test_the_latest_due_date_that_has_fired_is_the_query_bound():
    # On Tuesday 29 December the owner rung has fired for anything due up to Monday 28th (Christmas included).
    assert ladder.latest_due_for(date(2026, 12, 29), 0) == date(2026, 12, 29)
    assert ladder.latest_due_for(date(2026, 12, 28), 0) == date(2026, 12, 24)
    for today in (date(2026, 12, 24), date(2026, 12, 29), date(2027, 1, 4)):
        bound = ladder.latest_due_for(today, 7)
        assert ladder.fires_on(bound, 7) <= today < ladder.fires_on(date.fromordinal(bound.toordinal() + 1), 7)
