"""Yearly targets per report measure (SPEC section 5, Targets): set by managers, reported against actuals."""
