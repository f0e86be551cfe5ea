"""Issue 16 finding 6, at a reduced size: public API enquiries sent to gunicorn while `crm import` runs on the same
SQLite file are all stored, and none meets "database is locked" (bench/import_contention.py, full size there)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.import_contention import run


@pytest.mark.processes
@pytest.mark.skipif(not Path(sys.executable).with_name("gunicorn").exists(), reason="gunicorn is not installed")
def test_no_enquiry_is_lost_or_locked_during_an_import(tmp_path):
    result = run(rows=2000, enquiries=50, concurrency=8, workers=2, folder=tmp_path)
    assert result["import_exit"] == 0 and result["households_imported"] > 1000
    assert result["accepted"] == 50 and result["stored"] == 50
    assert result["lost"] == 0 and result["locked"] == 0 and result["refused"] == []
