"""Building events and households for the events tests, through the same services the views call."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from crm import clock
from crm.events import services
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory


def make_event(actor, *, starts_in: timedelta = timedelta(days=7), hours: int = 2, capacity: int = 10,
               service_line_code: str | None = None, title: str = "Adoption information evening", online=False):
    starts_at = clock.now().replace(microsecond=0) + starts_in
    return services.create_event(services.EventDetails(
        title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=capacity,
        online=online, venue=None if online else "Town Hall, High Street",
        joining_link="https://meet.example.org/abc" if online else None,
        service_line_code=service_line_code), actor=actor)


def past_event(actor, **kwargs):
    """An event that took place two days ago: attendance can be recorded."""
    return make_event(actor, starts_in=-timedelta(days=2), **kwargs)


def enquiring_household(actor, *lines: str, enquired_on: date | None = None, **person):
    """A household with an open application at enquiry for each service line (adoption by default)."""
    household = HouseholdFactory()
    PersonFactory(household=household, **person)
    on = enquired_on or clock.today() - timedelta(days=20)
    for line in lines or ("adoption",):
        funnel.open_application(household, line, on, actor=actor)
    return household


def household_at(stage: Stage, line: str = "adoption", **person):
    """A household whose one application is already at `stage` (history reduced to that one event)."""
    household = HouseholdFactory()
    PersonFactory(household=household, **person)
    on = clock.today() - timedelta(days=30)
    ApplicationFactory(household=household, service_line_code=line, stage=stage, stage_entered_on=on)
    return household


def form_date(name: str, day: date) -> dict[str, list[str]]:
    return {name: [str(day.day), str(day.month), str(day.year)]}


def moment(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.LONDON)
