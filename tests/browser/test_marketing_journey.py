"""Marketing from end to end, in a real browser: a marketing officer answers "what did the bus-shelter campaign cost per
approved household, and how does that change under each model?" from the dashboard, and can reach no household's
personal data.

The story (committed through the services; financial year 2025-26), every household fictional:
- Campaign "Bus shelters spring" on `outdoor > bus shelter`, 1 April - 31 May 2025: spend April £3,000, May £1,500
  (£4,500, all in the year).
- B1-B6 enquire through the bus shelter, naming the campaign, 8-13 April 2025, and are approved 207 days later
  (October and November 2025). B6 also enquires through `digital > Facebook` 30 days after its bus-shelter contact
  (177 days before its approval).
- R1, R2 enquire by radio in June 2025 and are approved; G1 enquires through `digital > Google Ads` in July 2025 and
  reaches registration of interest only.

The approvals credited to the campaign, worked out by hand: B1-B5 have one touch, the campaign's, so every model gives
it 1 each: 5. B6's two touches (bus shelter, then Facebook) give the campaign:
- first touch 1; last touch 0; linear 1/2; position based 1/2 (two touches: half each);
- time decay 1/3: weights 2^(-207/30) and 2^(-177/30), that is 1/2 : 1 (30 days, one half-life, apart);
- markov 6/7: the chain over every approval journey (start -> S -> conv x5; start -> S -> F -> conv; start -> R ->
  conv x2; start -> G -> null) reaches conversion with p = 8/9. Without the bus shelter (S) it is 2/9, a drop of 6/9;
  without Facebook (F), S's 1/6 to F is lost: 7/9, a drop of 1/9; so B6's touches share it 6 : 1.
Cost per approval = £4,500 / credited: first touch / 6 = £750.00, last touch / 5 = £900.00, linear and position based
/ 5.5 = £818.18, time decay / (16/3) = £843.75, markov / (41/7) = £768.29. Every model credits the campaign from at
least 5 households, so nothing is shown as <5.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import PASSWORD, enter_date, sign_in
from tests.browser.test_reports_journey import read_table, row_named, screenshots

OFFICER_EMAIL, OFFICER_NAME = "marta.marketing@hearth.example", "Marta Marketing"
CASEWORKER_EMAIL, CASEWORKER_NAME = "sol.seeder@hearth.example", "Sol Seeder"
YEAR_FROM, YEAR_TO = "2025-04-01", "2026-03-31"
CAMPAIGN, CAMPAIGN_CODE = "Bus shelters spring", "bus-shelters-spring"
SPEND = {date(2025, 4, 1): 300_000, date(2025, 5, 1): 150_000}  # pence
BUS, FACEBOOK, RADIO, GOOGLE = "outdoor > bus shelter", "digital > Facebook", "radio", "digital > Google Ads"
# name -> (first name, last name, the channel of the first contact, the day of that contact, approved?)
HOUSEHOLDS = {
    **{f"B{n}": (first, "Shelterwick", BUS, date(2025, 4, 7 + n), True)
       for n, first in enumerate(("Arlo", "Briony", "Caspian", "Delphine", "Ezra", "Fenella"), start=1)},
    "R1": ("Gideon", "Wavelength", RADIO, date(2025, 6, 2), True),
    "R2": ("Hester", "Wavelength", RADIO, date(2025, 6, 3), True),
    "G1": ("Ignatius", "Searchwell", GOOGLE, date(2025, 7, 1), False),
}
SECOND_TOUCH_AFTER = timedelta(days=30)  # B6's Facebook contact, after its bus-shelter contact
# days from the first contact to each stage (approval at 207 days)
PATH = (("initial_visit", 14), ("registration_of_interest", 28), ("stage_1", 35), ("stage_1_completed", 90),
        ("stage_2", 97), ("panel", 200), ("approved", 207))
# The campaign's credited approvals under each model, worked out in the module docstring.
CREDITED = {"first_touch": Fraction(6), "last_touch": Fraction(5), "linear": 5 + Fraction(1, 2),
            "time_decay": 5 + Fraction(1, 3), "position_based": 5 + Fraction(1, 2), "markov": 5 + Fraction(6, 7)}
MODEL_HEADINGS = {"first_touch": "First touch", "last_touch": "Last touch", "linear": "Linear",
                  "time_decay": "Time decay", "position_based": "Position based", "markov": "Markov"}


def pounds(amount) -> str:
    return f"£{round(float(amount), 2):,.2f}"


@dataclass(frozen=True)
class Story:
    base_url: str
    app: object
    campaign_id: int
    household_ids: dict[str, int]
    personal: list[str]  # every seeded household's reference, names and email


def at_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=clock.LONDON)


@pytest.fixture
def story(live_server) -> Story:
    """Committed: the marketing officer, the campaign with its spend, the households of the module docstring, and the
    attribution credits as the nightly job computes them (time decay's half-life 30 days)."""
    base_url, app = live_server
    app.config["ATTRIBUTION_HALF_LIFE_DAYS"] = 30.0
    today = clock.today()
    with app.app_context():
        from crm.auth.services import create_user
        from crm.enquiries.models import ContactMethod, EnquiryContact
        from crm.enquiries.services import EnquiryDetails, log_enquiry
        from crm.funnel import services as funnel
        from crm.funnel.stages import Stage
        from crm.marketing.attribution.services import recompute
        from crm.marketing.models import Channel
        from crm.marketing.services import CampaignDetails, create_campaign, set_spend

        officer = create_user(OFFICER_EMAIL, OFFICER_NAME, PASSWORD, [Role.MARKETING_OFFICER])
        caseworker = create_user(CASEWORKER_EMAIL, CASEWORKER_NAME, PASSWORD, [Role.MANAGER])
        channels = {channel.path: channel.id for channel in db.session.scalars(select(Channel))}
        campaign = create_campaign(CampaignDetails(
            name=CAMPAIGN, code=CAMPAIGN_CODE, start_on=date(2025, 4, 1), end_on=date(2025, 5, 31),
            channel_ids=(channels[BUS],), target_audience="Black adopters", service_line_code="adoption"),
            actor=officer)
        for month, pence in SPEND.items():
            set_spend(campaign, month, pence, actor=officer, today=today)

        household_ids, personal = {}, []
        for name, (first, last, path, day, approved) in HOUSEHOLDS.items():
            email = f"{first}.{last}@example.org".lower()
            contact = log_enquiry(EnquiryDetails(
                first_name=first, last_name=last, service_lines=["adoption"], method=ContactMethod.PHONE,
                email=email, channel_id=channels[path], campaign=CAMPAIGN if path == BUS else None,
                received_at=at_ten(day)), actor=caseworker)
            household = contact.household
            if name == "B6":
                log_enquiry(EnquiryDetails(first_name=first, last_name=last, service_lines=["adoption"],
                                           method=ContactMethod.PHONE, channel_id=channels[FACEBOOK],
                                           received_at=at_ten(day + SECOND_TOUCH_AFTER)),
                            actor=caseworker, household=household)
            [application] = household.applications
            for stage, days in PATH if approved else PATH[:2]:
                funnel.advance(application, Stage(stage), day + timedelta(days=days), actor=caseworker)
            household_ids[name] = household.id
            personal += [household.reference, email, f"{first} {last}", last]
        assert {contact.campaign_id for contact in db.session.scalars(
            select(EnquiryContact).where(EnquiryContact.channel_id == channels[BUS]))} == {campaign.id}
        counts = recompute(db.session, today=today)
        assert counts["approval"]["converted"] == 8  # B1-B6, R1, R2
        db.session.commit()
        return Story(base_url, app, campaign.id, household_ids, personal)


@pytest.mark.browser
def test_the_marketing_officer_reads_the_bus_shelter_cost_per_approval_under_each_model(
        story, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url = browser_page, story.base_url
    shots = screenshots(tmp_path)
    seen: dict[str, str] = {}  # every page the officer saw: its HTML

    def keep(name: str) -> None:
        seen[name] = page.content()
        page.screenshot(path=str(shots / f"marketing-{len(seen) - 1}-{name}.png"), full_page=True)  # home is 0

    # The officer opens Marketing from the navigation: the dashboard.
    sign_in(page, base_url, OFFICER_EMAIL, OFFICER_NAME)
    seen["home"] = page.content()
    open_from_navigation(page, "Marketing")
    expect(page).to_have_url(f"{base_url}/marketing/dashboard")
    expect(page.locator("h1")).to_have_text("Marketing dashboard")

    # Chooses the financial year 2025-26, the linear model and approvals as the outcome.
    enter_date(page.get_by_role("group", name="From", exact=True), date.fromisoformat(YEAR_FROM))
    enter_date(page.get_by_role("group", name="To", exact=True), date.fromisoformat(YEAR_TO))
    page.get_by_label("Attribution model", exact=True).select_option(label="Linear")
    page.get_by_label("Outcome", exact=True).select_option(label="Approvals")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(re.escape(
        f"{base_url}/marketing/dashboard?date_from={YEAR_FROM}&date_to={YEAR_TO}&model=linear&outcome=approval")))
    expect(page.locator("#report-period")).to_contain_text(
        "From 1 April 2025 to 31 March 2026; outcomes credited by the linear model")

    # The campaign's cost per approval under each model is one row: the spend over the approvals credited.
    costs = page.get_by_role("table", name="Cost per approval under each model", exact=True)
    bus = row_named(read_table(costs), "Campaign", CAMPAIGN)
    assert bus == {"Campaign": CAMPAIGN, "Spend in the period": "£4,500.00",
                   **{MODEL_HEADINGS[model]: pounds(Fraction(4500) / credited)
                      for model, credited in CREDITED.items()}}, bus
    assert [bus[MODEL_HEADINGS[model]] for model in CREDITED] == [
        "£750.00", "£900.00", "£818.18", "£843.75", "£818.18", "£768.29"]  # the docstring's, as the page shows them
    credits = page.get_by_role("table", name="Approvals credited to each campaign under each model", exact=True)
    credited = row_named(read_table(credits), "Campaign", CAMPAIGN)
    assert {model: credited[heading] for model, heading in MODEL_HEADINGS.items()} == {
        model: f"{float(value):.1f}" for model, value in CREDITED.items()}, credited
    expect(page.get_by_role("img", name=f"{CAMPAIGN}: cost per approval under each model")).to_be_visible()
    campaigns = row_named(read_table(page.get_by_role("table", name="Figures by campaign", exact=True)),
                          "Campaign", CAMPAIGN)
    assert (campaigns["Contacts"], campaigns["Households"], campaigns["Approvals (linear)"],
            campaigns["Cost per approval (linear)"]) == ("6", "6", "5.5", "£818.18"), campaigns
    expect(page.locator("main a[href*='/households']")).to_have_count(0)  # aggregates only: no way to a household
    keep("dashboard")

    # The campaign's own page: the spend by month that the costs divide.
    page.locator(".moj-sub-navigation").get_by_role("link", name="Campaigns").click()
    expect(page).to_have_url(f"{base_url}/marketing/campaigns")
    keep("campaigns")
    page.get_by_role("link", name=CAMPAIGN, exact=True).click()
    expect(page).to_have_url(f"{base_url}/marketing/campaigns/{story.campaign_id}")
    expect(page.locator("h1")).to_contain_text(CAMPAIGN)
    spend = read_table(page.get_by_role("table", name="Spend by month"))
    assert [(row["Month"], row["Spent"]) for row in spend] == [("April 2025", "£3,000.00"), ("May 2025", "£1,500.00")]
    expect(page.locator("#spend-total")).to_have_text("£4,500.00")
    keep("campaign")

    # No household's personal data: a household page and the managers' reports (with their lists of households) are
    # refused, and no seeded name, email or reference reached any page the officer saw.
    refused = [f"{base_url}/households/{story.household_ids['B1']}", f"{base_url}/reports/",
               f"{base_url}/reports/activity/households?date_from={YEAR_FROM}&date_to={YEAR_TO}"
               "&measure=approvals.total"]
    for url in refused:
        response = page.goto(url)
        assert response.status == 403, (url, response.status)
        expect(page.locator("h1")).to_have_text("You do not have permission to see this page")
        expect(page.locator("main")).not_to_contain_text("Shelterwick")
    page.screenshot(path=str(shots / "marketing-4-household-refused.png"), full_page=True)
    assert set(seen) == {"home", "dashboard", "campaigns", "campaign"}
    for name, html in seen.items():
        for detail in story.personal:
            assert detail.lower() not in html.lower(), (name, detail)

    # Chromium logs every error status as a console error: the three refusals are the only ones.
    assert browser_log.console_errors == [
        "Failed to load resource: the server responded with a status of 403 (FORBIDDEN)"] * len(refused), (
        browser_log.console_errors)
    assert browser_log.page_errors == [], f"uncaught script errors: {browser_log.page_errors}"
    assert browser_log.broken_requests == [], browser_log.broken_requests
    assert [(url, status) for url, status in browser_log.responses if status >= 400] == [
        (url, 403) for url in refused]
