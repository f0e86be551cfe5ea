"""The reference form under the hostile barrage of tests/security (no 500, a refusal stores nothing), and the new
routes' rules in the one access policy (tests/auth/test_access_matrix.py walks them for every role)."""
from __future__ import annotations

import collections

import pytest
from werkzeug.datastructures import MultiDict

from crm.auth.policy import APPLICANT, PUBLIC, access_rule
from crm.auth.roles import Role
from crm.checks.services import CHECK_ROLES
from crm.references import links, services
from crm.references.models import Reference
from tests.conftest import csrf_token
from tests.helpers import count
from tests.references.conftest import ANSWERS, check_of, details, requested, token_in
from tests.security.test_hostile_inputs import TEXTS

FIELDS = ["years_known", "how_known", "with_children", "home", "relationships", "has_concerns", "concerns",
          "willing_to_be_contacted", "declaration"]


def test_no_hostile_reference_is_a_server_error_and_a_refusal_stores_nothing(client, db_session, services_as,
                                                                             application, worker, mail_to):
    services_as(lambda: links.send_link(services.name_referee(
        requested(check_of(db_session, application, "employer_reference", "Ann"), worker), details(),
        actor=worker), actor=worker))
    url = f"/reference/{token_in(mail_to.bodies[0])}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    failures, statuses = [], collections.Counter()
    for field in FIELDS:
        for value in [*TEXTS, None]:
            fields = [(name, v) for name, v in ANSWERS.items() if name != field]
            fields += [] if value is None else [(field, value)]
            attempt = db_session.connection().begin_nested()  # each case on the same fresh link
            response = client.post(url, data=MultiDict([*fields, ("csrf_token", token)]))
            stored = count(db_session, Reference)
            attempt.rollback()
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{field}={value!r}: {response.status_code}")
            elif response.status_code == 400 and (stored or "There is a problem"
                                                  not in response.get_data(as_text=True)):
                failures.append(f"{field}={value!r}: refused without a message, or with {stored} stored")
    assert not failures, "\n".join(failures)
    assert set(statuses) <= {200, 400} and statuses[400] > 100 and statuses[200] > 20, statuses


ENDPOINTS = {
    "references.new": CHECK_ROLES, "references.edit": CHECK_ROLES, "references.send": CHECK_ROLES,
    "references.resend": CHECK_ROLES, "references.revoke": CHECK_ROLES, "references.remove": CHECK_ROLES,
    "references.give": PUBLIC, "referees_portal.referees": APPLICANT, "referees_portal.new": APPLICANT,
    "referees_portal.edit": APPLICANT, "referees_portal.remove": APPLICANT,
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_each_new_route_declares_who_may_use_it(app, endpoint):
    rule = access_rule(app, endpoint)
    assert rule == ENDPOINTS[endpoint]
    assert Role.MARKETING_OFFICER not in (rule if isinstance(rule, frozenset) else ())  # never a name to marketing
