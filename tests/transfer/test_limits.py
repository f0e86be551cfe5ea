"""Files past a limit (columns, rows, unpacked size) are refused as soon as the limit is passed, with one clear
message on the page and on the command line, and nothing stored."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.households.models import Household
from crm.transfer import formats
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row, run_import
from tests.transfer.test_files import xlsx_bytes
from tests.transfer.test_pages import manager, upload  # noqa: F401 (manager is a fixture)

WIDE_HEADER = ",".join(f"c{i}" for i in range(200_001)).encode() + b"\n"
TOO_WIDE = "The first row has more than 200 columns: a tracker has tens. Remove the columns that are not imported"


class CountingStream(io.BytesIO):
    """Remembers how far the reader got."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.furthest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data

    def read1(self, size=-1):
        data = super().read1(size)
        self.furthest = max(self.furthest, self.tell())
        return data

    def readinto(self, buffer):
        done = super().readinto(buffer)
        self.furthest = max(self.furthest, self.tell())
        return done


def test_a_csv_with_200001_columns_is_refused_after_reading_only_its_header():
    stream = CountingStream(WIDE_HEADER + b"x\n" * 3_000_000)  # 6 MB of rows that are never read
    with pytest.raises(formats.FileProblem, match=TOO_WIDE):
        formats.read_table("tracker.csv", stream)
    assert stream.furthest < len(WIDE_HEADER) + 64 * 1024


def test_blank_cells_past_the_column_limit_do_not_count(app_context, authorities):
    """Spreadsheets write stray trailing commas; only cells with something in them are counted."""
    blanks = [""] * 500
    report = run_import("households", csv_bytes([[*HOUSEHOLD_HEADER, *blanks], [*household_row("R1"), *blanks]]))
    assert report.ok and report.rows_read == 1


def test_a_row_wider_than_the_limit_is_refused():
    data = csv_bytes([HOUSEHOLD_HEADER, household_row("R1"), [*household_row("R2"), *(["x"] * 191)]])
    with pytest.raises(formats.FileProblem, match="^Row 3 has more than 200 columns"):
        formats.read_table("tracker.csv", io.BytesIO(data))


def test_nameless_columns_with_values_are_still_named_for_the_report():
    data = csv_bytes([["household_ref", "", "", "notes"], ["R1", "", "", "a"], ["R2", "", "kept", "", "extra"]])
    table = formats.read_table("tracker.csv", io.BytesIO(data))
    assert table.columns == ["household_ref", "(no name, column C)", "notes", "(no name, column E)"]
    assert list(table.rows) == [(2, {"household_ref": "R1", "notes": "a", "(no name, column C)": "",
                               "(no name, column E)": ""}),
                          (3, {"household_ref": "R2", "notes": "", "(no name, column C)": "kept",
                               "(no name, column E)": "extra"})]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_over_the_row_limit_is_refused_and_blank_rows_do_not_count(app_context, authorities, monkeypatch, fmt):
    monkeypatch.setattr(formats, "MAX_ROWS", 50)
    rows = [HOUSEHOLD_HEADER, *(household_row(f"R{n}") for n in range(50)), [""] * 10, [""] * 10]
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    assert run_import("households", content, f"tracker.{fmt}", dry_run=True).ok
    over = run_import("households", csv_bytes([*rows, household_row("R50")]), dry_run=True)
    assert [(p.row, p.message) for p in over.errors] == [
        (None, "The file has more than 50 rows: split it, or ask an administrator to import it with the `crm import` "
               "command")]
    assert over.rows_read == 0


def test_the_command_line_allows_more_rows_than_the_page(runner, db_session, authorities, monkeypatch, tmp_path):
    monkeypatch.setattr(formats, "MAX_ROWS", 5)
    monkeypatch.setattr(formats, "MAX_ROWS_CLI", 8)
    (tmp_path / "h.csv").write_bytes(csv_bytes([HOUSEHOLD_HEADER, *(household_row(f"R{n}") for n in range(8))]))
    assert runner.invoke(args=["import", "households", str(tmp_path / "h.csv"), "--dry-run"]).exit_code == 0
    (tmp_path / "h.csv").write_bytes(csv_bytes([HOUSEHOLD_HEADER, *(household_row(f"R{n}") for n in range(9))]))
    result = runner.invoke(args=["import", "households", str(tmp_path / "h.csv")])
    assert result.exit_code == 1
    assert "file: The file has more than 8 rows: split it\n" in result.stdout and "Traceback" not in result.output
    assert count(db_session, Household) == 0


def test_too_wide_a_file_on_the_command_line_exits_non_zero_without_a_traceback(runner, db_session, tmp_path):
    (tmp_path / "wide.csv").write_bytes(WIDE_HEADER)
    result = runner.invoke(args=["import", "households", str(tmp_path / "wide.csv")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"file: {TOO_WIDE}" in result.stdout and "Traceback" not in result.output


def test_too_wide_a_file_on_the_page_gets_a_message_beside_the_field(client, manager, db_session):  # noqa: F811
    response = upload(client, WIDE_HEADER + b"x\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert TOO_WIDE in html and "govuk-error-summary" in html and "govuk-file-upload--error" in html
    assert count(db_session, Household) == 0
    assert db_session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "import_refused"))["rows"] == 0


def with_zeros(workbook: bytes, size: int) -> bytes:
    """The workbook with one more part: `size` zero bytes, which compress to about a thousandth of that."""
    out = io.BytesIO(workbook)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/zeros.bin", "w") as part:
            for _ in range(size // (1 << 20)):
                part.write(bytes(1 << 20))
    return out.getvalue()


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_anything_is_unpacked(monkeypatch):
    workbook = with_zeros(xlsx_bytes([HOUSEHOLD_HEADER, household_row("R1")]), 201 << 20)
    assert len(workbook) < 1 << 20
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: pytest.fail("a part was unpacked"))
    with pytest.raises(formats.FileProblem, match="^The workbook unpacks to more than 200 MB: save it as CSV "
                                                  r"\(UTF-8\), or split it$"):
        formats.read_table("tracker.xlsx", io.BytesIO(workbook))


def declaring(workbook: bytes, name: str, size: int) -> bytes:
    """The workbook with its zip directory claiming that part `name` unpacks to `size` bytes."""
    data = bytearray(workbook)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        position = archive.start_dir
    while data[position:position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        if data[position + 46:position + 46 + name_length].decode() == name:
            struct.pack_into("<I", data, position + 24, size)
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def test_a_workbook_whose_directory_understates_a_part_is_read_no_further_than_declared(monkeypatch):
    """zipfile stops at the size the directory declares and the part then fails its check: a lie unpacks nothing
    more, and the file is refused as damaged."""
    workbook = xlsx_bytes([HOUSEHOLD_HEADER, *(household_row(f"R{n}") for n in range(2000))])
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 100_000
    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 100_000)
    with pytest.raises(formats.FileProblem, match="^The workbook unpacks to more than 0 MB"):
        formats.read_table("tracker.xlsx", io.BytesIO(workbook))
    lying = declaring(workbook, "xl/worksheets/sheet1.xml", 1000)
    with pytest.raises(formats.FileProblem, match="^The Excel workbook could not be read: it may be damaged"):
        formats.read_table("tracker.xlsx", io.BytesIO(lying))
