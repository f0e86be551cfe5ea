"""Statutory checks: the catalogue, each person's checks, chasing them, and who may see their outcomes."""
