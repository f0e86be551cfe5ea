"""The benchmark of SPEC section 10: the monthly tracking (activity by month) and timeliness reports for a financial
year, each timed through its report module and through one hand-written SQL statement (bench/queries.py), with
the check that both give the same figures. Target: the module within 2x of the SQL.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlalchemy import func, select, text

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.funnel.models import StageEvent
from crm.households.models import Application, Household
from crm.clock import financial_year
from crm.reports.base import ReportParams, Split
from crm.reports.families import activity, timeliness
from bench import queries

TARGET = 2.0


@dataclass
class Result:
    name: str
    module_seconds: list[float]
    sql_seconds: list[float]
    differences: list[str]

    @property
    def module(self) -> float:
        return statistics.median(self.module_seconds)

    @property
    def sql(self) -> float:
        return statistics.median(self.sql_seconds)

    @property
    def ratio(self) -> float:
        return self.module / self.sql if self.sql else float("inf")


def last_complete_year(today: date) -> tuple[date, date]:
    """The financial year before the one `today` is in: complete, so every month has its figures."""
    start, _ = financial_year(today)
    return financial_year(clock.financial_year_starting(start.year - 1))


def sizes(session) -> dict[str, int]:
    """What the benchmark runs over."""
    models = {"households": Household, "contacts": EnquiryContact, "applications": Application, "events": StageEvent}
    return {name: session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}


def analyze(session) -> None:
    """Planner statistics for the freshly written rows (both databases plan better with them); the caller commits."""
    session.execute(text("ANALYZE"))


def activity_pair(session, date_from: date, date_to: date):
    """(module figures, SQL figures): the period's totals and each month's, in the report's JSON shape."""
    def module():
        report = activity.compute(ReportParams(date_from, date_to, by=Split.MONTH))
        return report.figures, report.splits

    def sql():
        return queries.activity_figures(queries.run_activity(session, date_from, date_to))

    return module, sql


def timeliness_pair(session, date_from: date, date_to: date):
    def module():
        return timeliness.compute(ReportParams(date_from, date_to)).figures

    def sql():
        return queries.timeliness_figures(queries.run_timeliness(session, date_from, date_to))

    return module, sql


def activity_differences(module_result, sql_result) -> list[str]:
    (module_total, module_months), (sql_total, sql_months) = module_result, sql_result
    problems = differences("total", module_total, sql_total)
    for month, figures in module_months.items():
        problems += differences(month, figures, sql_months.get(month, queries.empty_activity()))
    problems += [f"{month}: only in the SQL" for month in set(sql_months) - set(module_months)]
    return problems


def differences(path: str, expected, actual) -> list[str]:
    """Where two JSON-shaped figures differ, as 'path: module X, SQL Y' lines."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [line for key in dict.fromkeys([*expected, *actual])
                for line in differences(f"{path}.{key}", expected.get(key), actual.get(key))]
    return [] if expected == actual else [f"{path}: module {expected!r}, SQL {actual!r}"]


def measure(name: str, pair: tuple[Callable, Callable], compare: Callable, repeat: int) -> Result:
    """One untimed run of each (warming caches; its figures are compared), then `repeat` timed runs, alternating."""
    module, sql = pair
    problems = compare(module(), sql())
    module_seconds, sql_seconds = [], []
    for _ in range(repeat):
        module_seconds.append(_timed(module))
        sql_seconds.append(_timed(sql))
    return Result(name, module_seconds, sql_seconds, problems)


def _timed(call: Callable) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(session, *, date_from: date, date_to: date, repeat: int) -> list[Result]:
    return [
        measure("activity by month", activity_pair(session, date_from, date_to), activity_differences, repeat),
        measure("timeliness", timeliness_pair(session, date_from, date_to),
                lambda m, s: differences("timeliness", m, s), repeat),
    ]


def table(results: list[Result], repeat: int) -> str:
    """The printed table: median seconds of `repeat` runs, the ratio, and whether the figures agree."""
    lines = [f"{'report':<20} {'module (s)':>11} {'SQL (s)':>9} {'module/SQL':>11}  {'target':<7} figures",
             f"{'-' * 20} {'-' * 11} {'-' * 9} {'-' * 11}  {'-' * 7} {'-' * 7}"]
    for result in results:
        verdict = "met" if result.ratio <= TARGET else "MISSED"
        agree = "agree" if not result.differences else f"DIFFER ({len(result.differences)})"
        lines.append(f"{result.name:<20} {result.module:>11.3f} {result.sql:>9.3f} {result.ratio:>10.2f}x  "
                     f"{verdict:<7} {agree}")
    lines.append(f"(median of {repeat} runs each, after one untimed run whose figures are compared)")
    return "\n".join(lines)
