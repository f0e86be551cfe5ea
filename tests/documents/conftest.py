"""Households with documents, files of each kind, and a clamdscan stand-in that answers by exit code."""
from __future__ import annotations

import io
import stat
import sys
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from crm.auth.roles import Role
from crm.funnel.stages import Stage
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, TeamFactory, UserFactory

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
HTML = b"<!doctype html><script>alert(1)</script>"
EICAR = b"%PDF-1.4\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n"

# Behaves like `clamdscan --no-summary --fdpass FILE`: exit 1 and "FOUND" for the EICAR test string, 2 while the
# file named by --broken exists (the daemon down), else 0.
FAKE_CLAMDSCAN = r'''
import sys, pathlib
args = sys.argv[1:]
broken = pathlib.Path(args[args.index("--broken") + 1]) if "--broken" in args else None
path = pathlib.Path(args[-1])
assert "--no-summary" in args and "--fdpass" in args
if broken is not None and broken.exists():
    print("ERROR: Could not connect to clamd", file=sys.stderr); sys.exit(2)
data = path.read_bytes()
if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data:
    print(f"{path}: Eicar-Signature FOUND"); sys.exit(1)
print(f"{path}: OK"); sys.exit(0)
'''


def upload_of(content: bytes, filename: str = "passport.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=filename, content_type="application/pdf")


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def upload_folder(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "HEARTH_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def scanner(app, tmp_path, monkeypatch):
    """HEARTH_CLAMDSCAN set to the stand-in; returns the path whose existence makes it fail (exit 2)."""
    script = tmp_path / "clamdscan"
    script.write_text(f"#!{sys.executable}\n{FAKE_CLAMDSCAN}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    broken = tmp_path / "clamd-down"
    monkeypatch.setitem(app.config, "HEARTH_CLAMDSCAN", f"{script} --broken {broken}")
    return broken


class Family:
    def __init__(self):
        self.team = TeamFactory()
        self.worker = UserFactory(roles=[Role.STAGE_ONE_WORKER], team=self.team)
        self.manager = UserFactory(roles=[Role.MANAGER], team=self.team)
        self.household = HouseholdFactory(allocated_worker_id=self.worker.id, team_id=self.team.id)
        self.applicant = PersonFactory(household=self.household)
        self.partner = PersonFactory(household=self.household)
        self.application = ApplicationFactory(household=self.household, stage=Stage.STAGE_1,
                                              service_line_code="fostering_mainstream",
                                              stage_entered_on=date(2026, 11, 2))


@pytest.fixture
def family(db_session, travel) -> Family:
    travel(date(2026, 11, 23))
    return Family()
