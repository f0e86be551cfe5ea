"""A report as a file: CSV (its tables, one after another), XLSX (a sheet per table) or JSON (its stable shape).

Text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get a quote in front, as the
tracker exports do (crm.transfer.formats.spreadsheet_text); numbers stay numbers, so -3 is a number, not a formula.
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from openpyxl import Workbook

from crm.audit.services import record_event
from crm.extensions import db
from crm.reports.base import Report
from crm.transfer.formats import spreadsheet_text
from crm.audit.services import CLI_ACTOR

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SHEET_TITLE_LIMIT = 31  # Excel's limit on a sheet's name
SHEET_TITLE_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})


def export(report: Report, fmt: str, *, actor, bom: bool = False) -> bytes:
    """The report as a file, audited in the caller's transaction (aggregates, but who took which figures is kept:
    the parameters' JSON, with the attribution model and outcome for the attribution report)."""
    data = render(report, fmt, bom=bom)
    record_event(db.session, "report_exported", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="report", object_id=report.name,
                 detail={"name": report.name, "params": report.params.as_json(), "format": fmt})
    return data


def filename(report: Report, fmt: str) -> str:
    params = report.params
    return f"hearth-{report.name}-{params.date_from.isoformat()}-to-{params.date_to.isoformat()}.{fmt}"


def render(report: Report, fmt: str, *, bom: bool = False) -> bytes:
    """The file's bytes; a BOM helps Excel open a CSV as UTF-8."""
    if fmt == "json":
        return (json.dumps(report.as_json(), indent=2, ensure_ascii=False, default=_json_value) + "\n").encode()
    if fmt == "xlsx":
        return _xlsx(report)
    if fmt == "csv":
        return _csv(report).encode("utf-8-sig" if bom else "utf-8")
    raise ValueError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def long_table(report: Report) -> pd.DataFrame:
    """Every table of the report in one frame, as the CSV holds them: a `table` column saying which each row comes
    from, then the text columns (the rows' labels), then the figures; a column that a table lacks is blank on its
    rows. Cells stay as they were (an int stays an int next to a blank)."""
    frames = {name: with_index(frame) for name, frame in report.tables.items()}
    columns = list(dict.fromkeys(column for frame in frames.values() for column in frame.columns))
    numeric = {column for frame in frames.values() for column in frame.columns if is_numeric_dtype(frame[column])}
    ordered = ["table", *[c for c in columns if c not in numeric], *[c for c in columns if c in numeric]]
    parts = [frame.astype(object).assign(table=name).reindex(columns=ordered) for name, frame in frames.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ordered)


def with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its index as its first column(s) when the index means something (it is named, or it is not
    just the row numbers), so that the rows' labels reach the file."""
    if isinstance(frame.index, pd.RangeIndex) and not any(frame.index.names):
        return frame
    return frame.reset_index()


def _csv(report: Report) -> str:
    table = long_table(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_cell(column) for column in table.columns])
    for row in table.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


def _xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    book.properties.title = f"Hearth {report.name} report, {report.params.date_from} to {report.params.date_to}"
    for name, frame in report.tables.items():
        frame = with_index(frame)
        sheet = book.create_sheet(_sheet_title(name))
        sheet.append([_xlsx_cell(column) for column in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_xlsx_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    return str(name).translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_LIMIT] or "report"


def plain(value):
    """A cell as a plain Python value: numpy numbers as int/float, timestamps as dates (or datetimes when they have a
    time), blanks (None, NaN, NaT) as None."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == datetime.min.time():
        return value.date()
    return value


def _csv_cell(value) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_text(value) if isinstance(value, str) else str(value)


def _xlsx_cell(value):
    value = plain(value)
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value


def _json_value(value):
    value = plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON")


def attachment(report: Report, fmt: str, data: bytes):
    """The exported file as a download response, named after the report and its period."""
    from flask import Response

    return Response(data, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename(report, fmt)}"'})
