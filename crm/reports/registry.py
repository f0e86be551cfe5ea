"""The reports by name: each a module of crm.reports.families providing crm.reports.base.ReportModule.

Every report module is imported here, so one that does not import, or lacks a function of the interface, stops the
application (and the test suite) instead of quietly dropping out of the pages.
"""
from __future__ import annotations

from crm.reports.base import Report, ReportModule, ReportParams
from crm.reports.families import (activity, asglb, check_waits, conversion, equality, fostering_return, snapshot,
                                  targets, timeliness)
from crm.reports.marketing import report as attribution


def _checked(reports: dict[str, ReportModule]) -> dict[str, ReportModule]:
    for module in reports.values():
        if not isinstance(module, ReportModule):
            raise TypeError(f"{module.__name__} lacks a function or setting of crm.reports.base.ReportModule")
    return reports


# The managers' /reports pages, in the order the Reports page lists them.
REPORTS = _checked({"activity": activity, "timeliness": timeliness, "snapshot": snapshot, "conversion": conversion,
                    "equality": equality, "targets": targets, "asglb": asglb, "fostering-return": fostering_return,
                    "check-waits": check_waits})
NAMES = tuple(REPORTS)
# Reports `crm report` computes that are not among the managers' /reports pages: attribution's page is the marketing
# dashboard (crm.reports.marketing.views), open to the marketing officer too. It provides `compute` only.
MARKETING = {"attribution": attribution}
COMMAND_LINE_NAMES = NAMES + tuple(MARKETING)


class UnknownReport(LookupError):
    """No report has this name."""


def family(name: str) -> ReportModule:
    """The module that computes the report `name`."""
    if name not in REPORTS:
        raise UnknownReport(f"There is no {name!r} report: choose one of {', '.join(NAMES)}")
    return REPORTS[name]


def compute(name: str, params: ReportParams) -> Report:
    if name in MARKETING:
        return MARKETING[name].compute(params)
    return family(name).compute(params)
