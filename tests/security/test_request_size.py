"""Finding 4: no request is read in full whatever its size. Bodies past MAX_CONTENT_LENGTH (an upload: past the
file limit) are refused with 413 from their Content-Length; nothing is stored."""
from __future__ import annotations

import io

from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact
from crm.transfer.forms import MAX_UPLOAD_BYTES
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count

MIB = 1024 * 1024


class Endless(io.RawIOBase):
    """A body that would take forever to read: the refusal must come from the Content-Length alone."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return 0

    def readinto(self, buffer):
        raise AssertionError("the server read a body it should have refused unread")


def test_an_oversized_public_enquiry_is_refused_unread(client, db_session):
    response = client.post("/enquire", input_stream=Endless(), content_type="application/x-www-form-urlencoded",
                           environ_overrides={"CONTENT_LENGTH": str(1024 * MIB)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert count(db_session, EnquiryContact) == 0


def test_an_oversized_sign_in_is_refused(client, db_session):
    response = client.post("/sign-in", data={"email": "a@b.example", "password": "x" * (2 * MIB)})
    assert response.status_code == 413


def test_an_oversized_api_request_is_answered_in_json(client, db_session):
    response = client.post("/api/v1/enquiries", input_stream=Endless(), content_type="application/json",
                           headers={"Authorization": "Bearer nothing"},
                           environ_overrides={"CONTENT_LENGTH": str(256 * MIB)})
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["errors"][0]["message"]


def test_a_tracker_upload_may_be_larger_than_a_form_but_not_past_its_limit(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    token = csrf_token(client.get("/imports").get_data(as_text=True))
    two_mib = b"household_reference\n" + b"R1\n" * MIB  # bigger than any form, within the upload limit
    response = client.post("/imports", content_type="multipart/form-data",
                           data={"kind": "households", "csrf_token": token, "dry_run": "y",
                                 "upload": (io.BytesIO(two_mib), "tracker.csv")})
    assert response.status_code in (200, 400)  # read and answered (the rows are refused), not cut off
    assert "too large" not in response.get_data(as_text=True)
    response = client.post("/imports", input_stream=Endless(), content_type="multipart/form-data; boundary=x",
                           environ_overrides={"CONTENT_LENGTH": str(MAX_UPLOAD_BYTES + 2 * MIB)})
    assert response.status_code == 413
