"""Household search a page at a time: page links that keep the search, any page number, a fixed SQL cost."""
from __future__ import annotations

import re

import pytest

from crm.auth.roles import Role
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.queues.helpers import StatementCounter, links

SURNAME = "Quillsworth"  # not a name Faker gives anyone else


def matching(count: int) -> list[int]:
    """Households with an applicant of SURNAME and an application each; their ids in reference order."""
    made = []
    for _ in range(count):
        household = HouseholdFactory()
        PersonFactory(household=household, last_name=SURNAME)
        ApplicationFactory(household=household)
        made.append(household)
    return [household.id for household in sorted(made, key=lambda h: h.reference)]


def found(html: str) -> list[int]:
    body = re.search(r'<table class="govuk-table" id="search-results">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    return [int(n) for n in re.findall(r'href="/households/(\d+)"', body.group(1))] if body else []


def summary(html: str) -> str:
    return " ".join(re.search(r'<p class="govuk-body" id="page-summary">(.*?)</p>', html, re.S).group(1).split())


@pytest.fixture
def manager(auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))


def test_the_results_past_the_first_page_are_reached_through_the_page_links(client, manager):
    ids = matching(30)
    first = client.get("/households", query_string={"q": SURNAME.lower()}).get_data(as_text=True)
    assert found(first) == ids[:25] and summary(first) == "30 households found; showing 1 to 25."
    following = links(first, "govuk-link govuk-pagination__link")["Next page"]
    assert "q=quillsworth" in following and "page=2" in following
    second = client.get(following).get_data(as_text=True)
    assert found(second) == ids[25:] and summary(second) == "30 households found; showing 26 to 30."
    assert "Previous page" in links(second, "govuk-link govuk-pagination__link")


def test_one_page_of_results_has_no_page_links(client, manager):
    ids = matching(3)
    html = client.get("/households", query_string={"q": SURNAME}).get_data(as_text=True)
    assert found(html) == ids and summary(html) == "3 households found." and "govuk-pagination" not in html


@pytest.mark.parametrize("page, shown", [("100000000000000000000", slice(25, 30)), ("99", slice(25, 30)),
                                         ("-1", slice(0, 25)), ("0", slice(0, 25)), ("two", slice(0, 25)),
                                         ("9" * 5000, slice(0, 25)), ("", slice(0, 25))])
def test_any_page_number_gives_a_page(client, manager, page, shown):
    ids = matching(30)
    response = client.get("/households", query_string={"q": SURNAME, "page": page})
    assert response.status_code == 200
    assert found(response.get_data(as_text=True)) == ids[shown]  # past the end: the last page


def test_a_page_costs_the_same_statements_whatever_its_length(client, app, manager):
    matching(2)
    with StatementCounter(app) as few:
        assert len(found(client.get("/households", query_string={"q": SURNAME}).get_data(as_text=True))) == 2
    matching(40)
    with StatementCounter(app) as many:
        assert len(found(client.get("/households", query_string={"q": SURNAME}).get_data(as_text=True))) == 25
    assert many.count == few.count <= 12
