"""markov: data-driven credit from a first-order Markov chain over channels, by each channel's removal effect.

The chain is built from every journey, converting or not: a path start -> channel of touch 1 -> ... -> channel of
the last touch -> conversion (the outcome was reached) or null (it was not). Transition probabilities are the
observed shares of each state's outgoing transitions. A channel's removal effect is the drop in the probability
of reaching conversion from start when the channel's state is removed (every transition into it goes to null
instead), the effects normalised to sum to 1 over the channels. Touches with no channel are a state of their own
(channel id None).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from crm.marketing.attribution.methods.base import Context, Journey, converting_touches, normalised

NAME = "markov"
START, CONVERSION, NULL = "start", "conversion", "null"


class TransitionCounts:
    """The chain's transitions counted journey by journey, so every journey need not be held at once."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.channels: set[int | None] = set()

    def add(self, journey: Journey) -> None:
        if not journey.touches:
            return
        states = [START, *(("channel", t.channel_id) for t in journey.touches),
                  CONVERSION if journey.converted else NULL]
        self.counts.update(zip(states, states[1:]))
        self.channels.update(t.channel_id for t in journey.touches)

    def removal_effects(self) -> dict[int | None, float]:
        """Each channel's removal effect, normalised to sum to 1 (all zero when nothing converts)."""
        channels = sorted(self.channels, key=lambda c: (c is not None, c or 0))
        transient = [START, *(("channel", c) for c in channels)]
        index = {state: i for i, state in enumerate(transient)}
        q, r = self._matrices(index)
        base = _p_conversion(q, r)
        drops = {c: max(0.0, base - _p_conversion(_without(q, index[("channel", c)]), r)) for c in channels}
        total = sum(drops.values())
        return {c: (drop / total if total > 0 else 0.0) for c, drop in drops.items()}

    def _matrices(self, index: dict) -> tuple[np.ndarray, np.ndarray]:
        """Q: transient-to-transient probabilities; r: transient-to-conversion probabilities."""
        size = len(index)
        q, r, out = np.zeros((size, size)), np.zeros(size), np.zeros(size)
        for (source, target), count in self.counts.items():
            out[index[source]] += count
            if target == CONVERSION:
                r[index[source]] += count
            elif target != NULL:
                q[index[source], index[target]] += count
        out[out == 0] = 1.0  # a state never left (none: every path ends absorbed) would divide by zero
        return q / out[:, None], r / out


def _without(q: np.ndarray, column: int) -> np.ndarray:
    """The chain with one state removed: transitions into it go to null (they reach neither it nor conversion)."""
    removed = q.copy()
    removed[:, column] = 0.0
    return removed


def _p_conversion(q: np.ndarray, r: np.ndarray) -> float:
    """The probability of absorption in conversion from start: x = (I - Q)^-1 r, read at start (index 0)."""
    return float(np.linalg.solve(np.eye(len(r)) - q, r)[0])


def fit(journeys: Iterable[Journey]) -> dict[int | None, float]:
    """The removal effects of the chain built from these journeys (all of them, converting and not)."""
    counts = TransitionCounts()
    for journey in journeys:
        counts.add(journey)
    return counts.removal_effects()


def credits(journey: Journey, context: Context) -> list[float]:
    """Each touch's share in proportion to its channel's removal effect, scaled so the journey sums to 1 (SPEC
    section 6: markov). If every channel on the journey has no effect (the chain was fitted on other journeys),
    the touches share it equally."""
    effects: Mapping[int | None, float] = context.removal_effects
    weights = [effects.get(touch.channel_id, 0.0) for touch in converting_touches(journey)]
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    return normalised(weights)
