"""The report families by name (issue 7), each a module of crm/reports with `compute(params) -> Report`.

Modules are imported when a report is asked for, so a family not written yet answers "not available yet" instead of
breaking every other report with an ImportError.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from crm.reports.base import Report, ReportParams

NAMES = ("activity", "timeliness", "snapshot", "conversion", "equality", "targets", "asglb", "fostering-return")
# Reports `crm report` computes that are not among the managers' /reports pages: attribution's page is the marketing
# dashboard (crm.reports.marketing.views), open to the marketing officer too.
MARKETING = {"attribution": "crm.reports.marketing.report"}
COMMAND_LINE_NAMES = NAMES + tuple(MARKETING)


class UnknownReport(LookupError):
    """No report has this name."""


class ReportNotAvailable(LookupError):
    """The report is one of issue 7's, but its module is not there yet."""


def module_name(name: str) -> str:
    return "crm.reports.families." + name.replace("-", "_")


def family(name: str) -> ModuleType:
    """The module that computes the report `name`."""
    if name not in NAMES:
        raise UnknownReport(f"There is no {name!r} report: choose one of {', '.join(NAMES)}")
    try:
        module = importlib.import_module(module_name(name))
    except ModuleNotFoundError as error:
        if error.name != module_name(name):
            raise  # the module is there but something it imports is missing: a bug to see, not to hide
        raise ReportNotAvailable(f"The {name} report is not available yet") from None
    if not callable(getattr(module, "compute", None)):
        raise ReportNotAvailable(f"The {name} report is not available yet")
    return module


def available() -> list[str]:
    """The names of the reports that can be computed now."""
    found = []
    for name in NAMES:
        try:
            family(name)
        except ReportNotAvailable:
            continue
        found.append(name)
    return found


def compute(name: str, params: ReportParams) -> Report:
    if name in MARKETING:
        return importlib.import_module(MARKETING[name]).compute(params)
    return family(name).compute(params)
