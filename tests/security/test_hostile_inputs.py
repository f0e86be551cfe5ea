"""The outside test's hostile barrage, kept: every field of the API, the public form and the import page, given
values built to break a server (control characters, overlong text, formulas, markup, wrong types, impossible dates,
deep nesting, broken files). No answer is a server error, the API always answers JSON, and a refused request
stores nothing."""
from __future__ import annotations

import collections
import io
import json
import secrets
import uuid
import zipfile

import pytest
from werkzeug.datastructures import MultiDict

from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact
from crm.households.models import Household
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, xlsx_bytes

TEXTS = [
    "", " ", "\x00", "a\x00b", "\x01=HYPERLINK(\"http://evil.example\",\"x\")", "=1+2", "\t=cmd|' /C calc'!A0",
    "+SUM(1)", "@SUM(1)", "'; DROP TABLE households; --", "\" OR 1=1 --", "<script>alert(1)</script>",
    "{{ 7*7 }}", "%s%s%s%n", "../../../etc/passwd", "\u202eevil\u202c", "\ufeffbom", "Zoë O'Brien-Łukasz 😀",
    "\r\n\r\n", "x" * 101, "x" * 201, "x" * 5_000, "é" * 1_000, "null", "0", "-1",
]
NOT_STRINGS = [0, -1, 1.5, True, None, [], {}, ["a"], {"a": 1}, 10 ** 40]
API_FIELDS = ["first_name", "last_name", "email", "phone", "postcode", "channel", "campaign", "referrer", "message",
              "received_at", "idempotency_key", "service_lines", "utm", "second_applicant", "utm.source",
              "utm.medium", "utm.campaign", "second_applicant.first_name", "second_applicant.last_name"]
DATES = ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "9999-12-31T23:59:59Z",
         "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-06-01T25:00:00Z", "2026-06-01", "2026-06-01T10:00:00",
         "2026-06-01T10:00:00+99:00", "yesterday", "1" * 40]
FORM_FIELDS = ["first_name", "last_name", "second_first_name", "second_last_name", "email", "phone", "postcode",
               "service_lines", "message", "heard_about", "consent", "submission_id", "utm_source", "utm_medium",
               "utm_campaign", "referrer", "website"]


def valid_body() -> dict:
    return {"first_name": "Robin", "last_name": "Hostile", "email": "robin@example.org",
            "service_lines": ["adoption"], "utm": {"source": "a", "medium": "b", "campaign": "c"},
            "second_applicant": {"first_name": "Sam", "last_name": "Hostile"}}


def with_value(body: dict, path: str, value) -> dict:
    body = json.loads(json.dumps(body))
    *parents, leaf = path.split(".")
    target = body
    for parent in parents:
        target = target[parent]
    target[leaf] = value
    return body


def api_cases() -> list[tuple[str, dict]]:
    """(what, request keyword arguments) for each hostile API request."""
    cases = []
    for field in API_FIELDS:
        for value in [*TEXTS, *NOT_STRINGS, *(DATES if field == "received_at" else [])]:
            cases.append((f"{field}={value!r:.30}", {"json": with_value(valid_body(), field, value)}))
    raw = {
        "nested brackets": "[" * 5_000 + "]" * 5_000,
        "nested objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
        "truncated JSON": '{"first_name": "Robin", "last_na',
        "a JSON array": json.dumps([valid_body()]),
        "a JSON string": '"enquiry"',
        "nothing": "",
        "NUL bytes": "\x00" * 100,
        "duplicate keys": '{"first_name": "A", "first_name": "\\u0000", "last_name": "B", "email": "a@b.example",'
                          ' "service_lines": ["adoption"]}',
        "a lone surrogate": '{"first_name": "\\ud800", "last_name": "B", "email": "a@b.example",'
                            ' "service_lines": ["adoption"]}',
        "a huge number": '{"first_name": "A", "last_name": "B", "email": "a@b.example", "service_lines": ["adoption"],'
                         ' "campaign": 1e999999}',
        "not UTF-8": b'{"first_name": "\xff\xfe", "last_name": "B"}',
    }
    for what, data in raw.items():
        cases.append((what, {"data": data, "content_type": "application/json"}))
    cases.append(("form-encoded body", {"data": {"first_name": "A"}}))
    cases.append(("text/plain body", {"data": json.dumps(valid_body()), "content_type": "text/plain"}))
    cases.append(("unknown fields", {"json": {**valid_body(), "is_admin": True, "household_id": 1}}))
    for key in ["", "\x00", "k" * 101, "k" * 10_000, "é" * 50]:
        cases.append((f"Idempotency-Key {key!r:.20}", {"json": valid_body(), "headers": {"Idempotency-Key": key}}))
    return cases


def form_cases() -> list[tuple[str, list[tuple[str, str]]]]:
    valid = [("first_name", "Robin"), ("last_name", "Hostile"), ("email", "robin@example.org"),
             ("service_lines", "adoption"), ("consent", "y")]
    cases = []
    for field in FORM_FIELDS:
        for value in TEXTS:
            cases.append((f"{field}={value!r:.30}", [(k, v) for k, v in valid if k != field] + [(field, value)]))
        cases.append((f"{field} repeated", valid + [(field, "one"), (field, "two")]))
    cases.append(("nothing", []))
    cases.append(("a field 200,000 characters long", valid + [("message", "m" * 200_000)]))
    return cases


def import_cases() -> list[tuple[str, str, str, bytes]]:
    """(what, kind, file name, content) for each hostile upload."""
    households = [HOUSEHOLD_HEADER, household_row("H1")]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 50_000_000)
    cells = [
        ("a formula reference", household_row("=1+2")), ("a control-character formula",
                                                         household_row("\x01=HYPERLINK(\"x\")")),
        ("a NUL in a name", household_row("H\x00")), ("year 1", household_row(first="0001-01-01")),
        ("year 9999", household_row(first="9999-12-31")), ("29 February 2027", household_row(first="2027-02-29")),
        ("a 10,000-character cell", household_row(campaign="c" * 10_000)),
        ("an unknown service line", household_row(line="<script>")),
        ("a negative count", household_row(count="-5")), ("a huge count", household_row(count="9" * 40)),
    ]
    cases = [(what, "households", "tracker.csv", csv_bytes([HOUSEHOLD_HEADER, row])) for what, row in cells]
    cases += [
        ("an empty file", "households", "tracker.csv", b""),
        ("only a header", "households", "tracker.csv", csv_bytes([HOUSEHOLD_HEADER])),
        ("binary noise", "households", "tracker.csv", secrets.token_bytes(4_096)),
        ("Latin-1 text", "households", "tracker.csv", "household_ref\nZoë\n".encode("latin-1")),
        ("UTF-16", "households", "tracker.csv", csv_bytes(households).decode().encode("utf-16")),
        ("NUL bytes", "households", "tracker.csv", b"\x00" * 10_000),
        ("a header repeated", "households", "tracker.csv", csv_bytes([HOUSEHOLD_HEADER * 2, household_row() * 2])),
        ("250 columns", "households", "tracker.csv", csv_bytes([[f"c{i}" for i in range(250)]])),
        ("an unclosed quote", "households", "tracker.csv", b'household_ref,service_line\n"H1,adoption\n'),
        ("a CSV named .xlsx", "households", "tracker.xlsx", csv_bytes(households)),
        ("an XLSX named .csv", "households", "tracker.csv", xlsx_bytes(households)),
        ("a zip that is not a workbook", "households", "tracker.xlsx", bomb.getvalue()),
        ("a workbook with formulas", "households", "tracker.xlsx", xlsx_bytes([HOUSEHOLD_HEADER, household_row("=A1")])),
        ("an empty workbook", "households", "tracker.xlsx", xlsx_bytes([])),
        ("an executable's name", "households", "tracker.exe", csv_bytes(households)),
        ("no file name", "households", "", csv_bytes(households)),
        ("an unknown kind", "everything", "tracker.csv", csv_bytes(households)),
        ("milestones of no household", "milestones", "milestones.csv",
         csv_bytes([MILESTONE_HEADER, ["NOPE", "adoption", "stage_1", "2026-01-01", ""]])),
        ("milestones backwards", "milestones", "milestones.csv",
         csv_bytes([MILESTONE_HEADER, ["H1", "adoption", "approved", "0001-01-01", "\x00"]])),
        ("an unknown event", "milestones", "milestones.csv",
         csv_bytes([MILESTONE_HEADER, ["H1", "adoption", "DROP TABLE", "2026-01-01", ""]])),
    ]
    return cases


API_CASES, FORM_CASES, IMPORT_CASES = api_cases(), form_cases(), import_cases()


def test_no_hostile_api_request_is_a_server_error_and_every_answer_is_json(client, db_session, api_token):
    assert len(API_CASES) > 500
    failures, statuses = [], collections.Counter()
    for what, request in API_CASES:
        headers = {"Authorization": f"Bearer {api_token}", "Idempotency-Key": str(uuid.uuid4()),
                   **request.get("headers", {})}
        before = count(db_session, EnquiryContact)
        response = client.post("/api/v1/enquiries", **{**request, "headers": headers})
        stored = count(db_session, EnquiryContact) - before
        statuses[response.status_code] += 1
        if response.status_code >= 500 or not response.is_json:
            failures.append(f"{what}: {response.status_code} {response.content_type}")
        elif response.status_code >= 400 and stored:
            failures.append(f"{what}: refused with {response.status_code} but {stored} stored")
        elif response.status_code == 201 and stored != 1:
            failures.append(f"{what}: accepted but {stored} stored")
    assert not failures, "\n".join(failures)
    # The barrage reached the checks: most refused field by field, harmless oddities (an apostrophe, an emoji) stored.
    assert set(statuses) <= {201, 400, 413, 415, 422} and statuses[422] > 400 and statuses[201] > 50, statuses


def test_no_hostile_public_form_post_is_a_server_error_and_a_refusal_stores_nothing(client, db_session):
    failures, statuses = [], collections.Counter()
    for what, fields in FORM_CASES:
        token = csrf_token(client.get("/enquire").get_data(as_text=True))
        before = count(db_session, EnquiryContact)
        response = client.post("/enquire", data=MultiDict([*fields, ("csrf_token", token)]))
        stored = count(db_session, EnquiryContact) - before
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{what}: {response.status_code}")
        elif response.status_code == 400 and (stored or "There is a problem" not in response.get_data(as_text=True)):
            failures.append(f"{what}: refused without a message, or with {stored} stored")
    assert not failures, "\n".join(failures)
    assert set(statuses) <= {302, 400} and statuses[400] > 100 and statuses[302] > 50, statuses


def test_no_hostile_upload_is_a_server_error_and_a_refused_file_imports_nothing(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    failures, refused = [], 0
    for what, kind, filename, content in IMPORT_CASES:
        for dry_run in (True, False):
            token = csrf_token(client.get("/imports").get_data(as_text=True))
            data = {"kind": kind, "csrf_token": token, "upload": (io.BytesIO(content), filename)}
            if dry_run:
                data["dry_run"] = "y"
            before = count(db_session, Household)
            response = client.post("/imports", data=data, content_type="multipart/form-data")
            stored = count(db_session, Household) - before
            refused += "There is a problem" in response.get_data(as_text=True)
            if response.status_code >= 500:
                failures.append(f"{what}: {response.status_code}")
            elif stored and (dry_run or "The file was imported." not in response.get_data(as_text=True)):
                failures.append(f"{what}: {stored} households stored by a {'dry run' if dry_run else 'refusal'}")
    assert not failures, "\n".join(failures)
    assert refused >= 2 * len(IMPORT_CASES) - 4, refused  # nearly every file is refused with a message


def test_the_barrage_is_as_large_as_the_outside_tests():
    """The outside test sent 983 hostile API requests; this barrage sends more, to all three ways in."""
    assert len(API_CASES) + len(FORM_CASES) + 2 * len(IMPORT_CASES) >= 983
