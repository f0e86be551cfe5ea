"""Counts over what a user may see, computed once per data version for everyone who shares their scope.

At national scale a count over a team's or an officer's households reads thousands of rows; the 32 users of a team
asked for the same count each. A scope is a shared part and the user's own few households
(crm/households/visibility.py): count(X and visible) = count(X and shared) + count(X and own and not shared), the
first kept per data version under the shared part's key, the second read afresh by index. Exact whenever computed:
the data version moves with every write, and nobody is counted a household they cannot see.
"""
from __future__ import annotations

from sqlalchemy import and_, not_

from crm.households.models import Household
from crm.households.visibility import own_household_ids, scope_of, shared_households
from crm.reports import cache


def shared_and_own(name: str, user, compute, parameters: dict | None = None) -> tuple:
    """`compute(condition)`, `condition` on Household: (the value for the user's shared part, kept per data version
    and `parameters`; the value for their own households outside it, or None when the scope has no own part)."""
    scope = scope_of(user)
    shared_condition = shared_households(scope)
    shared = cache.per_data_version(name, {**scope.key(), **(parameters or {})}, lambda: compute(shared_condition))
    if scope.user_id is None:  # a manager (the shared part is everything), or someone who sees no household
        return shared, None
    return shared, compute(and_(Household.id.in_(own_household_ids(scope)), not_(shared_condition)))
