"""Touchpoints: contacts matched to campaigns and, by the UTM rules, to channels (in SQL, over every contact or a
few), a new enquiry matched as it is logged, and every application's journey of touches."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from crm.clock import LONDON
from crm.enquiries.intake import receive
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.enquiries.services import EnquiryDetails, log_enquiry
from crm.events.models import Attendance, Consultation, ConsultationMethod, EventBooking, InformationEvent
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage
from crm.marketing.attribution.touchpoints import journeys, resolve_contacts
from crm.marketing.models import Campaign, ChannelRule
from tests.factories import ApplicationFactory, HouseholdFactory
from tests.marketing.conftest import channel


def rule(db_session, priority: int, path: str, *, source=None, medium=None, campaign=None, referrer=None,
         active=True) -> ChannelRule:
    made = ChannelRule(priority=priority, utm_source=source, utm_medium=medium, utm_campaign=campaign,
                       referrer_contains=referrer, channel_id=channel(db_session, path).id, active=active)
    db_session.add(made)
    db_session.flush()
    return made


def contact(db_session, household=None, at: datetime | None = None, **fields) -> EnquiryContact:
    made = EnquiryContact(household=household or HouseholdFactory(), method=fields.pop("method", ContactMethod.WEB),
                          received_at=at or datetime(2026, 3, 1, 10, tzinfo=timezone.utc), **fields)
    db_session.add(made)
    db_session.flush()
    return made


def path_of(db_session, made: EnquiryContact) -> tuple[str | None, bool]:
    db_session.refresh(made)
    return (made.channel.path if made.channel else None), made.channel_from_rule


@pytest.fixture
def rules(db_session):
    return {
        "facebook": rule(db_session, 20, "digital > Facebook", source="facebook"),
        # Same priority: the older rule (lower id) is tried first.
        "facebook_cpc": rule(db_session, 10, "digital > Google Ads", source="FaceBook", medium="CPC"),
        "facebook_cpc_later": rule(db_session, 10, "radio", source="facebook", medium="cpc"),
        "youcanadopt": rule(db_session, 30, "national campaign > You Can Adopt", referrer="YouCanAdopt.org"),
        "percent": rule(db_session, 40, "print", referrer="100%_off"),
        "unused": rule(db_session, 1, "outdoor > billboard", source="facebook", active=False),
    }


def test_the_first_rule_by_priority_then_age_names_the_channel_whatever_the_case(db_session, rules):
    cpc = contact(db_session, utm_source="FACEBOOK", utm_medium="cpc")
    social = contact(db_session, utm_source="facebook", utm_medium="paid_social")
    referred = contact(db_session, referrer="https://www.youcanadopt.org.uk/adopt?from=x")
    untagged = contact(db_session, utm_source="newsletter")
    assert resolve_contacts(db_session) == {"campaigns": 0, "channels": 3}
    assert path_of(db_session, cpc) == ("digital > Google Ads", True)
    assert path_of(db_session, social) == ("digital > Facebook", True)
    assert path_of(db_session, referred) == ("national campaign > You Can Adopt", True)
    assert path_of(db_session, untagged) == (None, False)


def test_a_referrer_rule_matches_its_text_literally_not_as_a_pattern(db_session, rules):
    """'100%_off' must not act as LIKE's wildcards: '1000xoff' is not a match."""
    literal = contact(db_session, referrer="https://shop.example/sale/100%_OFF/today")
    lookalike = contact(db_session, referrer="https://shop.example/sale/1000xoff")
    resolve_contacts(db_session)
    assert path_of(db_session, literal) == ("print", True)
    assert path_of(db_session, lookalike) == (None, False)


def test_a_channel_a_person_recorded_is_never_changed(db_session, rules):
    recorded = contact(db_session, utm_source="facebook", channel_id=channel(db_session, "radio").id)
    resolve_contacts(db_session)
    assert path_of(db_session, recorded) == ("radio", False)


def test_changed_rules_move_the_channels_they_set_and_only_those(db_session, rules):
    cpc = contact(db_session, utm_source="facebook", utm_medium="cpc")
    resolve_contacts(db_session)
    rules["facebook_cpc"].active = False
    assert resolve_contacts(db_session)["channels"] == 1
    assert path_of(db_session, cpc) == ("radio", True)
    for name in ("facebook_cpc_later", "facebook"):
        rules[name].active = False
    resolve_contacts(db_session)
    assert path_of(db_session, cpc) == (None, False)
    assert resolve_contacts(db_session) == {"campaigns": 0, "channels": 0}  # nothing left to change


def test_only_the_contacts_given_are_resolved(db_session, rules):
    chosen, other = (contact(db_session, utm_source="facebook") for _ in range(2))
    assert resolve_contacts(db_session, contact_ids=[chosen.id])["channels"] == 1
    assert path_of(db_session, chosen)[0] == "digital > Facebook" and path_of(db_session, other)[0] is None


def test_many_contacts_are_resolved_a_chunk_of_ids_at_a_time(db_session, rules, monkeypatch):
    """PostgreSQL takes at most 65,535 parameters in a statement: the ids go a chunk at a time (here 2)."""
    monkeypatch.setattr("crm.marketing.attribution.rules.CHUNK", 2)
    made = [contact(db_session, utm_source="facebook", campaign="x") for _ in range(5)]
    assert resolve_contacts(db_session, contact_ids=[c.id for c in made])["channels"] == 5
    assert {path_of(db_session, c) for c in made} == {("digital > Facebook", True)}


def test_campaigns_are_found_by_name_or_by_code_without_regard_to_case(db_session):
    autumn = Campaign(name="Autumn Fostering Drive", code="autumn-fostering", start_on=date(2026, 9, 1))
    search = Campaign(name="Adoption search ads", code="adopt-search", start_on=date(2026, 1, 1))
    db_session.add_all([autumn, search])
    db_session.flush()
    by_name = contact(db_session, campaign="autumn fostering drive")
    by_code = contact(db_session, utm_campaign="AUTUMN-FOSTERING")
    # The name the enquirer gave wins over the link's tag.
    both = contact(db_session, campaign="Adoption Search Ads", utm_campaign="autumn-fostering")
    unknown = contact(db_session, campaign="Summer fete")
    assert resolve_contacts(db_session) == {"campaigns": 3, "channels": 0}
    assert [c.campaign_id for c in (by_name, by_code, both, unknown)] == [autumn.id, autumn.id, search.id, None]
    autumn.name, autumn.code = "Autumn 2026", None
    db_session.flush()
    assert resolve_contacts(db_session)["campaigns"] == 2
    assert [c.campaign_id for c in (by_name, by_code, both)] == [None, None, search.id]


def test_an_enquiry_is_matched_as_it_is_logged(app_context, db_session, rules):
    db_session.add(Campaign(name="Autumn fostering drive", code="autumn-fostering", start_on=date(2026, 9, 1)))
    db_session.flush()
    web = log_enquiry(EnquiryDetails(first_name="Ada", last_name="Lovelace", service_lines=["adoption"],
                                     method=ContactMethod.WEB,
                                     utm={"source": "Facebook", "campaign": "autumn-fostering"}),
                      actor=None)
    assert path_of(db_session, web) == ("digital > Facebook", True)
    assert web.campaign_id is not None
    phoned = log_enquiry(EnquiryDetails(first_name="Alan", last_name="Turing", service_lines=["adoption"],
                                        method=ContactMethod.PHONE, channel_id=channel(db_session, "radio").id,
                                        utm={"source": "facebook"}), actor=None)
    assert path_of(db_session, phoned) == ("radio", False)


def test_an_enquiry_from_the_public_form_is_matched_when_received(app_context, db_session, rules):
    receipt = receive(EnquiryDetails(first_name="Grace", last_name="Hopper", service_lines=["fostering_mainstream"],
                                     method=ContactMethod.WEB, referrer="https://youcanadopt.org.uk/",
                                     idempotency_key="h6-receive-1"))
    assert receipt.created and path_of(db_session, receipt.contact) == ("national campaign > You Can Adopt", True)


# Journeys

def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def history(db_session):
    """One household with an adoption application (ROI on 1 March, after an earlier ROI undone) and a fostering
    one (no ROI), and touches: contacts, an information event attended, a consultation."""
    household = HouseholdFactory()
    facebook, radio = channel(db_session, "digital > Facebook"), channel(db_session, "radio")
    campaign = Campaign(name="Winter", start_on=date(2026, 1, 1))
    db_session.add(campaign)
    db_session.flush()
    contact(db_session, household, at(date(2026, 1, 10), 10), channel_id=facebook.id, campaign_id=campaign.id)
    contact(db_session, household, at(date(2026, 2, 5), 20), method=ContactMethod.PHONE)  # after the event
    contact(db_session, household, at(date(2026, 2, 20), 9), method=ContactMethod.PHONE)  # before the consultation
    contact(db_session, household, at(date(2026, 3, 1), 9), channel_id=radio.id)  # the ROI's own day: counts
    # 23:30 UTC on 30 June is 00:30 on 1 July in England.
    contact(db_session, household, datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc), channel_id=radio.id)
    event = InformationEvent(title="Information evening", starts_at=at(date(2026, 2, 5), 18, 30),
                             ends_at=at(date(2026, 2, 5), 20, 30), capacity=20)
    db_session.add_all([
        event,
        EventBooking(event=event, household=household, attendance=Attendance.ATTENDED, attended_on=date(2026, 2, 5)),
        EventBooking(event=InformationEvent(title="Missed", starts_at=at(date(2026, 2, 12), 18),
                                            ends_at=at(date(2026, 2, 12), 20), capacity=20),
                     household=household, attendance=Attendance.DID_NOT_ATTEND),
        Consultation(household=household, method=ConsultationMethod.PHONE, held_on=date(2026, 2, 20)),
    ])
    adoption = ApplicationFactory(household=household, stage=Stage.REGISTRATION_OF_INTEREST,
                                  stage_entered_on=date(2026, 3, 1))
    adoption.events = [StageEvent(kind=EventKind.ENQUIRY, occurred_on=date(2026, 1, 10)),
                       StageEvent(kind=EventKind.REGISTRATION_OF_INTEREST, occurred_on=date(2026, 2, 10),
                                  undone_at=datetime(2026, 2, 11, tzinfo=timezone.utc)),
                       StageEvent(kind=EventKind.REGISTRATION_OF_INTEREST, occurred_on=date(2026, 3, 1))]
    fostering = ApplicationFactory(household=household, service_line_code="fostering_mainstream",
                                   stage_entered_on=date(2026, 1, 10))
    fostering.events = [StageEvent(kind=EventKind.ENQUIRY, occurred_on=date(2026, 1, 10))]
    db_session.flush()
    return {"adoption": adoption, "fostering": fostering, "facebook": facebook.id, "radio": radio.id,
            "event": channel(db_session, "event > information event").id, "campaign": campaign.id}


def shape(journey) -> list[tuple]:
    return [(t.on, t.kind, t.channel_id, t.campaign_id) for t in journey.touches]


def test_a_journey_is_the_households_touches_in_order_up_to_the_outcome(db_session, history):
    found = {j.application_id: j for j in journeys(db_session, "roi")}
    adoption, fostering = found[history["adoption"].id], found[history["fostering"].id]
    feb5, feb20, event = date(2026, 2, 5), date(2026, 2, 20), history["event"]
    assert adoption.outcome_on == date(2026, 3, 1)  # the first ROI still standing: the undone one does not count
    assert shape(adoption) == [(date(2026, 1, 10), "enquiry", history["facebook"], history["campaign"]),
                               (feb5, "event", event, None), (feb5, "enquiry", None, None),
                               (feb20, "enquiry", None, None), (feb20, "consultation", event, None),
                               (date(2026, 3, 1), "enquiry", history["radio"], None)]
    # No ROI: a journey that did not convert, with every touch (the household's touches are shared).
    assert fostering.outcome_on is None and fostering.household_id == adoption.household_id
    assert shape(fostering) == shape(adoption) + [(date(2026, 7, 1), "enquiry", history["radio"], None)]
    assert [j.application_id for j in journeys(db_session, "approval") if j.converted] == []


def test_journeys_as_they_stood_on_a_day(db_session, history):
    """On 28 February the ROI was still to come, and later touches had not happened."""
    found = {j.application_id: j for j in journeys(db_session, "roi", date_to=date(2026, 2, 28))}
    assert found[history["adoption"].id].outcome_on is None
    assert len(found[history["adoption"].id].touches) == 5
    later = {j.application_id for j in journeys(db_session, "roi", date_from=date(2026, 3, 2))}
    assert history["adoption"].id not in later and history["fostering"].id in later


def test_an_unknown_outcome_is_refused(db_session):
    with pytest.raises(ValueError, match="no outcome 'panel'"):
        list(journeys(db_session, "panel"))
