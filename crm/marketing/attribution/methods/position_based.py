"""position_based: 40% to the first touch, 40% to the last, 20% spread over the touches between."""
from __future__ import annotations

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches

NAME = "position_based"
ENDS_SHARE = 0.4


def credits(journey: Journey, context: Context) -> list[float]:
    """40% first, 40% last, 20% shared equally by the middle touches (SPEC section 6: position_based); with two
    touches 50% each (no middle to take the 20%), with one touch all of it."""
    count = len(converting_touches(journey))
    if count == 1:
        return [1.0]
    if count == 2:
        return [0.5, 0.5]
    middle = (1.0 - 2 * ENDS_SHARE) / (count - 2)
    return [ENDS_SHARE] + [middle] * (count - 2) + [ENDS_SHARE]
