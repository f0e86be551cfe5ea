"""Import and export of the spreadsheet formats of SPEC section 7: households and milestones."""
