"""time_decay: the nearer a touch is to the outcome, the more credit it gets, halving every half-life."""
from __future__ import annotations

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches, normalised

NAME = "time_decay"


def credits(journey: Journey, context: Context) -> list[float]:
    """Each touch weighs 2^(-d / h), d its days before the outcome and h the half-life (ATTRIBUTION_HALF_LIFE_DAYS,
    default 30), the weights scaled to sum to 1 (SPEC section 6: time_decay)."""
    touches = converting_touches(journey)
    if not context.half_life_days > 0:
        raise ValueError("the half-life must be a positive number of days")
    days = [(journey.outcome_on - touch.on).days for touch in touches]
    # Measured from the nearest touch, which weighs 1: the same shares, and no weight underflows to zero.
    nearest = min(days)
    return normalised([2.0 ** (-(d - nearest) / context.half_life_days) for d in days])
