"""last_touch: the whole outcome to the last touch before it."""
from __future__ import annotations

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches

NAME = "last_touch"


def credits(journey: Journey, context: Context) -> list[float]:
    """All the credit to the last touch on or before the outcome date (SPEC section 6: last_touch)."""
    touches = converting_touches(journey)
    return [0.0] * (len(touches) - 1) + [1.0]
