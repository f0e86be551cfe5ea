"""Reports (SPEC section 5): the metrics layer, the only place pandas is used. One module per report family;
each figure's docstring is its SPEC definition."""
