"""Allocation: which worker and team each household's open applications are with, and every hand-over."""
