"""The channel taxonomy page: the two-level tree, adding, renaming, deactivating, reactivating and deleting, and
every refusal storing nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import Channel
from tests.factories import HouseholdFactory, UserFactory
from tests.helpers import count, post
from tests.marketing.conftest import TODAY, channel, text

PAGE = "/marketing/channels"


def test_the_page_lists_top_level_channels_each_followed_by_its_own(signed_in):
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>', text(signed_in.get(PAGE)), re.S)
    names = [re.sub(r"<[^>]+>|&emsp;", "", row).strip() for row in rows]
    assert names == [
        "digital", "digital &gt; Agency website", "digital &gt; Facebook", "digital &gt; Google Ads",
        "digital &gt; Instagram", "event", "event &gt; community fair", "event &gt; information event",
        "event &gt; Pride stall", "faith and community group", "national campaign",
        "national campaign &gt; You Can Adopt",
        "outdoor", "outdoor &gt; billboard", "outdoor &gt; bus shelter", "print", "radio", "word of mouth"]


def test_adding_a_top_level_channel_and_one_within_it(signed_in, db_session):
    assert post(signed_in, PAGE, None, {"name": "  podcast  ", "parent": ""}).status_code == 302
    podcast = channel(db_session, "podcast")
    assert podcast.active and podcast.parent_id is None
    response = post(signed_in, PAGE, None, {"name": "Parenting Podcast", "parent": str(podcast.id)})
    assert response.status_code == 302
    assert "Channel added: podcast &gt; Parenting Podcast." in text(signed_in.get(PAGE))
    assert channel(db_session, "podcast > Parenting Podcast").parent_id == podcast.id
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "channel_added")).all()
    assert [event.detail["path"] for event in audit] == ["podcast", "podcast > Parenting Podcast"]


def test_the_same_name_may_sit_in_two_places(signed_in, db_session):
    """Unique within its parent only: 'Facebook' is a digital channel and may also be an event one."""
    event = channel(db_session, "event")
    assert post(signed_in, PAGE, None, {"name": "Facebook", "parent": str(event.id)}).status_code == 302
    assert channel(db_session, "event > Facebook") is not None


@pytest.mark.parametrize(("name", "parent", "message"), [
    ("google ads", "digital", "There is already a channel called google ads within that channel"),
    ("Radio", "", "There is already a channel called Radio at the top level"),
    ("Spotify", "digital > Google Ads", "digital &gt; Google Ads is a sub-channel: choose a top-level channel"),
    ("Spotify", "abc", "Choose where the channel goes from the list"),
    ("Spotify", "999999", "Choose where the channel goes from the list"),
    ("digital > TikTok", "", "The name cannot contain &gt;"),
    ("", "", "Enter the name of the channel"),
    ("x" * 121, "", "The name must be 120 characters or fewer"),
])
def test_a_channel_the_rules_refuse_is_not_stored(signed_in, db_session, name, parent, message):
    if parent and not parent.isdigit() and parent != "abc":
        parent = str(channel(db_session, parent).id)
    before = count(db_session, Channel)
    response = post(signed_in, PAGE, None, {"name": name, "parent": parent})
    assert response.status_code == 400
    assert message in text(response) and "There is a problem" in text(response)
    assert count(db_session, Channel) == before


def test_renaming_keeps_the_channel_on_the_enquiries_that_have_it(signed_in, db_session):
    shelter = channel(db_session, "outdoor > bus shelter")
    contact = EnquiryContact(household=HouseholdFactory(), received_at=_moment(), method=ContactMethod.PHONE,
                             channel_id=shelter.id)
    db_session.add(contact)
    db_session.flush()
    page = f"{PAGE}/{shelter.id}/edit"
    assert 'value="bus shelter"' in text(signed_in.get(page))
    assert post(signed_in, page, None, {"name": "Bus shelters"}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Channel, shelter.id).name == "Bus shelters"
    assert db_session.get(EnquiryContact, contact.id).channel.path == "outdoor > Bus shelters"
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "channel_renamed"))
    assert audit.detail == {"before": "outdoor > bus shelter", "after": "outdoor > Bus shelters"}


def test_renaming_onto_another_channel_is_refused(signed_in, db_session):
    shelter = channel(db_session, "outdoor > bus shelter")
    page = f"{PAGE}/{shelter.id}/edit"
    response = post(signed_in, page, None, {"name": "Billboard"})
    assert response.status_code == 400
    assert "There is already a channel called Billboard within that channel" in text(response)
    db_session.expire_all()
    assert db_session.get(Channel, shelter.id).name == "bus shelter"


def test_a_deactivated_channel_is_no_longer_offered_for_new_enquiries(signed_in, client, auth, db_session):
    outdoor = channel(db_session, "outdoor")
    response = post(signed_in, PAGE, f"{PAGE}/{outdoor.id}/deactivate", {})
    assert response.status_code == 302
    assert "outdoor, with 2 sub-channels, is no longer offered for new enquiries" in text(signed_in.get(PAGE))
    db_session.expire_all()
    assert [c.active for c in (channel(db_session, "outdoor"), channel(db_session, "outdoor > bus shelter"),
                               channel(db_session, "outdoor > billboard"))] == [False, False, False]
    auth.logout()
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    form = text(client.get("/enquiries/new"))
    assert "digital &gt; Facebook" in form
    assert "outdoor" not in form


def test_reactivating_goes_from_the_top(signed_in, db_session):
    outdoor, shelter = channel(db_session, "outdoor"), channel(db_session, "outdoor > bus shelter")
    post(signed_in, PAGE, f"{PAGE}/{outdoor.id}/deactivate", {})
    post(signed_in, PAGE, f"{PAGE}/{shelter.id}/reactivate", {})
    assert "Reactivate outdoor first" in text(signed_in.get(PAGE))
    db_session.expire_all()
    assert channel(db_session, "outdoor > bus shelter").active is False
    post(signed_in, PAGE, f"{PAGE}/{outdoor.id}/reactivate", {})
    post(signed_in, PAGE, f"{PAGE}/{shelter.id}/reactivate", {})
    db_session.expire_all()
    assert (channel(db_session, "outdoor").active, channel(db_session, "outdoor > bus shelter").active,
            channel(db_session, "outdoor > billboard").active) == (True, True, False)
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("channel_%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["channel_deactivated", "channel_reactivated", "channel_reactivated"]


def test_only_a_channel_nothing_refers_to_can_be_deleted(signed_in, db_session):
    post(signed_in, PAGE, None, {"name": "Typo channel", "parent": ""})
    typo, radio = channel(db_session, "Typo channel"), channel(db_session, "radio")
    db_session.add(EnquiryContact(household=HouseholdFactory(), received_at=_moment(), method=ContactMethod.PHONE,
                                  channel_id=radio.id))
    db_session.flush()
    html = text(signed_in.get(PAGE))
    assert f"{PAGE}/{typo.id}/delete" in html and f"{PAGE}/{radio.id}/delete" not in html
    digital = channel(db_session, "digital")
    assert f"{PAGE}/{digital.id}/delete" not in html  # it has channels within it
    post(signed_in, PAGE, f"{PAGE}/{radio.id}/delete", {})
    assert "radio is in use, so it cannot be deleted: deactivate it instead" in text(signed_in.get(PAGE))
    assert post(signed_in, PAGE, f"{PAGE}/{typo.id}/delete", {}).status_code == 302
    db_session.expire_all()
    assert channel(db_session, "Typo channel") is None and channel(db_session, "radio") is not None


def test_an_unknown_action_or_channel_is_not_found(signed_in):
    assert post(signed_in, PAGE, f"{PAGE}/1/explode", {}).status_code == 404
    assert post(signed_in, PAGE, f"{PAGE}/999999/deactivate", {}).status_code == 404
    assert signed_in.get(f"{PAGE}/999999/edit").status_code == 404


def _moment():
    from datetime import datetime, time, timezone
    return datetime.combine(TODAY, time(10), tzinfo=timezone.utc)
