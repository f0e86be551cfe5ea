"""When a received check lapses, by default: the one home of the renewal periods.

- Enhanced DBS on a fostering application (mainstream, connected persons, and early permanence, whose carers are
  approved as foster carers too): DBS_RENEWAL_YEARS (3) after it was received. Approved foster carers' DBS checks are
  renewed every three years (the fostering national minimum standards' expectation, as the issue states it).
- Adult health assessment, any service line: MEDICAL_RENEWAL_YEARS (2) after received. The SPEC gives no period:
  this is a common agency policy for updating carers' medicals, kept as a setting (HEARTH_MEDICAL_RENEWAL_YEARS).
- Anything else: no expiry unless a worker enters one (identity documents carry the date on the document).
"""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context

from crm.funnel.service_lines import ServiceLineCode

DBS, MEDICAL = "dbs", "health"  # the seeded catalogue's codes
FOSTERING_LINES = (ServiceLineCode.FOSTERING_MAINSTREAM, ServiceLineCode.FOSTERING_CONNECTED,
                   ServiceLineCode.EARLY_PERMANENCE)


def default_expiry(check_code: str, service_line_code: str, received_on: date | None) -> date | None:
    if received_on is None:
        return None
    config = current_app.config if has_app_context() else {"DBS_RENEWAL_YEARS": 3, "MEDICAL_RENEWAL_YEARS": 2}
    if check_code == DBS and service_line_code in FOSTERING_LINES:
        return received_on + relativedelta(years=config["DBS_RENEWAL_YEARS"])
    if check_code == MEDICAL:
        return received_on + relativedelta(years=config["MEDICAL_RENEWAL_YEARS"])
    return None
