"""The attribution models, one module each, every one with the same interface:
`credits(journey, context) -> list[float]`, one share per touch, non-negative and summing to 1."""
from __future__ import annotations

from collections.abc import Callable

from crm.marketing.attribution.methods import (first_touch, last_touch, linear, markov, position_based,
                                               time_decay)
from crm.marketing.attribution.methods.base import Context, Journey, Touch

Credits = Callable[[Journey, Context], list[float]]

# In the order the pages list them (SPEC section 6).
MODELS: dict[str, Credits] = {module.NAME: module.credits for module in (
    first_touch, last_touch, linear, time_decay, position_based, markov)}

__all__ = ["MODELS", "Context", "Credits", "Journey", "Touch"]
