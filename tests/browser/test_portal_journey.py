"""Issue 18's "Done when" journey in a real browser: a worker invites an applicant at Stage 1 (ROI accepted); the
applicant signs in, fills in their details, consents, names referees and uploads documents; the employer referee
opens their link and submits; the worker sees the check received with the answers and the escalation cleared; the
applicant sees the task done. Another household's applicant gets 404 for the first applicant's URLs.

Every email goes over SMTP to a real aiosmtpd server; the links are read from the messages that arrive."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from crm.funnel.stages import Stage
from tests.browser.conftest import BrowserLog
from tests.browser.test_check_escalation_journey import open_escalations, run_escalation_job, sign_out
from tests.browser.test_funnel_journey import PASSWORD, enter_date, sign_in
from tests.jobs.conftest import smtp_server  # noqa: F401 (fixture: a real aiosmtpd server)

TODAY = date(2026, 11, 25)  # a Wednesday: the journey never depends on the real date
WORKER_EMAIL, WORKER_NAME = "pat.portal@hearth.example", "Pat Portal"
MANAGER_EMAIL, MANAGER_NAME = "max.manager@hearth.example", "Max Manager"
TEAM_NAME = "South adoption team"
REFERENCE, OTHER_REFERENCE = "HJ000818", "HJ000819"
APPLICANT = ("Alex", "Applicant")
APPLICANT_EMAIL = "alex.applicant@example.org"
APPLICANT_BORN = date(1986, 4, 12)
APPLICANT_PASSWORD = "lantern meadow biscuit"
OTHER_EMAIL, OTHER_PASSWORD = "bo.other@example.org", "pebble harbour violin"
EMPLOYER_CHECK = "employer_reference"
REQUESTED_DAYS_AGO = 45  # an employer reference is due 28 days after the request: 17 days overdue
PERSONAL_REFEREES = [  # (name, email, relationship, family?)
    ("Fran Friend", "fran.friend@example.org", "Friend", False),
    ("Nat Neighbour", "nat.neighbour@example.org", "Neighbour", False),
    ("Sid Sister", "sid.sister@example.org", "Sister", True),
]
EMPLOYER_REFEREE = ("Erin Employer", "erin.employer@example.org", "Manager at work")
REFERENCE_TEXT = {
    "How do you know them?": "I have managed Alex at the library for six years.",
    "What have you seen of them with children?": "Alex runs our Saturday reading club for children, kindly.",
    "What is their home like?": "I have visited once: warm, tidy and calm.",
    "What are their relationships like?": "Steady and supportive; Alex copes well under pressure.",
}


@dataclass(frozen=True)
class Journey:
    base_url: str
    app: object
    mailbox: object
    household_id: int
    applicant_id: int
    check_id: int  # the applicant's employer reference check
    worker_id: int
    manager_id: int
    steps: dict[str, set[int]]  # the check's open escalations after the job: step -> recipients


def pdf_bytes(text: str) -> bytes:
    """A small, well-formed one-page PDF (a real cross-reference table) showing `text`."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def mailing_server(live_server, smtp_server, monkeypatch):  # noqa: F811
    """The live server's app sending its email to the aiosmtpd server; yields (live_server, mailbox)."""
    controller, mailbox = smtp_server
    monkeypatch.setitem(live_server.app.config, "SMTP_HOST", controller.hostname)
    monkeypatch.setitem(live_server.app.config, "SMTP_PORT", controller.port)
    return live_server, mailbox


def stage_one_household(worker, reference: str, person: tuple[str, str], **details):
    """A household of one applicant, its adoption application advanced to Stage 1 by the funnel's services (so its
    checks start), as of TODAY."""
    from crm.funnel import services as funnel
    from crm.households.models import Household, Person, PersonRole

    household = Household(reference=reference, first_enquiry_on=TODAY - timedelta(days=120),
                          allocated_worker=worker, team_id=worker.team_id)
    applicant = Person(role=PersonRole.APPLICANT, first_name=person[0], last_name=person[1], **details)
    household.people.append(applicant)
    db.session.add(household)
    db.session.flush()
    application = funnel.open_application(household, "adoption", TODAY - timedelta(days=120), actor=worker)
    funnel.advance(application, Stage.INITIAL_VISIT, TODAY - timedelta(days=110), actor=worker)
    funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, TODAY - timedelta(days=100), actor=worker)
    funnel.advance(application, Stage.STAGE_1, TODAY - timedelta(days=90), actor=worker)
    return household, applicant, application


@pytest.fixture
def journey(mailing_server, travel) -> Journey:
    """Committed: a team of a stage-one worker and a manager; the worker's household of one employed applicant (with
    an email), its adoption application in Stage 1 with the checks the funnel started, the employer reference
    requested 45 days ago; the check escalation job run for today. And another household at Stage 1 whose applicant
    has set their portal password (the stranger of the last step)."""
    (base_url, app), mailbox = mailing_server
    travel(TODAY)
    with app.app_context():
        from crm.auth.models import Team
        from crm.auth.services import create_user
        from crm.checks import services as checks
        from crm.checks.models import CheckInstance, CheckType
        from crm.portal import accounts, invitations

        team = Team(name=TEAM_NAME)
        db.session.add(team)
        db.session.flush()
        worker = create_user(WORKER_EMAIL, WORKER_NAME, PASSWORD, [Role.STAGE_ONE_WORKER], team=team)
        manager = create_user(MANAGER_EMAIL, MANAGER_NAME, PASSWORD, [Role.MANAGER], team=team)
        household, applicant, application = stage_one_household(worker, REFERENCE, APPLICANT, employed=True)
        household.email = APPLICANT_EMAIL
        check = db.session.scalar(select(CheckInstance).join(CheckType).where(
            CheckInstance.application_id == application.id, CheckInstance.person_id == applicant.id,
            CheckType.code == EMPLOYER_CHECK))
        assert check is not None, "an employed applicant's Stage 1 should have started an employer reference"
        checks.request_check(check, TODAY - timedelta(days=REQUESTED_DAYS_AGO), worker, actor=worker)

        other_household, other, _ = stage_one_household(worker, OTHER_REFERENCE, ("Bo", "Other"))
        other_account, token = invitations.invite(other, OTHER_EMAIL, actor=worker)
        accounts.accept_invitation(token, OTHER_PASSWORD)
        db.session.commit()
        ids = household.id, applicant.id, check.id, worker.id, manager.id
        steps = run_escalation_job(check.id)
    return Journey(base_url, app, mailbox, *ids, steps)


def new_page(browser, log: BrowserLog):
    """A page in a fresh browser context (no cookies shared), reporting into the same log as the main page."""
    page = browser.new_context().new_page()
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    page.on("requestfailed", lambda request: log.failed_requests.append(f"{request.url} ({request.failure})"))
    page.on("response", lambda response: log.responses.append((response.url, response.status)))
    return page


def last_email(mailbox, address: str) -> tuple[str, str]:
    """(subject, body) of the last message to `address`."""
    found = [(subject, body) for (rcpts, subject), body in zip(mailbox.messages, mailbox.bodies) if address in rcpts]
    assert found, f"no email to {address}: {mailbox.messages}"
    return found[-1]


def link_in(body: str, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/\S+", body)
    assert match, f"no link to {base_url} in: {body}"
    return match.group(0)


def task_status(page, title: str):
    """The status cell of the task list's row titled `title`."""
    row = page.locator(".govuk-task-list__item").filter(has_text=title)
    return row.locator(".govuk-task-list__status")


def applicant_sign_in(page, base_url: str, email: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/my/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/my/")
    expect(page.locator("h1")).to_have_text("Your application")


def name_referee(page, check_label: str, name: str, email: str, relationship: str, family: bool) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name=f"Add a referee for {check_label}").click()
    expect(page.locator("h1")).to_have_text("Name a referee")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("How do they know you?").fill(relationship)
    page.get_by_role("group", name="Are they a member of your family?").get_by_label(
        "Yes" if family else "No", exact=True).check()
    page.get_by_role("button", name="Save referee").click()
    expect(page.locator(".govuk-error-summary"), page.locator("main").inner_text()).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Your referees")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Referee saved: {name}.")


def upload(page, kind: str, path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("group", name="What is the document?").get_by_label(kind, exact=True).check()
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Upload document").click()
    expect(page.locator("h1")).to_have_text("Your documents")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(path.name)


@pytest.mark.browser
def test_applicant_and_referee_do_their_part_and_the_overdue_reference_clears(
        journey, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url, mailbox = browser_page, journey.base_url, journey.mailbox
    browser = page.context.browser
    check_label = f"Employer reference for {' '.join(APPLICANT)}"
    # The overdue employer reference raised the owner's reminder and the team manager's escalation.
    assert journey.steps == {"owner": {journey.worker_id}, "team_manager": {journey.manager_id}}

    # 2. The worker invites the applicant from the household page; the invitation arrives by email.
    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)
    page.goto(f"{base_url}/households/{journey.household_id}")
    portal = page.locator("#applicant-portal")
    expect(portal).to_contain_text("Not invited")
    portal.get_by_role("link", name=f"Invite to the applicant portal ({' '.join(APPLICANT)})").click()
    expect(page.locator("h1")).to_have_text(f"Invite to the applicant portal: {' '.join(APPLICANT)}")
    expect(page.get_by_label("Their email address")).to_have_value(APPLICANT_EMAIL)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("h1")).to_contain_text("Invitation sent")
    page.screenshot(path=str(tmp_path / "1-worker-invited.png"), full_page=True)
    subject, body = last_email(mailbox, APPLICANT_EMAIL)
    assert subject.endswith(": your application online")
    invitation = link_in(body, base_url)
    assert invitation.startswith(f"{base_url}/my/invitation/")

    # 3. The applicant, in a browser of their own, sets a password and signs in.
    applicant = new_page(browser, browser_log)
    applicant.goto(invitation)
    expect(applicant.locator("h1")).to_have_text("Set your password")
    expect(applicant.locator("main")).to_contain_text(APPLICANT_EMAIL)
    applicant.get_by_role("textbox", name="Choose a password").fill(APPLICANT_PASSWORD)
    applicant.get_by_role("textbox", name="Confirm your password").fill(APPLICANT_PASSWORD)
    applicant.get_by_role("button", name="Set password").click()
    expect(applicant).to_have_url(f"{base_url}/my/sign-in")
    expect(applicant.locator(".govuk-notification-banner")).to_contain_text("Your password is set.")
    applicant_sign_in(applicant, base_url, APPLICANT_EMAIL, APPLICANT_PASSWORD)
    main = applicant.locator("main")
    expect(main).to_contain_text("You are in Stage 1: we are doing the checks and taking up references.")
    expect(main).to_contain_text("What happens next:")
    for title, status in [("Your details", "In progress"), ("Consents for checks", "Not yet started"),
                          ("Name your referees", "Not yet started"), ("Upload documents", "Not yet started")]:
        expect(task_status(applicant, title)).to_have_text(status)
    applicant.screenshot(path=str(tmp_path / "2-applicant-tasks.png"), full_page=True)

    # Your details: the date of birth and the circumstances that decide the checks.
    applicant.get_by_role("link", name="Your details").click()
    expect(applicant.locator("h1")).to_have_text("Your details")
    applicant.get_by_role("link", name=f"Change {' '.join(APPLICANT)}'s details").click()
    enter_date(applicant.get_by_role("group", name="Date of birth"), APPLICANT_BORN)
    applicant.get_by_label("Months lived abroad as an adult (optional)").fill("0")
    for question, answer in [("Employed?", "Yes"), ("A significant previous relationship?", "No"),
                             ("Fostered in the last 12 months?", "No")]:
        applicant.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    applicant.get_by_role("button", name="Save details").click()
    expect(applicant).to_have_url(f"{base_url}/my/details")
    expect(applicant.locator(".govuk-notification-banner")).to_contain_text(f"{' '.join(APPLICANT)}'s details are saved")
    expect(applicant.locator("main")).to_contain_text(APPLICANT_BORN.strftime("%-d %B %Y"))
    applicant.get_by_role("link", name="Back to your application").click()
    expect(task_status(applicant, "Your details")).to_have_text("Completed")

    # Consents for checks: DBS, local authority and medical (no overseas: never lived abroad).
    applicant.get_by_role("link", name="Consents for checks").click()
    expect(applicant.locator("h1")).to_have_text("Consents for checks")
    boxes = applicant.locator("input[name=kinds]")
    expect(boxes).to_have_count(3)
    for index in range(3):
        boxes.nth(index).check()
    applicant.get_by_role("button", name="Save my consents").click()
    expect(applicant.locator(".govuk-notification-banner")).to_contain_text("Your consents are saved.")
    expect(applicant.locator("main")).not_to_contain_text("not yet agreed")
    applicant.get_by_role("link", name="Your application").first.click()
    expect(task_status(applicant, "Consents for checks")).to_have_text("Completed")

    # Referees: 3 personal (2 of them not family) and the employer.
    applicant.get_by_role("link", name="Name your referees").click()
    expect(applicant.locator("h1")).to_have_text("Your referees")
    expect(applicant.locator("main")).to_contain_text("Name the employer referee.")
    for name, email, relationship, family in PERSONAL_REFEREES:
        name_referee(applicant, "Personal references (at least 3, 2 non-family), with visits", name, email,
                     relationship, family)
    name_referee(applicant, check_label, *EMPLOYER_REFEREE, False)
    expect(applicant.locator(".govuk-inset-text")).to_have_count(0)  # nothing missing
    applicant.screenshot(path=str(tmp_path / "3-applicant-referees.png"), full_page=True)
    applicant.get_by_role("link", name="Back to your application").click()
    expect(task_status(applicant, "Name your referees")).to_have_text("Completed")

    # Documents: a real PDF for each request (identity; proof of address).
    applicant.goto(f"{base_url}/my/documents")
    expect(applicant.locator("h1")).to_have_text("Your documents")
    passport, bill = tmp_path / "passport.pdf", tmp_path / "council-tax-bill.pdf"
    passport.write_bytes(pdf_bytes("Passport of Alex Applicant"))
    bill.write_bytes(pdf_bytes("Council tax bill, 1 Hearth Lane"))
    upload(applicant, "Identity document", passport)
    upload(applicant, "Proof of address", bill)
    asked = applicant.locator("#documents-asked")
    expect(asked).not_to_contain_text("Not yet uploaded")
    expect(asked.locator(".govuk-summary-list__value")).to_have_text(["Uploaded", "Uploaded"])
    download = applicant.locator("#my-documents").get_by_role("link", name=passport.name)
    document_url = base_url + download.get_attribute("href")
    own = applicant.request.get(document_url)
    assert own.status == 200 and own.body() == passport.read_bytes()
    applicant.screenshot(path=str(tmp_path / "4-applicant-documents.png"), full_page=True)
    applicant.goto(f"{base_url}/my/")
    for title in ("Your details", "Consents for checks", "Name your referees", "Upload documents"):
        expect(task_status(applicant, title)).to_have_text("Completed")
    applicant.goto(f"{base_url}/my/referees")
    edit = applicant.get_by_role("link", name=f"Change {PERSONAL_REFEREES[0][0]}")
    referee_edit_url = base_url + edit.get_attribute("href")

    # 4. The worker sees the referees on the employer reference check and sends the link.
    page.goto(f"{base_url}/households/{journey.household_id}")
    expect(page.locator("#applicant-portal")).to_contain_text(APPLICANT_EMAIL)
    page.get_by_role("link", name="Employer reference", exact=True).click()
    expect(page).to_have_url(f"{base_url}/checks/{journey.check_id}")
    referee_row = page.locator("#referee-list tbody tr").filter(has_text=EMPLOYER_REFEREE[0])
    expect(referee_row).to_contain_text("Not sent")
    referee_row.get_by_role("button", name=f"Send link for {EMPLOYER_REFEREE[0]}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Link sent to {EMPLOYER_REFEREE[0]}: it expires in 30 days.")
    subject, body = last_email(mailbox, EMPLOYER_REFEREE[1])
    assert subject.startswith("Reference request from")
    reference_link = link_in(body, base_url)
    assert reference_link.startswith(f"{base_url}/reference/")

    # The referee, in a browser of their own, gives the structured reference.
    referee = new_page(browser, browser_log)
    referee.goto(reference_link)
    expect(referee.locator("h1")).to_have_text(f"Give a reference for {' '.join(APPLICANT)}")
    referee.get_by_label("How many years have you known them?").fill("6")
    for label, text in REFERENCE_TEXT.items():
        referee.get_by_label(label).fill(text)
    referee.get_by_role("group", name="Do you have any concerns about them caring for children?").get_by_label(
        "No", exact=True).check()
    referee.get_by_role("group", name=re.compile("Are you willing to be visited or telephoned")).get_by_label(
        "Yes", exact=True).check()
    referee.get_by_label("I confirm that what I have written is true").check()
    referee.screenshot(path=str(tmp_path / "5-referee-form.png"), full_page=True)
    referee.get_by_role("button", name="Send reference").click()
    expect(referee.locator("h1")).to_have_text("Reference sent")
    referee.screenshot(path=str(tmp_path / "6-referee-sent.png"), full_page=True)

    # 5. The worker sees the check received today, clear, with the referee's answers.
    page.reload()
    expect(page.locator("h1")).to_contain_text("Employer reference")
    main = page.locator("main")
    expect(main).to_contain_text(TODAY.strftime("%-d %B %Y"))
    expect(main).not_to_contain_text("Not received")
    expect(referee_row).to_contain_text(f"Submitted {TODAY.strftime('%-d %B %Y')}")
    answers = page.locator("#referees dl.govuk-summary-list")
    expect(answers).to_have_count(1)
    for text in REFERENCE_TEXT.values():
        expect(answers).to_contain_text(text)
    page.screenshot(path=str(tmp_path / "7-worker-check-received.png"), full_page=True)
    sign_out(page, base_url)

    # The escalations cleared when the reference arrived; the next run raises nothing again.
    with journey.app.app_context():
        assert open_escalations(journey.check_id) == []
        assert run_escalation_job(journey.check_id) == {}

    # The manager's escalation has gone.
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    page.goto(f"{base_url}/escalations/")
    expect(page.locator("main")).to_contain_text("No open escalations.")
    expect(page.locator("main")).not_to_contain_text(REFERENCE)
    sign_out(page, base_url)

    # The applicant sees their referees task done, the employer's reference received.
    applicant.goto(f"{base_url}/my/")
    expect(task_status(applicant, "Name your referees")).to_have_text("Completed")
    applicant.goto(f"{base_url}/my/referees")
    employer_row = applicant.locator(".govuk-summary-list__row").filter(has_text=EMPLOYER_REFEREE[0])
    expect(employer_row).to_contain_text("Reference received")
    expect(applicant.locator("main")).to_contain_text("Employer reference: received. Thank you.")
    expect(applicant.get_by_role("link", name=f"Add a referee for {check_label}")).to_have_count(0)
    expect(applicant.get_by_role("link", name=f"Change {EMPLOYER_REFEREE[0]}")).to_have_count(0)
    applicant.screenshot(path=str(tmp_path / "8-applicant-done.png"), full_page=True)

    # 6. Another household's applicant gets 404 for the first applicant's document and referee.
    # Its own log: Chromium reports each 404 page in the console, and nothing else may fail.
    stranger_log = BrowserLog()
    stranger = new_page(browser, stranger_log)
    applicant_sign_in(stranger, base_url, OTHER_EMAIL, OTHER_PASSWORD)
    for url in (document_url, referee_edit_url):
        response = stranger.goto(url)
        assert response.status == 404, url
        expect(stranger.locator("main")).not_to_contain_text(PERSONAL_REFEREES[0][0])
        expect(stranger.locator("main")).not_to_contain_text("Passport")
    stranger.screenshot(path=str(tmp_path / "9-stranger-404.png"), full_page=True)
    assert [(url, status) for url, status in stranger_log.responses if status >= 400] == [
        (document_url, 404), (referee_edit_url, 404)]
    assert stranger_log.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"] * 2
    assert stranger_log.page_errors == [] and stranger_log.broken_requests == []

    # What the database holds, read afresh.
    with journey.app.app_context():
        from crm.checks.models import CheckInstance, CheckOutcome
        from crm.documents.models import Document
        from crm.references.models import Referee

        check = db.session.get(CheckInstance, journey.check_id)
        assert (check.received_on, check.outcome) == (TODAY, CheckOutcome.CLEAR)
        referees = db.session.scalars(select(Referee).order_by(Referee.id)).all()
        assert [r.name for r in referees] == [name for name, *_ in PERSONAL_REFEREES] + [EMPLOYER_REFEREE[0]]
        assert [r.reference is not None for r in referees] == [False, False, False, True]
        documents = db.session.scalars(select(Document).where(Document.household_id == journey.household_id)).all()
        assert sorted(d.original_filename for d in documents) == sorted([passport.name, bill.name])

    assert browser_log.console_errors == [], f"console errors (CSP violations among them): {browser_log.console_errors}"
    assert browser_log.page_errors == [], f"uncaught script errors: {browser_log.page_errors}"
    assert browser_log.broken_requests == [], browser_log.broken_requests
    assert [(url, status) for url, status in browser_log.responses if status >= 400] == []
