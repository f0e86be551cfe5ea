"""Reading and writing the transfer tables as CSV (UTF-8, with or without BOM) or XLSX, safe for spreadsheets."""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import BinaryIO, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A spreadsheet runs a cell starting with one of these as a formula (it reads past a leading tab or carriage
# return): exports put a quote in front, imports take it off.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An .xlsx is a zip; one that unpacks past this is a zip bomb, not a tracker.
MAX_UNPACKED_BYTES = 1 << 30

Value = str | date


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class Table:
    columns: list[str]  # the header's names, normalised (`Household ref` -> `household_ref`)
    rows: list[tuple[int, dict[str, Value]]]  # (row number as the spreadsheet shows it, {column: value}), blanks left out


def file_format(filename: str | None) -> str:
    """csv or xlsx, decided by the file's suffix."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileProblem("The file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
    return suffix


def read_table(filename: str | None, stream: BinaryIO) -> Table:
    records = _csv_records(stream.read()) if file_format(filename) == "csv" else _xlsx_records(stream.read())
    return _table(records)


def _csv_records(data: bytes) -> list[list[Value]]:
    if b"\x00" in data:
        raise FileProblem("The file holds binary data, not CSV text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem('The file is not UTF-8 text: save it from your spreadsheet as "CSV UTF-8"') from error
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:  # an unclosed quote, or a cell larger than the csv module's limit
        raise FileProblem(f"The CSV file could not be read: {error}") from error


def _xlsx_records(data: bytes) -> list[list[Value]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileProblem("The file is not an Excel workbook (.xlsx)") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem("The workbook is too large to read")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
            records = [[_xlsx_value(v) for v in row] for row in sheet.iter_rows(min_row=1, values_only=True)]
            book.close()
    except Exception as error:  # a damaged workbook fails inside openpyxl in many different ways
        raise FileProblem("The Excel workbook could not be read: it may be damaged, or not a workbook") from error
    return records


def _xlsx_value(value) -> Value:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(records: list[list[Value]]) -> Table:
    if not records or not any(_clean(cell) for cell in records[0]):
        raise FileProblem("The file is empty, or its first row does not hold the column names")
    width = max(len(record) for record in records)
    header = [normalise_column(cell) for cell in records[0]] + [""] * (width - len(records[0]))
    names = [name or _unnamed(index, records) for index, name in enumerate(header)]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise FileProblem(f"These columns appear more than once: {', '.join(repeated)}")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {name: _clean(record[i]) if i < len(record) else "" for i, name in enumerate(names) if name}
        if any(value != "" for value in values.values()):
            rows.append((number, values))
    return Table([name for name in names if name], rows)


def _unnamed(index: int, records) -> str:
    """A column with values but no name gets a name the report can show; an empty one is dropped."""
    has_values = any(index < len(record) and _clean(record[index]) != "" for record in records[1:])
    return f"(no name, column {get_column_letter(index + 1)})" if has_values else ""


def normalise_column(name: Value) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def _clean(cell: Value) -> Value:
    """The cell without surrounding spaces, and without the quote an export put in front of a formula start."""
    if isinstance(cell, date):
        return cell
    text = cell.strip()
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS else text


def neutralise(text: str) -> str:
    """A quote in front of what a spreadsheet would run as a formula; the importer takes exactly that quote off."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_text(text: str) -> str:
    """Text as every export writes it, CSV or XLSX: control characters removed first (XLSX forbids them, and a
    `\\x01` in front of `=` would hide the formula from a check made before removing it), then neutralised."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


def render(fmt: str, title: str, columns: list[str], rows: Iterable[list], *, bom: bool = False) -> bytes:
    """The table as file contents; a BOM helps Excel open a downloaded CSV as UTF-8."""
    return _render_xlsx(title, columns, rows) if fmt == "xlsx" else _render_csv(columns, rows, bom)


def _render_csv(columns: list[str], rows: Iterable[list], bom: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_text(value) if isinstance(value, str) else str(value)


def _render_xlsx(title: str, columns: list[str], rows: Iterable[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value):
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value
