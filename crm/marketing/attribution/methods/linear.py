"""linear: the outcome shared equally among the touches."""
from __future__ import annotations

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches, normalised

NAME = "linear"


def credits(journey: Journey, context: Context) -> list[float]:
    """An equal share to every touch (SPEC section 6: linear)."""
    return normalised([1.0] * len(converting_touches(journey)))
