"""Import speed (SPEC section 10: at least 5,000 rows a second for households and for milestones).

    .venv/bin/python -m bench.imports --rows 50000 [--database-url URL] [--seed 2026] [--keep FOLDER] [--dry-run]

Writes a households file and a milestones file of ROWS rows each with Faker (names, emails, phones, postcodes,
twenty partner authorities the database does not hold, so the first import adds them with --add-authorities;
one household in ten asks about two service lines), into a fresh SQLite database in a temporary folder unless
--database-url names an empty migrated-or-empty one (it is upgraded first). The milestones are histories through
the state machine: keeping to the route, leaving steps unrecorded (imported with warnings), on hold and resumed,
withdrawn, fast track, and repeat contacts. Each file is imported once and timed; wall-clock and CPU seconds are
printed (CPU is the fairer figure on a busy machine), and the process's peak resident memory after each (the
files are generated in a child process, so it is the imports' own). With --dry-run only the
households file is checked, as the import page's dry run does (nothing stored): the request a manager waits for.
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from crm import create_app, migrate
from crm.transfer import formats, runs

START = date(2019, 4, 1)
DAYS = 2000  # first enquiries spread over about five and a half years
CHANNELS = ["radio", "word of mouth", "digital > Facebook", "digital > Google Ads", "print", "outdoor > bus shelter"]
STATUSES = ["Married", "Single", "Civil partnership", "Cohabiting"]
ETHNICITIES = ["White British", "Black African", "Asian British", "Mixed", "White Irish"]
# (event, days after the previous event, detail): application histories after the opening enquiry.
HISTORIES = [
    [("information_event", 14, ""), ("initial_visit", 21, ""), ("registration_of_interest", 30, ""),
     ("stage_1", 14, ""), ("stage_1_completed", 60, ""), ("stage_2", 14, ""), ("panel", 120, ""), ("approved", 14, "")],
    [("initial_visit", 20, ""), ("registration_of_interest", 25, ""), ("on_hold", 10, "Moving house"),
     ("resumed", 40, ""), ("stage_1", 7, "")],
    [("registration_of_interest", 30, ""), ("stage_1", 10, ""), ("stage_2", 90, ""), ("approved", 150, "")],  # gaps
    [("information_event", 10, ""), ("withdrawn", 30, "applicant: Finances / cost of living")],
    [("enquiry", 5, "email: asked about support"), ("initial_visit", 20, ""),
     ("withdrawn", 40, "service: Not suitable")],
    [("information_event", 7, ""), ("initial_visit", 14, ""), ("registration_of_interest", 21, "")],
]
FAST_TRACK = [("initial_visit", 14, ""), ("registration_of_interest", 14, ""), ("stage_2", 21, ""),
              ("panel", 100, ""), ("approved", 10, ""), ("matched", 60, "")]


def write_files(folder: Path, rows: int, seed: int) -> tuple[Path, Path]:
    fake, pick = Faker("en_GB"), random.Random(seed)
    Faker.seed(seed)
    authorities = [f"{fake.unique.city()} Council" for _ in range(20)]
    household_file, milestone_file = folder / "households.csv", folder / "milestones.csv"
    applications: list[tuple[str, str, date, bool]] = []
    with household_file.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["household_ref", "service_line", "partner_authority", "first_enquiry_date", "channel",
                         "campaign", "applicant_count", "ethnicity", "relationship_status", "fast_track",
                         "applicant_1_first_name", "applicant_1_last_name", "email", "phone", "postcode"])
        number = 0
        while number < rows:
            ref, opened = f"H{len(applications):07d}", START + timedelta(days=pick.randrange(DAYS))
            lines = ["adoption", "fostering_mainstream"] if pick.random() < 0.1 else [pick.choice(
                ["adoption", "adoption", "fostering_mainstream", "early_permanence"])]
            household = [pick.choice(authorities), pick.choice(CHANNELS), pick.choice(["", "Adoption Week"]),
                         pick.choice(["1", "2"]), pick.choice(ETHNICITIES), pick.choice(STATUSES)]
            names = [fake.first_name(), fake.last_name(), fake.email(), fake.phone_number(), fake.postcode()]
            for offset, line in enumerate(lines[:rows - number]):
                fast = line == "adoption" and pick.random() < 0.1
                day = opened + timedelta(days=30 * offset)
                writer.writerow([ref, line, household[0], day.isoformat(), *household[1:], "yes" if fast else "no",
                                 *names])
                applications.append((ref, line, day, fast))
                number += 1
    _write_milestones(milestone_file, applications, rows, pick)
    return household_file, milestone_file


def generate(folder: Path, rows: int, seed: int) -> tuple[Path, Path]:
    """`write_files` in a child process, so that the generator's memory is not counted as the imports'."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(write_files, folder, rows, seed).result()


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_milestones(path: Path, applications, rows: int, pick: random.Random) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["household_ref", "service_line", "event", "date", "detail"])
        written = 0
        for ref, line, opened, fast in applications:
            day = opened
            for event, days, detail in FAST_TRACK if fast else pick.choice(HISTORIES):
                if written >= rows:
                    return
                day += timedelta(days=days)
                writer.writerow([ref, "" if event == "enquiry" else line, event, day.isoformat(), detail])
                written += 1
    assert written == rows, f"only {written} milestone rows: generate more households"


def timed_import(kind: str, path: Path, **options) -> tuple[float, float, object]:
    """As `crm import` runs it: under an import run, committed in batches (a dry run stores nothing)."""
    wall, cpu = time.perf_counter(), time.process_time()
    run_id = runs.start(kind, path.name, user=None, dry_run=options.pop("dry_run", False),
                        add_authorities=options.pop("add_authorities", False))
    with path.open("rb") as stream:
        report = runs.run_import(run_id, stream, actor=None, max_rows=formats.MAX_ROWS_CLI, **options)
    assert report.ok, report.lines()[:12]
    return time.perf_counter() - wall, time.process_time() - cpu, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows in each file")
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, help="write the two files to this folder and keep them")
    parser.add_argument("--dry-run", action="store_true", help="only check the households file, storing nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        files = args.keep or Path(folder)
        files.mkdir(parents=True, exist_ok=True)
        household_file, milestone_file = generate(files, args.rows, args.seed)
        print(f"Database: {url.split('@')[-1]}; files in {files}; peak memory before importing {peak_mb():,.0f} MB")
        with app.app_context():
            for kind, path, options in (("households", household_file, {"add_authorities": True}),
                                        ("milestones", milestone_file, {}))[:1 if args.dry_run else 2]:
                wall, cpu, report = timed_import(kind, path, dry_run=args.dry_run, **options)
                rows = report.rows_read
                print(f"{kind}: {rows:,} rows in {wall:.1f} s = {rows / wall:,.0f} rows/s "
                      f"({cpu:.1f} s of CPU = {rows / cpu:,.0f} rows per CPU second); {report.counts()}; "
                      f"{len(report.gaps):,} applications with stages not recorded; peak memory so far "
                      f"{peak_mb():,.0f} MB")
        print(f"Peak memory of the process: {peak_mb():,.0f} MB (the files are generated in a child process)")


if __name__ == "__main__":
    main()
