"""The activity report's figures counted in the database (issue 17): a few rows per split value, however many contacts
and events there are.

The rows counted are the drill-down's own (crm.reports.families.activity_frames), so every figure is the number of
its lines. Each set of rows is read by one statement giving the totals and, with a split, the same aggregates per split
value (`_read`). The split value is computed in SQL as the drill-down computes it in pandas: a month or calendar
quarter from each thing's own date (a contact's London date, crm.reports.data.london.london_date), or the value of
the row's `split` column with a missing one `Not recorded`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
from sqlalchemy import Integer, and_, cast, extract, func, literal, null, select, tuple_, union_all
from sqlalchemy.sql.elements import ColumnElement

from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.reports.base import ReportParams, Split
from crm.reports.data.london import london_date
from crm.reports.data.months import period_key
from crm.reports.data.split_keys import NOT_RECORDED
from crm.reports.families import activity_frames as frames

TOTAL, SPLIT = "total", "split"  # the scope of a statement's row: the totals, or a split value's
TIMES = (Split.MONTH, Split.QUARTER)
Figures = Callable[..., dict[str, ColumnElement]]  # the rows (a subquery) -> {figure: aggregate over them}
Counts = dict[str, int]


def figures(params: ReportParams, contact_figures: Figures, event_figures: Figures) -> tuple[Counts, dict[str, Counts]]:
    """The totals {figure: count} and, with a split, each split value's found among the contacts or events (a value
    may lack the figures of one of them). Two statements, three by service line (`_contacts_by_service_line`)."""
    contact_params = replace(params, by=None) if params.by is Split.SERVICE_LINE else params
    contacts = _counted(contact_params, frames.contact_rows(contact_params), _contact_day(params), contact_figures)
    events = _counted(params, frames.event_rows(params), lambda rows: rows.c.occurred_on, event_figures)
    if params.by is Split.SERVICE_LINE:
        contacts.update(_contacts_by_service_line(params, contact_figures))
    totals = {**contacts.pop(TOTAL), **events.pop(TOTAL)}
    splits = {key: {**contacts.get(key, {}), **events.get(key, {})} for key in dict.fromkeys([*contacts, *events])}
    return totals, splits


def by_reason(params: ReportParams, reason: Callable) -> tuple[Counts, dict[str, Counts]]:
    """The withdrawals by `reason(rows)` (an expression over the event rows): {reason: count}, most frequent first,
    then by name, in total and per split value. One statement, reading the withdrawals only."""
    rows = frames.event_rows(params).where(StageEvent.kind == EventKind.WITHDRAWN).subquery("rows")
    keyed = _keyed(rows, _split_keys(params, rows, rows.c.occurred_on), reason(rows).label("reason_name"))
    found: dict[tuple[str, str], Counts] = {}
    for (scope, key), (name, count) in _read(params, keyed, [func.count()], group=[keyed.c.reason_name]):
        found.setdefault((scope, key), {})[str(name)] = int(count)
    ordered = {at: dict(sorted(tally.items(), key=lambda item: (-item[1], item[0]))) for at, tally in found.items()}
    return (ordered.get((TOTAL, TOTAL), {}),
            {key: tally for (scope, key), tally in ordered.items() if scope == SPLIT})


def _counted(params: ReportParams, statement, day: Callable, figures_of: Figures) -> dict[str, Counts]:
    """{TOTAL: the totals, split value: its figures}: `statement`'s rows counted in total and per split value (its
    month or quarter taken from `day(rows)`)."""
    rows = statement.subquery("rows")
    keyed = _keyed(rows, _split_keys(params, rows, day(rows)))
    names, aggregates = zip(*figures_of(keyed).items())
    return {key: dict(zip(names, map(int, values))) for (_, key), values in _read(params, keyed, list(aggregates))}


def _contact_day(params: ReportParams) -> Callable:
    return lambda rows: london_date(rows.c.received_at, params.date_from, params.date_to)


def _contacts_by_service_line(params: ReportParams, figures_of: Figures) -> dict[str, Counts]:
    """A contact has no service line of its own: it counts under each line the household had applied to by the
    contact's date (an application opens on its first event), so a household that enquires about two lines counts
    under both and the lines add up to more than the total. A contact before any application is `Not recorded`.
    (crm.reports.families.activity_frames.keyed lists the same pairs.)"""
    rows = frames.contact_rows(replace(params, by=None)).subquery("rows")
    opened = frames.opened_applications().subquery("opened")
    applied = and_(opened.c.household_id == rows.c.household_id,
                   opened.c.opened_on <= _contact_day(params)(rows))
    keyed = (select(rows, func.coalesce(opened.c.service_line_code, NOT_RECORDED).label("key_0"))
             .select_from(rows.outerjoin(opened, applied)).subquery("keyed"))
    names, aggregates = zip(*figures_of(keyed).items())
    return {key: dict(zip(names, map(int, values)))
            for (_, key), values in _read(params, keyed, list(aggregates), total=False)}


def _split_keys(params: ReportParams, rows, day) -> list[ColumnElement]:
    """What a split groups by: the year and month of `day` (the quarter's first month); the `split` column; none."""
    if params.by in TIMES:
        month = cast(extract("month", day), Integer)
        return [extract("year", day), month if params.by is Split.MONTH else (month - 1) // 3 * 3 + 1]
    return [func.coalesce(rows.c.split, NOT_RECORDED)] if params.by else []


def _keyed(rows, keys: list[ColumnElement], *more: ColumnElement):
    """The rows with their split keys as `key_0`, `key_1` (and `more` columns): the subquery the aggregates read, so
    that they group by columns, not by expressions PostgreSQL would see as different for their parameters."""
    return select(rows, *[key.label(f"key_{n}") for n, key in enumerate(keys)], *more).subquery("keyed")


def _read(params: ReportParams, keyed, aggregates: list, *, group: list = (), total: bool = True) -> list:
    """[((scope, key), values)]: `aggregates` (after the `group` columns) over `keyed` in total (key TOTAL) and,
    with a split, per split value (its label). Both in one pass on PostgreSQL (GROUPING SETS, whose total rows have
    `grouping` of the split keys non-zero); on SQLite, which has no grouping sets, the two one under the other."""
    width = 2 if params.by in TIMES else 1 if params.by else 0
    keys = [keyed.c[f"key_{n}"] for n in range(width)]
    split = select(literal(0), *keys, *group, *aggregates).select_from(keyed).group_by(*keys, *group)
    if not keys:
        statement = select(literal(1), *group, *aggregates).select_from(keyed).group_by(*group)
    elif not total:
        statement = split
    elif db.session.get_bind().dialect.name == "postgresql":
        statement = (select(func.grouping(*keys), *keys, *group, *aggregates).select_from(keyed)
                     .group_by(func.grouping_sets(tuple_(*keys, *group), tuple_(*group))))
    else:
        statement = union_all(select(literal(1), *[null() for _ in keys], *group, *aggregates).select_from(keyed)
                              .group_by(*group), split)
    rows = [(TOTAL if row[0] else SPLIT, row[1:1 + width], row[1 + width:]) for row in db.session.execute(statement)]
    labels = _labels(params, [key for scope, key, _ in rows if scope == SPLIT])
    return [((scope, TOTAL if scope == TOTAL else next(labels)), values) for scope, _, values in rows]


def _labels(params: ReportParams, keys: list[tuple]):
    """The split values' labels, in order: months and quarters as crm.reports.data.months.period_key writes them."""
    if params.by in TIMES and keys:
        firsts = pd.to_datetime(pd.DataFrame({"year": [int(year) for year, _ in keys],
                                              "month": [int(month) for _, month in keys], "day": 1}))
        return iter(period_key(firsts, params.by).tolist())
    return iter(str(key) for key, *_ in keys)
