"""The attribution models side by side (SPEC section 6): each row's credits and costs under every model.

Each row's credited outcomes under every model, and for campaigns what each outcome cost under every model, so
"what did the bus-shelter campaign cost per approved
household, and how does that change under each model?" is one row of one table.
"""
from __future__ import annotations

import pandas as pd

from crm.marketing.attribution.methods import MODELS as MODEL_FUNCTIONS
from crm.reports.marketing import suppressed as suppression
from crm.reports.marketing.measures import credited_outcomes, ratio

MODELS = tuple(MODEL_FUNCTIONS)  # first_touch, last_touch, linear, time_decay, position_based, markov
MODEL_LABELS = {"first_touch": "First touch", "last_touch": "Last touch", "linear": "Linear",
                "time_decay": "Time decay", "position_based": "Position based", "markov": "Markov"}


def by_model(keys: list, credits: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(credited, households): one column per model, one row per key, for the outcome's credits dated in the
    period (see crm.reports.marketing.measures.credited_outcomes)."""
    index = pd.Index(keys, name="row")
    credited, households = pd.DataFrame(index=index), pd.DataFrame(index=index)
    for model in MODELS:
        credited[model], households[model] = credited_outcomes(credits, model, outcome)
    return credited.fillna(0.0), households.fillna(0).astype(int)


def credits_shown(keys: list, credits: pd.DataFrame, outcome: str,
                  groups: suppression.Groups = suppression.NO_GROUPS) -> pd.DataFrame:
    """Outcomes credited to each row under each model, one decimal place; "<5" where based on fewer than 5
    households (with the secondary suppression of `groups` for channels)."""
    credited, households = by_model(keys, credits, outcome)
    masks = {model: suppression.hidden(households[model], groups) for model in MODELS}
    return suppression.apply(credited.round(1), masks, {model: (model,) for model in MODELS})


def costs_shown(keys: list, credits: pd.DataFrame, spend: pd.Series, outcome: str) -> pd.DataFrame:
    """Cost per outcome under each model: the row's spend in the period / the outcomes credited to it under the
    model, to the penny; blank with no spend or no credit, "<5" where the credit is based on fewer than 5
    households. `spend` (pounds, by row) comes first."""
    credited, households = by_model(keys, credits, outcome)
    spent = spend.reindex(credited.index).fillna(0.0)
    costs = pd.DataFrame({model: ratio(spent.where(spent > 0), credited[model]) for model in MODELS}).round(2)
    masks = {model: suppression.hidden(households[model]) for model in MODELS}
    shown = suppression.apply(costs, masks, {model: (model,) for model in MODELS})
    shown.insert(0, "spend", spent.round(2))
    return shown
