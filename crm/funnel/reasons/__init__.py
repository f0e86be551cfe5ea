"""Withdrawal reasons: the managed list a withdrawal's reason is chosen from (SPEC section 2)."""
