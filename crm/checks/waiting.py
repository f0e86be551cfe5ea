"""Whose turn a statutory check is waiting on: the applicant's, or someone else's (a GP, the DBS, a referee).

A check is requested by the worker and received from whoever answers it; for part of that time it cannot move
until the applicant has done their part. That part is recorded in three places, each a SOURCE below:

- the DBS check's first part, "Applicant completed the online application" (crm/checks/models.CheckPart);
- a consent the applicant gives for the check in the applicant portal (crm/portal), where the check type needs one;
- the referees the applicant names for a reference check (crm/references): their part ends when the last referee
  the check needs has been named.

The applicant's part of a check ends on the latest of the days its sources record; a source that applies but is not
recorded yet means the check is still waiting on the applicant. A check with no source has no applicant's part: all
its time is waiting on others. A check can never wait on the applicant after it was received, nor before it was
requested, so the applicant's days are clipped to the check's own.

Each source is a SQL statement of (check_id, done_on, done_at) rows, restricted to the checks of a statement of check
ids: `done_on` a date, or `done_at` a UTC timestamp whose London date it is, both NULL for "applies, not done yet".
The report reads them all in one more query, whatever the number of checks.

Consents and referees are recorded only where the household uses the portal (or the worker names referees in
Hearth), so they apply to a check only then: a service that never invites applicants sees the DBS part alone.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Date, Select, and_, case, cast, exists, func, null, select, union_all

from crm.checks.models import CheckInstance, CheckPart, CheckType
from crm.db import UTCDateTime

# The DBS check's part that is the applicant's own (migrations' seeded catalogue; crm.checks.catalogue's DBS parts).
APPLICANT_PART = "Applicant completed the online application"


def _no_day():
    return cast(null(), Date).label("done_on")


def _no_time():
    return cast(null(), UTCDateTime).label("done_at")


def _dbs_applicant_part(check_ids: Select) -> Select:
    return select(CheckPart.check_id.label("check_id"), CheckPart.completed_on.label("done_on"), _no_time()).where(
        CheckPart.name == APPLICANT_PART, CheckPart.check_id.in_(check_ids))


def _portal_in_use(application_id):
    """The application's household has an applicant who took up a portal invitation."""
    from crm.households.models import Application
    from crm.portal.models import PortalAccount

    return exists().where(Application.id == application_id, PortalAccount.household_id == Application.household_id,
                          PortalAccount.activated_at.is_not(None))


def _consent(check_ids: Select) -> Select:
    """A person's check that needs their consent, in a household using the portal: the first consent of that kind
    still in force (given, not withdrawn), or not done."""
    from crm.portal.consent_rules import CONSENT_BY_CODE
    from crm.portal.models import PortalConsent

    kind = case(CONSENT_BY_CODE, value=CheckType.code)
    given = (select(func.min(PortalConsent.given_at))
             .where(PortalConsent.person_id == CheckInstance.person_id, PortalConsent.kind == kind,
                    PortalConsent.withdrawn_at.is_(None)).scalar_subquery())
    return (select(CheckInstance.id.label("check_id"), _no_day(), given.label("done_at"))
            .join(CheckType, CheckType.id == CheckInstance.check_type_id)
            .where(CheckInstance.id.in_(check_ids), CheckInstance.person_id.is_not(None),
                   CheckType.code.in_(CONSENT_BY_CODE), _portal_in_use(CheckInstance.application_id)))


def _referees(check_ids: Select) -> Select:
    """A reference check with referees named, or of a household using the portal: done on the day the last of its
    referees was named once they are enough (crm.references.rules: 3 personal, 2 of them not family; one for the
    others), not done before."""
    from crm.references.models import Referee
    from crm.references.rules import KIND_BY_CODE, NON_FAMILY_NEEDED, PERSONAL_NEEDED

    named = (select(Referee.check_id, func.count().label("named"),
                    func.sum(case((Referee.is_family, 0), else_=1)).label("outside"),
                    func.max(Referee.named_at).label("last_named"))
             .where(Referee.check_id.in_(check_ids)).group_by(Referee.check_id).subquery("named"))
    personal = CheckType.code == next(code for code, kind in KIND_BY_CODE.items() if kind == "personal")
    enough = case((personal, and_(named.c.named >= PERSONAL_NEEDED, named.c.outside >= NON_FAMILY_NEEDED)),
                  else_=named.c.named >= 1)
    return (select(CheckInstance.id.label("check_id"), _no_day(),
                   case((enough, named.c.last_named), else_=cast(null(), UTCDateTime)).label("done_at"))
            .join(CheckType, CheckType.id == CheckInstance.check_type_id)
            .outerjoin(named, named.c.check_id == CheckInstance.id)
            .where(CheckInstance.id.in_(check_ids), CheckType.code.in_(KIND_BY_CODE),
                   (named.c.check_id.is_not(None)) | _portal_in_use(CheckInstance.application_id)))


SOURCES: list[Callable[[Select], Select]] = [_dbs_applicant_part, _consent, _referees]


def applicant_parts(check_ids: Select) -> Select:
    """Every source's (check_id, done_on, done_at) rows for the checks `check_ids` selects, in one statement."""
    return union_all(*(source(check_ids) for source in SOURCES))
