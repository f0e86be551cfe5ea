"""The marketing dashboard and its attribution report (SPEC section 6): figures, filter, charts and pages."""
