"""Recomputing the stored attribution credits (SPEC section 6): every model's share of every outcome reached.

For each outcome the markov chain is fitted on every journey (converting or not), then each converting journey's
touches are credited by every model, and the outcome's stored credits are replaced: deleted and inserted in the
caller's transaction, so a run is all or nothing and a second run stores the same rows. A touch given no credit
by a model (first_touch's later touches, say) has no row. The caller commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from crm import clock
from crm.audit.services import record_event
from crm.marketing.attribution.methods import MODELS, Context, Journey, markov
from crm.marketing.attribution.methods.base import DEFAULT_HALF_LIFE_DAYS
from crm.marketing.attribution.touchpoints import OUTCOMES, journeys
from crm.marketing.models import AttributionCredit

BATCH = 5000


@dataclass
class Tally:
    """What one outcome's recompute found and stored (recorded in the job run)."""

    converted: int = 0
    without_touches: int = 0  # reached the outcome with no touch recorded before it: nothing to credit
    credits: int = 0
    rows: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"converted": self.converted, "without_touches": self.without_touches, "credits": self.credits}


def half_life_days() -> float:
    """ATTRIBUTION_HALF_LIFE_DAYS (default 30): time_decay halves a touch's weight for every this many days."""
    value = current_app.config.get("ATTRIBUTION_HALF_LIFE_DAYS", DEFAULT_HALF_LIFE_DAYS)
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = 0.0
    if not days > 0:
        raise ValueError(f"ATTRIBUTION_HALF_LIFE_DAYS must be a positive number of days, not {value!r}")
    return days


def recompute(session: Session, *, today: date, actor=None) -> dict[str, dict[str, int]]:
    """Replace every model's stored credits for every outcome reached on or before `today`."""
    half_life, computed_at = half_life_days(), clock.now()
    counts = {}
    for outcome in OUTCOMES:
        context = Context(half_life, markov.fit(journeys(session, outcome, date_to=today)))
        session.execute(delete(AttributionCredit).where(AttributionCredit.outcome == outcome))
        counts[outcome] = _store(session, outcome, journeys(session, outcome, date_to=today), context, computed_at)
    record_event(session, "attribution_recomputed", actor=actor, actor_label=None if actor else "system",
                 detail={"today": today.isoformat(), **counts})
    return counts


def _store(session: Session, outcome: str, paths: Iterable[Journey], context: Context,
           computed_at: datetime) -> dict[str, int]:
    tally = Tally()
    for journey in paths:
        if not journey.converted:
            continue
        tally.converted += 1
        if not journey.touches:
            tally.without_touches += 1
            continue
        tally.rows.extend(credit_rows(journey, outcome, context, computed_at))
        if len(tally.rows) >= BATCH:
            _insert(session, tally)
    _insert(session, tally)
    return tally.counts()


def credit_rows(journey: Journey, outcome: str, context: Context, computed_at: datetime) -> list[dict]:
    """One row per touch and model that the model gives some credit."""
    rows = []
    for model, credits in MODELS.items():
        for position, (touch, credit) in enumerate(zip(journey.touches, credits(journey, context))):
            if credit > 0:
                rows.append({"model": model, "outcome": outcome, "application_id": journey.application_id,
                             "household_id": journey.household_id, "outcome_on": journey.outcome_on,
                             "position": position, "touched_on": touch.on, "channel_id": touch.channel_id,
                             "campaign_id": touch.campaign_id, "credit": credit, "computed_at": computed_at})
    return rows


def _insert(session: Session, tally: Tally) -> None:
    if tally.rows:
        session.execute(insert(AttributionCredit), tally.rows)
        tally.credits += len(tally.rows)
        tally.rows = []
