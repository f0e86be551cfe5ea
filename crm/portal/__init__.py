"""The applicant portal at /my/ (issue 18): applicants take part in their own application."""
