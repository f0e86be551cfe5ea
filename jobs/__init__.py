"""Scheduled jobs (APScheduler 3.x): the JOBS list in scheduler.py and one module per job.

The first jobs (check escalation, timescale alerts, month-end snapshots) arrive with the
statutory-checks work; `crm scheduler` and the in-process scheduler of `make run` with them.
"""
