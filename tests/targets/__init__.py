"""Tests of the yearly targets area."""
