"""The nightly retention job (SPEC section 8): anonymise every household due under the retention rules.

Idempotent: an anonymised household is marked (anonymised_at, anonymised_rule) and never due again, so a re-run,
a second scheduler or a run after a crash does nothing twice. Each household is committed on its own, with its
audit entry; the run's audit entry and its job_runs counts say how many went under each rule."""
from __future__ import annotations

from collections import Counter
from datetime import date

from crm.audit.services import CLI_ACTOR, record_event
from crm.dataprotection.anonymise import anonymise_household
from crm.dataprotection.retention import due_query
from crm.extensions import db
from crm.households.models import Household


def retention_nightly(today: date, run_id: int | None = None) -> dict:
    due = db.session.execute(due_query(today)).all()
    by_rule: Counter = Counter()
    for row in due:
        # Read again, locked (PostgreSQL): a hold set since the list was read keeps the household.
        household = db.session.get(Household, row.id, with_for_update=True, populate_existing=True)
        if household.legal_hold or household.anonymised_at is not None:
            db.session.rollback()
            continue
        anonymise_household(household, row.rule)
        db.session.commit()
        by_rule[row.rule] += 1
    counts = {"anonymised": sum(by_rule.values()), **dict(sorted(by_rule.items()))}
    record_event(db.session, "retention_run", actor_label=CLI_ACTOR, object_type="job_run", object_id=run_id,
                 detail={"today": today.isoformat(), **counts})
    db.session.commit()
    return counts
