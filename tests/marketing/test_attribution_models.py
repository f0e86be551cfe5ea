"""The six attribution models on journeys built by hand: properties every model must keep (Hypothesis), and each
model's shares worked out by hand."""
from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.marketing.attribution.methods import MODELS, Context, Journey, Touch, markov
from crm.marketing.attribution.methods import position_based, time_decay

OUTCOME = date(2026, 6, 30)
CHANNELS = [None, 1, 2, 3, 4, 5]


def journey(*days_before: int, channels=None, outcome_on: date | None = OUTCOME) -> Journey:
    """Touches the given days before the outcome, oldest first."""
    channels = channels or [1] * len(days_before)
    return Journey(tuple(Touch(OUTCOME - timedelta(days=d), c) for d, c in zip(days_before, channels)), outcome_on)


touches = st.lists(st.tuples(st.integers(0, 3650), st.sampled_from(CHANNELS)), min_size=1, max_size=20)
effects = st.dictionaries(st.sampled_from(CHANNELS), st.floats(0, 1, allow_nan=False), max_size=len(CHANNELS))
half_lives = st.floats(0.5, 3650, allow_nan=False)


def build(drawn) -> Journey:
    days = sorted((d for d, _ in drawn), reverse=True)
    return journey(*days, channels=[c for _, c in drawn])


@settings(max_examples=300, deadline=None)
@given(drawn=touches, removal=effects, half_life=half_lives)
def test_every_model_shares_exactly_one_outcome_among_the_touches(drawn, removal, half_life):
    path = build(drawn)
    context = Context(half_life_days=half_life, removal_effects=removal)
    for name, credits in MODELS.items():
        shares = credits(path, context)
        assert len(shares) == len(path.touches), name
        assert all(share >= 0 for share in shares), name
        assert math.isclose(sum(shares), 1.0, abs_tol=1e-9), name


@settings(max_examples=100, deadline=None)
@given(days=st.integers(0, 3650), channel=st.sampled_from(CHANNELS), removal=effects, half_life=half_lives)
def test_a_single_touch_gets_the_whole_outcome_under_every_model(days, channel, removal, half_life):
    path = journey(days, channels=[channel])
    context = Context(half_life_days=half_life, removal_effects=removal)
    assert {name: credits(path, context) for name, credits in MODELS.items()} == {name: [1.0] for name in MODELS}


@settings(max_examples=100, deadline=None)
@given(paths=st.lists(st.tuples(touches, st.booleans()), min_size=1, max_size=30))
def test_markov_fitted_on_any_journeys_gives_effects_that_sum_to_one_or_to_nothing(paths):
    journeys = [Journey(build(drawn).touches, OUTCOME if converted else None) for drawn, converted in paths]
    fitted = markov.fit(journeys)
    assert all(effect >= 0 for effect in fitted.values())
    on_converting_paths = {t.channel_id for j in journeys if j.converted for t in j.touches}
    assert math.isclose(sum(fitted.values()), 1.0, abs_tol=1e-9) if on_converting_paths else sum(fitted.values()) == 0
    context = Context(removal_effects=fitted)
    for path in (j for j in journeys if j.converted):
        assert math.isclose(sum(markov.credits(path, context)), 1.0, abs_tol=1e-9)


def test_first_and_last_touch():
    path = journey(40, 20, 0, channels=[1, 2, 3])
    assert MODELS["first_touch"](path, Context()) == [1.0, 0.0, 0.0]
    assert MODELS["last_touch"](path, Context()) == [0.0, 0.0, 1.0]
    assert MODELS["linear"](path, Context()) == pytest.approx([1 / 3] * 3)


def test_time_decay_halves_a_touch_for_every_half_life_before_the_outcome():
    """Touches 60, 30 and 0 days before, half-life 30: weights 1/4, 1/2, 1, so shares 1/7, 2/7, 4/7."""
    path = journey(60, 30, 0)
    assert time_decay.credits(path, Context(half_life_days=30)) == pytest.approx([1 / 7, 2 / 7, 4 / 7])
    # Half-life 60: weights 1/2, 1/sqrt(2), 1.
    weights = [0.5, 2 ** -0.5, 1.0]
    assert time_decay.credits(path, Context(half_life_days=60)) == pytest.approx([w / sum(weights) for w in weights])


def test_time_decay_counts_from_the_outcome_not_from_the_last_touch():
    """Touches 40 and 10 days before (half-life 30): 2^(-40/30) : 2^(-10/30) = 1/2 : 1, so 1/3 and 2/3."""
    assert time_decay.credits(journey(40, 10), Context(half_life_days=30)) == pytest.approx([1 / 3, 2 / 3])


def test_time_decay_over_years_still_sums_to_one():
    """Ten years before the outcome with a one-day half-life: 2^-3650 underflows, but the shares do not."""
    assert time_decay.credits(journey(3650, 3649), Context(half_life_days=1)) == pytest.approx([1 / 3, 2 / 3])


def test_time_decay_refuses_a_half_life_that_is_not_positive():
    with pytest.raises(ValueError):
        time_decay.credits(journey(10, 0), Context(half_life_days=0))


@pytest.mark.parametrize(("count", "expected"), [
    (1, [1.0]),
    (2, [0.5, 0.5]),
    (3, [0.4, 0.2, 0.4]),
    (5, [0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4]),
])
def test_position_based_gives_40_percent_to_each_end_and_20_to_the_middle(count, expected):
    path = journey(*range(count, 0, -1))
    assert position_based.credits(path, Context()) == pytest.approx(expected)


def test_a_journey_that_did_not_convert_or_has_no_touches_has_nothing_to_credit():
    for name, credits in MODELS.items():
        with pytest.raises(ValueError):
            credits(journey(10, 0, outcome_on=None), Context())
        with pytest.raises(ValueError):
            credits(Journey((), OUTCOME), Context())


A, B, K = 1, 2, 3
WORKED = [journey(20, 10, channels=[A, B]),           # 1: A -> B -> conversion
          journey(5, channels=[B]),                   # 2: B -> conversion
          journey(30, channels=[A], outcome_on=None),  # 3: A -> null
          journey(30, channels=[K], outcome_on=None)]  # 4: K -> null


def test_markov_removal_effects_of_a_chain_worked_by_hand():
    """Transitions counted from the four journeys:
        start -> A 2/4, start -> B 1/4, start -> K 1/4;  A -> B 1/2, A -> null 1/2;  B -> conversion 2/2;
        K -> null 1/1.
    P(conversion) from each state: B = 1, A = 1/2 * 1 = 1/2, K = 0; from start 1/2*1/2 + 1/4*1 + 1/4*0 = 1/2.
    Remove A (start -> A goes to null): 1/4 * 1 = 1/4, so A's removal effect is 1/2 - 1/4 = 1/4.
    Remove B (A -> B and start -> B go to null): 0, so B's effect is 1/2. Remove K: still 1/2, effect 0.
    Normalised over the channels (1/4 + 1/2 + 0 = 3/4): A 1/3, B 2/3, K 0."""
    assert markov.fit(WORKED) == pytest.approx({A: 1 / 3, B: 2 / 3, K: 0.0})


def test_markov_credits_each_converting_journey_by_its_channels_effects():
    """Journey 1 (A, B): 1/3 : 2/3 of one outcome. Journey 2 (B alone): all of it. K, on no converting path,
    gets nothing, and a journey through an unfitted channel shares equally."""
    context = Context(removal_effects=markov.fit(WORKED))
    assert markov.credits(WORKED[0], context) == pytest.approx([1 / 3, 2 / 3])
    assert markov.credits(WORKED[1], context) == [1.0]
    assert markov.credits(journey(3, 2, channels=[A, A]), context) == pytest.approx([0.5, 0.5])
    assert markov.credits(journey(3, 2, channels=[K, 9]), context) == pytest.approx([0.5, 0.5])


def test_a_channel_never_on_a_converting_path_gets_no_credit_even_with_an_effect():
    """K leads to B (which converts) on a journey that itself does not convert: the first-order chain gives K a
    removal effect, yet K is on no converting journey, so no outcome credits it."""
    journeys = [journey(20, 10, channels=[A, B]), journey(20, 10, channels=[K, B], outcome_on=None),
                journey(5, channels=[B])]
    context = Context(removal_effects=markov.fit(journeys))
    assert context.removal_effects[K] > 0
    total = {A: 0.0, B: 0.0, K: 0.0}
    for path in (j for j in journeys if j.converted):
        for touch, share in zip(path.touches, markov.credits(path, context)):
            total[touch.channel_id] += share
    assert total[K] == 0 and math.isclose(total[A] + total[B], 2.0)


def test_markov_with_nothing_converted_gives_every_channel_no_effect():
    assert markov.fit([journey(3, channels=[A], outcome_on=None)]) == {A: 0.0}
    assert markov.fit([]) == {}
