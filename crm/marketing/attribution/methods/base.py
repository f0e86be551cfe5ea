"""What every attribution model shares: a journey of touches, the context a model may need, and normalising."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

DEFAULT_HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class Touch:
    """One touchpoint: an enquiry contact, an information-event attendance or a 1:1 consultation."""

    on: date  # the day in England
    channel_id: int | None
    campaign_id: int | None = None
    kind: str = "enquiry"  # enquiry | event | consultation


@dataclass(frozen=True, slots=True)
class Journey:
    """A household's touches in time order, up to the application's outcome (or all of them, if it has none)."""

    touches: tuple[Touch, ...]
    outcome_on: date | None = None  # None: the application has not reached the outcome
    application_id: int | None = None
    household_id: int | None = None

    @property
    def converted(self) -> bool:
        return self.outcome_on is not None


@dataclass(frozen=True)
class Context:
    """What the models beyond the rule-based ones need: the half-life of time_decay, and markov's removal effects
    (per channel id, None for touches with no channel), fitted on every journey."""

    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    removal_effects: Mapping[int | None, float] = field(default_factory=dict)


def normalised(weights: Sequence[float]) -> list[float]:
    """The weights scaled to sum to 1: each non-negative, the sum within a few ulps of 1."""
    if any(weight < 0 or not math.isfinite(weight) for weight in weights):
        raise ValueError("attribution weights must be finite and non-negative")
    total = math.fsum(weights)
    if total <= 0:
        raise ValueError("attribution weights must not all be zero")
    return [weight / total for weight in weights]


def converting_touches(journey: Journey) -> tuple[Touch, ...]:
    """A converting journey's touches: credit is given only for an outcome reached, along a path of touches."""
    if not journey.converted:
        raise ValueError("only a journey that reached its outcome has credit to give")
    if not journey.touches:
        raise ValueError("a journey without touches has nothing to credit")
    return journey.touches
