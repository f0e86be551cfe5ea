"""Referees and their references: named for an application's reference checks, sent a one-time link, answered."""
