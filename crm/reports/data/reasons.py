"""The reason the reports show and count for an event: a withdrawal's reason name from the managed list (not its
note), any other event's reason text."""
from __future__ import annotations

from sqlalchemy import func

from crm.funnel.models import StageEvent
from crm.funnel.reasons.models import WithdrawalReason

REASON = func.coalesce(WithdrawalReason.name, StageEvent.reason).label("reason")


def with_reason_names(statement):
    """The statement joined to the withdrawal reasons, so that it may select REASON."""
    return statement.outerjoin(WithdrawalReason, WithdrawalReason.id == StageEvent.withdrawal_reason_id)
