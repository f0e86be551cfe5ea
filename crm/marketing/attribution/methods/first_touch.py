"""first_touch: the whole outcome to the journey's first touch."""
from __future__ import annotations

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches

NAME = "first_touch"


def credits(journey: Journey, context: Context) -> list[float]:
    """All the credit to the first touch (SPEC section 6: first_touch)."""
    touches = converting_touches(journey)
    return [1.0] + [0.0] * (len(touches) - 1)
