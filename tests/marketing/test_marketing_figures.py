"""The marketing figures (SPEC section 6) per channel and campaign: golden figures for a small story, worked out by
hand, and the rules under them (spend pro-rated by days, channel shares, suppression of small numbers).

The story (`Story.build`), financial year 2025-26:

- Campaign BUS "Bus shelters, winter": outdoor > bus shelter, 16 January - 14 February 2026; spend January £3,100,
  February £2,800. Campaign RF "Radio and Facebook": radio and digital > Facebook, June 2025; spend June £1,000
  (so £500 to each channel).
- A1-A6 each enquire through the bus shelter, campaign BUS, on 20 January 2026; A1 again on 30 March 2026 (7 contacts,
  6 households). A1-A5 enquire by radio on 20 February 2026. Their ROIs: A1 25 Feb (36 days after the bus-shelter
  contact, 5 after radio), A2 1 Mar (40, 9), A3 5 Mar (44, 13), A4 10 Mar (49, 18), A5 15 Mar (54, 23), A6 20 Mar
  (59). Approved 31 March 2026.
- D1-D3 enquire through Facebook, campaign RF, 10 June 2025; D4-D8 through Google Ads, 1 September 2025; W1-W2 by
  word of mouth, 1 November 2025.

Credits, as the nightly job stores them (the same for ROI and approval; the models' arithmetic is tested with the
models): A1-A5's two touches (bus shelter, then radio) get first_touch 1/0, last_touch 0/1, linear .5/.5, time_decay
.4/.6, position_based .5/.5, markov .7/.3; A6's one touch (bus shelter) gets 1 under every model.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from crm import clock
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import AttributionCredit, Campaign, CampaignSpend, MarketingMetric
from crm.marketing.suppression import Groups, hidden
from crm.reports.base import Split
from crm.reports.marketing import lines as marketing_lines, report as marketing
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.marketing.conftest import channel
from tests.reports.histories import journey, lead_in

YEAR = (date(2025, 4, 1), date(2026, 3, 31))
SHARES = {"first_touch": (1, 0), "last_touch": (0, 1), "linear": (.5, .5), "time_decay": (.4, .6),
          "position_based": (.5, .5), "markov": (.7, .3)}
ROIS = [date(2026, 2, 25), date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 10), date(2026, 3, 15),
        date(2026, 3, 20)]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


class Story:
    """The households, campaigns and credits of the module docstring."""

    def __init__(self, db_session):
        self.session = db_session
        self.manager = UserFactory(roles=[Role.MANAGER])
        self.channel = {path: channel(db_session, path).id for path in (
            "outdoor > bus shelter", "radio", "digital > Facebook", "digital > Google Ads", "word of mouth")}
        self.households = {}

    def build(self) -> Story:
        self.bus = self.campaign("Bus shelters, winter", date(2026, 1, 16), date(2026, 2, 14),
                                 ["outdoor > bus shelter"], {date(2026, 1, 1): 310_000, date(2026, 2, 1): 280_000})
        self.rf = self.campaign("Radio and Facebook", date(2025, 6, 1), date(2025, 6, 30),
                                ["radio", "digital > Facebook"], {date(2025, 6, 1): 100_000})
        for number, roi in enumerate(ROIS, start=1):
            self.bus_household(f"A{number}", roi, radio=number <= 5)
        self.contact(self.households["A1"], utc(2026, 3, 30, 9), "outdoor > bus shelter", self.bus)
        others = [*[(f"D{n}", "digital > Facebook", utc(2025, 6, 10, 9), self.rf) for n in (1, 2, 3)],
                  *[(f"D{n}", "digital > Google Ads", utc(2025, 9, 1, 9), None) for n in range(4, 9)],
                  *[(f"W{n}", "word of mouth", utc(2025, 11, 1, 9), None) for n in (1, 2)]]
        for name, path, at, campaign in others:
            self.contact(self.household(name), at, path, campaign)
        self.session.flush()
        return self

    def household(self, name: str):
        household = HouseholdFactory(first_enquiry_on=date(2025, 6, 1))
        PersonFactory(household=household)
        self.households[name] = household
        return household

    def campaign(self, name, start, end, paths, spend) -> Campaign:
        campaign = Campaign(name=name, start_on=start, end_on=end)
        campaign.channels = [channel(self.session, path) for path in paths]
        self.session.add(campaign)
        self.session.flush()
        self.session.add_all(CampaignSpend(campaign_id=campaign.id, month=month, amount_pence=pence)
                             for month, pence in spend.items())
        return campaign

    def contact(self, household, at: datetime, path: str | None, campaign: Campaign | None = None):
        self.session.add(EnquiryContact(household_id=household.id, received_at=at, method=ContactMethod.PHONE,
                                        channel_id=self.channel[path] if path else None,
                                        campaign_id=campaign.id if campaign else None))

    def bus_household(self, name: str, roi: date, *, radio: bool) -> None:
        household = self.household(name)
        self.contact(household, utc(2026, 1, 20, 10), "outdoor > bus shelter", self.bus)
        touches = [(date(2026, 1, 20), "outdoor > bus shelter", self.bus)]
        if radio:
            self.contact(household, utc(2026, 2, 20, 10), "radio")
            touches.append((date(2026, 2, 20), "radio", None))
        application = journey(self.manager, *lead_in(roi), household=household)
        for outcome, on in (("roi", roi), ("approval", date(2026, 3, 31))):
            self.credit(application, outcome, on, touches)

    def credit(self, application, outcome: str, on: date, touches) -> None:
        for model, shares in SHARES.items():
            shares = shares if len(touches) == 2 else (1,)
            for position, ((touched_on, path, campaign), share) in enumerate(zip(touches, shares)):
                if share:
                    self.session.add(AttributionCredit(
                        model=model, outcome=outcome, application_id=application.id,
                        household_id=application.household_id, outcome_on=on, position=position, touched_on=touched_on,
                        channel_id=self.channel[path], campaign_id=campaign.id if campaign else None, credit=share,
                        computed_at=clock.now()))


def report(first=YEAR[0], last=YEAR[1], model="last_touch", outcome="approval", today=date(2026, 11, 23)):
    return marketing.compute(marketing.MarketingParams(first, last, model=model, outcome=outcome), today=today)


def row(report_, table: str, label: str) -> dict:
    frame = report_.tables[table]
    key = "channel" if "channel" in frame.columns else "campaign"
    return frame[frame[key] == label].to_dict("records")[0]


@pytest.fixture
def story(app_context, db_session):
    return Story(db_session).build()


def test_channel_figures_under_linear(story):
    shown = report(model="linear")
    assert row(shown, "channels", "outdoor") == {
        "channel": "outdoor", "level": 1, "contacts": 7, "households": 6,
        "rois": 3.5, "approvals": 3.5,  # A1-A5 half each, A6 whole
        "rois_last_touch": "<5", "approvals_last_touch": "<5",  # A6 alone: 1 household
        "conversion_to_roi": 0.583, "conversion_to_approval": 0.583,  # 3.5 / 6 households
        "spend": 5900.0, "cost_per_enquiry": 842.86,  # £5,900 / 7 contacts
        "cost_per_roi": 1685.71, "cost_per_approval": 1685.71,  # £5,900 / 3.5
        "median_days_to_roi": 46.5}  # 36 40 44 | 49 54 59
    radio = row(shown, "channels", "radio")
    assert (radio["rois"], radio["approvals"], radio["spend"], radio["cost_per_approval"]) == (2.5, 2.5, 500.0, 200.0)
    assert radio["median_days_to_roi"] == 13.0  # 5 9 13 18 23 days from the radio contact
    # last touch gives radio all of A1-A5 (5 households): hidden all the same, so outdoor's "<5" (A6) cannot be
    # worked out from the total of the outcomes
    assert radio["approvals_last_touch"] == "<5"


def test_sub_channels_and_secondary_suppression_of_contacts(story):
    shown = report()
    digital = row(shown, "channels", "digital")
    assert (digital["contacts"], digital["households"], digital["spend"], digital["cost_per_enquiry"]) == (
        8, 8, 500.0, 62.5)  # RF's £1,000 shared between radio and Facebook
    facebook = row(shown, "channels", "digital > Facebook")  # 3 households
    assert (facebook["contacts"], facebook["households"], facebook["cost_per_enquiry"], facebook["spend"]) == (
        "<5", "<5", "<5", 500.0)
    google = row(shown, "channels", "digital > Google Ads")  # 5 households, hidden so Facebook's 3 = 8 - 5 cannot be
    assert (google["contacts"], google["households"], google["cost_per_enquiry"]) == ("<5", "<5", None)  # no spend
    assert row(shown, "channels", "digital > Instagram")["contacts"] == 0  # a zero names nobody
    # top level: word of mouth (2) is hidden, and radio (5, the smallest other) with it; outdoor stays
    assert row(shown, "channels", "word of mouth")["households"] == "<5"
    assert row(shown, "channels", "radio")["contacts"] == "<5"
    assert row(shown, "channels", "outdoor")["contacts"] == 7
    assert row(shown, "channels", "outdoor > bus shelter")["contacts"] == 7
    assert row(shown, "channels", marketing.NO_CHANNEL_LABEL)["contacts"] == 0


def test_campaign_figures_and_cost_per_approval_under_each_model(story):
    shown = report()
    bus = row(shown, "campaigns", "Bus shelters, winter")
    assert (bus["contacts"], bus["households"], bus["spend"], bus["cost_per_enquiry"]) == (7, 6, 5900.0, 842.86)
    assert (bus["approvals"], bus["cost_per_approval"], bus["median_days_to_roi"]) == ("<5", "<5", 46.5)
    assert bus["channels"] == "outdoor > bus shelter"
    costs = row(shown, "campaign_cost_by_model", "Bus shelters, winter")
    assert {model: costs[model] for model in SHARES} == {
        "first_touch": 983.33, "last_touch": "<5", "linear": 1685.71, "time_decay": 1966.67,
        "position_based": 1685.71, "markov": 1311.11}  # £5,900 / 6, 1 (A6 alone), 3.5, 3, 3.5, 4.5
    credits = row(shown, "campaign_credits_by_model", "Bus shelters, winter")
    assert {model: credits[model] for model in SHARES} == {
        "first_touch": 6.0, "last_touch": "<5", "linear": 3.5, "time_decay": 3.0, "position_based": 3.5,
        "markov": 4.5}
    rf = row(shown, "campaigns", "Radio and Facebook")  # D1-D3: 3 households
    assert (rf["contacts"], rf["spend"], rf["approvals"], rf["cost_per_approval"]) == ("<5", 1000.0, 0.0, None)


def test_the_models_side_by_side_for_the_chosen_outcome(story):
    by_model = report(outcome="roi").tables["channel_credits_by_model"]
    radio = by_model[by_model["channel"] == "radio"].iloc[0]
    outdoor = by_model[by_model["channel"] == "outdoor"].iloc[0]
    # radio 5 households except first touch (none); outdoor 6, except last touch (A6 alone, and then radio hidden)
    assert [radio[m] for m in SHARES] == [0.0, "<5", 2.5, 3.0, 2.5, 1.5]
    assert [outdoor[m] for m in SHARES] == [6.0, "<5", 3.5, 3.0, 3.5, 4.5]
    assert report(first=date(2026, 4, 1), last=date(2026, 4, 30), outcome="roi").tables[
        "channel_credits_by_model"]["markov"].eq(0).all()  # no outcome in April 2026


def test_spend_across_months_is_pro_rated_by_days_in_a_period_that_cuts_them(story):
    """16 January - 14 February 2026: 16/31 of January's £3,100 and 14/28 of February's £2,800."""
    spend = marketing_lines.spend(date(2026, 1, 16), date(2026, 2, 14))
    assert spend.groupby("campaign_id")["amount"].sum().to_dict() == pytest.approx({story.bus.id: 3000.0})
    shown = report(date(2026, 1, 16), date(2026, 2, 14))
    bus = row(shown, "campaigns", "Bus shelters, winter")
    assert (bus["contacts"], bus["spend"], bus["cost_per_enquiry"]) == (6, 3000.0, 500.0)  # A1's March contact is out
    assert row(shown, "channels", "outdoor > bus shelter")["spend"] == 3000.0
    one_day = marketing_lines.spend(date(2026, 2, 28), date(2026, 2, 28))
    assert one_day["amount"].sum() == pytest.approx(100.0)  # 1/28 of £2,800


def test_a_period_shows_the_campaigns_that_ran_in_it(story):
    names = list(report(date(2025, 6, 15), date(2025, 7, 31)).tables["campaigns"]["campaign"])
    assert names == ["Radio and Facebook"]
    assert list(report().tables["campaigns"]["campaign"]) == ["Radio and Facebook", "Bus shelters, winter"]


def test_monthly_figures_one_row_per_month(app_context, db_session):
    db_session.add_all([MarketingMetric(month=date(2025, 4, 1), metric="website_visits", platform="", value=1200),
                        MarketingMetric(month=date(2025, 5, 1), metric="website_visits", platform="", value=1500),
                        MarketingMetric(month=date(2025, 5, 1), metric="social_followers", platform="facebook",
                                        value=310),
                        MarketingMetric(month=date(2026, 4, 1), metric="website_visits", platform="", value=9)])
    db_session.flush()
    table = report().tables["monthly_metrics"]
    assert table.columns.tolist() == ["month", "social_followers: facebook", "website_visits"]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        ["2025-04", None, 1200], ["2025-05", 310, 1500]]


def test_an_empty_period_has_every_table_and_no_error(app_context):
    shown = report(date(2020, 1, 1), date(2020, 1, 31))
    assert set(shown.tables) == {"channels", "campaigns", "channel_credits_by_model", "campaign_credits_by_model",
                                 "campaign_cost_by_model", "campaign_lift", "monthly_metrics"}
    assert shown.tables["channels"]["contacts"].eq(0).all() and shown.tables["campaigns"].empty


@pytest.mark.parametrize("households, expected", [
    ({"a": 10, "b": 3, "c": 7, "d": 0}, {"b", "c"}),  # b is small; c, the smallest other non-zero, goes with it
    ({"a": 10, "b": 3, "c": 0}, {"b", "a"}),  # a zero is hidden only when nothing else is left: here a is
    ({"a": 10, "b": 3, "c": 2}, {"b", "c"}),  # two hidden already: nothing more
    ({"a": 10, "b": 0}, set()),  # zeros are shown
])
def test_secondary_suppression_never_leaves_one_hidden_cell_in_a_group(households, expected):
    assert hidden(households, Groups([list(households)])) == expected


def test_a_hidden_channel_hides_one_of_its_sub_channels_too():
    """top (6) is hidden to protect another top-level row; were its one sub-channel (6) shown, top = sub."""
    groups = Groups([["top", "other"]], {"top": ["sub"]})
    assert hidden({"top": 6, "sub": 6, "other": 2}, groups) == {"top", "sub", "other"}


def test_the_params_refuse_an_unknown_model_or_outcome_or_a_split():
    with pytest.raises(ValueError, match="There is no 'magic' attribution model"):
        marketing.MarketingParams(*YEAR, model="magic")
    with pytest.raises(ValueError, match="There is no 'placement' outcome"):
        marketing.MarketingParams(*YEAR, outcome="placement")
    with pytest.raises(ValueError, match="The attribution report is not split"):
        marketing.MarketingParams(*YEAR, by=Split.MONTH)
    default = marketing.MarketingParams(*YEAR)
    assert (default.model, default.outcome) == ("last_touch", "approval")
