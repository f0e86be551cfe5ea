"""Reading and writing the transfer tables as CSV (UTF-8, with or without BOM) or XLSX, safe for spreadsheets."""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import BinaryIO, Iterable, Iterator

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from crm.transfer.spill import SpilledRows

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A spreadsheet runs a cell starting with one of these as a formula (it reads past a leading tab or carriage
# return): exports put a quote in front, imports take it off.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An .xlsx is a zip; one whose parts unpack past this is a zip bomb, or too large a tracker to read in a request.
# Checked from the zip's central directory before anything is unpacked; zipfile itself stops each part at the size
# the directory declares (a part that lies about it fails its CRC check), so this bounds what is read.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# A tracker has tens of columns; the header is refused past this before any per-column work.
MAX_COLUMNS = 200
# Rows (not counting the header, nor blank rows) a file may hold: on the page, where the request must finish within
# the web server's timeout, and with `crm import`, which has no timeout.
MAX_ROWS = 100_000
MAX_ROWS_CLI = 1_000_000

Value = str | date


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class Table:
    columns: list[str]  # the header's names, normalised (`Household ref` -> `household_ref`)
    # (row number as the spreadsheet shows it, {column: value}), blanks left out; on disk, read again on each iteration
    rows: SpilledRows

    def close(self) -> None:
        self.rows.close()


def file_format(filename: str | None) -> str:
    """csv or xlsx, decided by the file's suffix."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileProblem("The file must be a CSV file (.csv) or an Excel workbook (.xlsx)")
    return suffix


def read_table(filename: str | None, stream: BinaryIO, *, max_rows: int | None = None, key: str | None = None) -> Table:
    """The file's table, read a row at a time into a temporary file (memory stays flat in file size): a limit
    (columns, rows, unpacked size) is a FileProblem as soon as it is passed. `max_rows` defaults to MAX_ROWS (the
    page's); the command line passes MAX_ROWS_CLI. `key`: the column `table.rows.grouped()` groups by. The caller
    closes the table (else it is closed when collected)."""
    records = _csv_records(stream) if file_format(filename) == "csv" else _xlsx_records(stream)
    with closing(records):  # a file refused part way is closed now (the workbook; the CSV's text wrapper detached)
        return _table(records, MAX_ROWS if max_rows is None else max_rows, key)


def _csv_records(stream: BinaryIO) -> Iterator[list[Value]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(_text_lines(text))
    except UnicodeDecodeError as error:  # error.object: the bytes being decoded, binary if they hold a NUL
        if b"\x00" in error.object:
            raise FileProblem("The file holds binary data, not CSV text") from error
        raise FileProblem('The file is not UTF-8 text: save it from your spreadsheet as "CSV UTF-8"') from error
    except csv.Error as error:  # an unclosed quote, or a cell larger than the csv module's limit
        raise FileProblem(f"The CSV file could not be read: {error}") from error
    finally:
        text.detach()  # the caller's stream stays open


def _text_lines(text: io.TextIOWrapper) -> Iterator[str]:
    for line in text:
        if "\x00" in line:
            raise FileProblem("The file holds binary data, not CSV text")
        yield line


def _xlsx_records(stream: BinaryIO) -> Iterator[list[Value]]:
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileProblem("The file is not an Excel workbook (.xlsx)") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(f"The workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB: save it as "
                          f"CSV (UTF-8), or split it")
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            book = load_workbook(stream, read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
                for row in sheet.iter_rows(min_row=1, values_only=True):
                    yield [_xlsx_value(v) for v in row]
            finally:
                book.close()
    except FileProblem:
        raise
    except Exception as error:  # a damaged workbook fails inside openpyxl in many different ways
        raise FileProblem("The Excel workbook could not be read: it may be damaged, or not a workbook") from error


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


def _table(records: Iterator[list[Value]], max_rows: int, key: str | None) -> Table:
    """Rows as {column: value}, spilled to disk as they are read (crm.transfer.spill). Linear in the cells: names are
    checked with a Counter, and a column with values but no name is noted as values turn up, not looked for
    afterwards."""
    header = next(records, None)
    if header is None or not any(_clean(cell) for cell in header):
        raise FileProblem("The file is empty, or its first row does not hold the column names")
    _check_width(header, "The first row")
    names = [normalise_column(cell) for cell in header[:MAX_COLUMNS]]
    repeated = sorted(name for name, times in Counter(name for name in names if name).items() if times > 1)
    if repeated:
        raise FileProblem(f"These columns appear more than once: {', '.join(repeated)}")
    named = [(index, name) for index, name in enumerate(names) if name]
    indexes = [index for index, _ in named]
    nameless = [index for index, name in enumerate(names) if not name]
    unnamed: dict[int, str] = {}  # column index -> the name the report shows, for nameless columns with values
    rows = SpilledRows([name for _, name in named], key)
    try:
        for number, record in enumerate(records, start=2):
            if len(record) > MAX_COLUMNS:
                _check_width(record, f"Row {number}")
                record = record[:MAX_COLUMNS]  # what is past the limit is blank
            width = len(record)
            cells = tuple([_clean(record[i]) if i < width else "" for i in indexes])
            extra = {}
            for index in [*nameless, *range(len(names), width)]:
                if index < width and (value := _clean(record[index])) != "":
                    extra[unnamed.setdefault(index, f"(no name, column {get_column_letter(index + 1)})")] = value
            if extra or any(cell != "" for cell in cells):
                if len(rows) == max_rows:
                    raise FileProblem(_too_many_rows(max_rows))
                rows.add(number, cells, extra or None)
    except BaseException:
        rows.close()
        raise
    rows.unnamed = list(unnamed.values())
    columns = sorted([*named, *unnamed.items()])
    return Table([name for _, name in columns], rows.done())


def _check_width(record: list[Value], where: str) -> None:
    """Trailing blank cells (a spreadsheet's stray formatting) do not count."""
    if len(record) > MAX_COLUMNS and any(_clean(cell) != "" for cell in record[MAX_COLUMNS:]):
        raise FileProblem(f"{where} has more than {MAX_COLUMNS} columns: a tracker has tens. Remove the columns "
                          f"that are not imported")


def _too_many_rows(max_rows: int) -> str:
    message = f"The file has more than {max_rows:,} rows: split it"
    if max_rows < MAX_ROWS_CLI:
        message += ", or ask an administrator to import it with the `crm import` command"
    return message


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
