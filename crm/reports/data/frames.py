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


# Rows converted at a time: the driver's tuples (a few hundred bytes a row) live only a chunk at a time, and on
# PostgreSQL a server-side cursor streams them, so neither the driver nor libpq holds the whole result.
CHUNK_ROWS = 20_000


def read_frame(statement: Select) -> pd.DataFrame:
    """All the statement's rows, one column per selected column (none when there are no rows), as the driver gives
    them: taken from the DB-API cursor without SQLAlchemy's row objects or result processing (a date or timestamp
    may be SQLite's ISO text, a boolean SQLite's 0 / 1, an enum its stored value), so every reader converts whole
    columns with pandas. On PostgreSQL this halves the time to read 100,000 rows.

    Memory (issue 17: ten years at national scale are millions of rows): the rows are fetched CHUNK_ROWS at a time
    (PostgreSQL streams them through a server-side cursor) and each chunk becomes columns at once; text and other
    object values that repeat (kinds, reasons, dates, split labels) are kept once and shared by every row holding
    them. The frame is the same as building it from all the rows in one go: same columns, dtypes and values
    (`_joined` re-infers a column whose chunks inferred different dtypes)."""
    # (PostgreSQL connections plan cursors for every row, not the first few: crm.extensions.make_engine)
    result = db.session.connection().execute(statement, execution_options={"stream_results": True})
    columns = list(result.keys())
    if result.cursor is None:
        result.close()
        return pd.DataFrame.from_records([], columns=columns)
    shared: list[dict] = [{} for _ in columns]
    chunks = []
    try:
        # a streaming result has already buffered its first row (SQLAlchemy reads it for the description)
        rows = list(getattr(result.cursor_strategy, "_rowbuffer", None) or ())
        while True:
            rows += result.cursor.fetchmany(CHUNK_ROWS - len(rows))
            if not rows:
                break
            chunks.append(_shared_values(pd.DataFrame.from_records(rows, columns=columns), shared))
            if len(rows) < CHUNK_ROWS:
                break
            rows = []
    finally:
        result.close()
    if not chunks:
        return pd.DataFrame.from_records([], columns=columns)
    return chunks[0] if len(chunks) == 1 else _joined(chunks)


def _shared_values(frame: pd.DataFrame, shared: list[dict]) -> pd.DataFrame:
    """`frame` with each column of Python objects (object or text dtype) holding one object per distinct value
    (missing values: None in an object column, as the driver gives them, the dtype's own in a text column),
    shared with the earlier chunks through `shared` (a dict per column), when values repeat: a kind or a date is a
    pointer a row, not a string or date object a row. Values and dtypes are unchanged."""
    for position, (name, column) in enumerate(frame.items()):
        if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
            continue
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        if len(uniques) == column.count():
            continue  # every value distinct (ids, timestamps): nothing to share
        known = shared[position]
        # keyed by type too: 1, 1.0 and True are equal keys but not the same value
        canonical = [known.setdefault((type(value), value), value) for value in uniques.tolist()]
        if isinstance(column.dtype, pd.StringDtype):
            # take() fills the rows from the few canonical values without checking every row's string again
            taken = pd.array(canonical, dtype=column.dtype).take(codes, allow_fill=True)
            frame[name] = pd.Series(taken, index=frame.index, name=name)
        else:
            values = np.empty(len(canonical) + 1, dtype=object)
            values[:-1], values[-1] = canonical, None  # codes of -1 (missing) take the last: None
            frame[name] = values[codes]
    return frame


def _joined(chunks: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks one under the other. A column whose chunks inferred different dtypes (say all None in one chunk,
    numbers in another) is inferred again over all its values, as building the frame in one go would have."""
    joined = pd.concat(chunks, ignore_index=True)
    for name in joined.columns:
        dtypes = {str(chunk[name].dtype) for chunk in chunks}
        if len(dtypes) > 1:
            values = np.concatenate([_as_objects(chunk[name]) for chunk in chunks])
            joined[name] = pd.DataFrame.from_records([(value,) for value in values], columns=[name])[name]
    return joined


def _as_objects(column: pd.Series) -> np.ndarray:
    """The column's values as the driver's objects: missing values as None."""
    values = column.astype(object).to_numpy(copy=True)
    values[column.isna().to_numpy()] = None
    return values


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
