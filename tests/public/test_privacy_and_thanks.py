"""The public form links a privacy notice, redirects after a POST, and its thank-you page shows only once."""
from __future__ import annotations

from crm.enquiries.models import EnquiryContact
from tests.helpers import count
from tests.public.test_public_form import answers


def test_the_form_links_the_configured_privacy_notice(client, app):
    app.config["PRIVACY_NOTICE_URL"] = "https://agency.example/privacy"
    try:
        html = client.get("/enquire").get_data(as_text=True)
    finally:
        app.config["PRIVACY_NOTICE_URL"] = ""
    assert ('href="https://agency.example/privacy" target="_blank" rel="noreferrer noopener">privacy notice '
            '(opens in new tab)</a>') in html


def test_without_a_configured_notice_it_links_hearths_own(client):
    html = client.get("/enquire").get_data(as_text=True)
    assert 'href="/enquire/privacy"' in html
    notice = client.get("/enquire/privacy")
    assert notice.status_code == 200 and "Privacy notice" in notice.get_data(as_text=True)


def test_a_sent_form_redirects_and_its_thank_you_page_shows_once(client, app, db_session):
    response = client.post("/enquire", data=answers(client.get("/enquire").get_data(as_text=True)))
    assert response.status_code == 302 and response.headers["Location"].endswith("/enquire/thank-you")
    thanks = client.get("/enquire/thank-you")
    assert thanks.status_code == 200 and "will contact you by" in thanks.get_data(as_text=True)
    # Back, refresh or the address typed again: an empty form, not the last enquiry's reply date.
    again = client.get("/enquire/thank-you")
    assert again.status_code == 302 and again.headers["Location"].endswith("/enquire")
    assert count(db_session, EnquiryContact) == 1
    # Another browser never sees it.
    with app.test_client() as stranger:
        assert stranger.get("/enquire/thank-you").status_code == 302


def test_a_form_with_errors_says_so_in_its_title_and_lists_every_error(client, db_session):
    response = client.post("/enquire", data=answers(client.get("/enquire").get_data(as_text=True),
                                                    first_name="", last_name="", email="", phone="", consent=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html
    for message in ("Enter your first name", "Enter your last name",
                    "Enter an email address or a phone number so that we can reply",
                    "Tick the box to agree that we may use your details to reply"):
        assert message in html
    assert count(db_session, EnquiryContact) == 0
