"""Users of the marketing pages, a fixed today, and posting forms as their pages would."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.marketing.models import Channel
from tests.factories import UserFactory

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today(travel):
    travel(TODAY)
    return TODAY


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.MARKETING_OFFICER])


@pytest.fixture
def signed_in(client, auth, officer):
    """The client, signed in as the marketing officer."""
    assert auth.login(officer).status_code == 302
    return client


def channel(db_session, path: str) -> Channel:
    """A channel by its path ("digital > Facebook" or "radio")."""
    parent_name, _, name = path.rpartition(" > ")
    query = select(Channel).where(Channel.name == name)
    if parent_name:
        parent = db_session.scalar(select(Channel).where(Channel.name == parent_name, Channel.parent_id.is_(None)))
        query = query.where(Channel.parent_id == parent.id)
    else:
        query = query.where(Channel.parent_id.is_(None))
    return db_session.scalar(query)


def text(response) -> str:
    return response.get_data(as_text=True)
