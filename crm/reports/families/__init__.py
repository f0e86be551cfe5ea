"""The report families, one module per report: each provides crm.reports.base.ReportModule for the registry."""
