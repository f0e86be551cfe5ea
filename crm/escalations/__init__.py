"""Escalations raised by the scheduled jobs, their delivery by email, and the record of each job run."""
