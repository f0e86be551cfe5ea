"""Milestone import speed (SPEC section 10 wants at least 5,000 rows a second): not a test, a measurement.

    .venv/bin/python -m tests.transfer.bench_import [--households 4000] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless --database-url names an empty one), imports a
generated households file, then times the import of a milestones file of five events per household.
"""
from __future__ import annotations

import argparse
import csv
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from crm import create_app, migrate
from crm.extensions import db
from crm.transfer import services

HISTORIES = [
    ["information_event", "initial_visit", "registration_of_interest", "stage_1", "stage_1_completed"],
    ["initial_visit", "registration_of_interest", "on_hold", "resumed", "stage_1"],
    ["information_event", "initial_visit", "registration_of_interest", "stage_1", "withdrawn"],
    ["information_event", "on_hold", "resumed", "initial_visit", "registration_of_interest"],
]
DETAILS = {"on_hold": "Moving house", "withdrawn": "applicant: Finances / cost of living"}


def write_files(folder: Path, households: int) -> tuple[Path, Path]:
    start = date(2021, 1, 4)
    household_file, milestone_file = folder / "households.csv", folder / "milestones.csv"
    with household_file.open("w", newline="") as h, milestone_file.open("w", newline="") as m:
        hw, mw = csv.writer(h), csv.writer(m)
        hw.writerow(["household_ref", "service_line", "partner_authority", "first_enquiry_date", "channel", "campaign",
                     "applicant_count", "ethnicity", "relationship_status", "fast_track"])
        mw.writerow(["household_ref", "service_line", "event", "date", "detail"])
        for number in range(households):
            ref, opened = f"B{number:06d}", start + timedelta(days=number % 900)
            hw.writerow([ref, "adoption", "", opened.isoformat(), "radio", "", "2", "", "Married", "no"])
            for step, event in enumerate(HISTORIES[number % len(HISTORIES)], start=1):
                mw.writerow([ref, "adoption", event, (opened + timedelta(days=14 * step)).isoformat(),
                             DETAILS.get(event, "")])
    return household_file, milestone_file


def timed_import(kind: str, path: Path) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds (the CPU figure is the fairer one on a busy machine), and the rows read."""
    wall, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        report = services.import_file(kind, path.name, stream, actor=None)
    assert report.ok, report.lines()[:10]
    db.session.commit()
    return time.perf_counter() - wall, time.process_time() - cpu, report.rows_read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=4000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        household_file, milestone_file = write_files(Path(folder), args.households)
        with app.app_context():
            for kind, path in (("households", household_file), ("milestones", milestone_file)):
                wall, cpu, rows = timed_import(kind, path)
                print(f"{kind}: {rows} rows in {wall:.2f} s = {rows / wall:,.0f} rows/s "
                      f"({cpu:.2f} s of CPU = {rows / cpu:,.0f} rows per CPU second)")


if __name__ == "__main__":
    main()
