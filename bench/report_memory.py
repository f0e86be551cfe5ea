"""Peak memory and time of every registered report over ten financial years, each in a fresh process (issue 17).

    python -m bench.report_memory --database-url URL [--today 2026-11-23] [--years 10] [--reports a,b] [--by month]

Run against a database `crm bench --scale S --generate-only --today 2026-11-23` built. For each report (the
managers' pages and `crm report`'s attribution), a child process creates the application, notes its peak resident
memory (`resource.getrusage(RUSAGE_SELF).ru_maxrss`: what importing Flask, SQLAlchemy and pandas costs), computes
the report once (no cache) for the `--years` financial years ending with the one `--today` is in, the clock stood
at noon on `--today`, and prints its peak memory, the growth over the start and the seconds the computation took.
A fresh process each, because the peak of a process never falls: in one process every report after the worst
would show the worst's figure. Columns: "start" is resident after the application started (it peaks near 200 MB
while starting, then settles); "peak" the resident high-water mark during the computation (reset just before it);
"growth" their difference, what the report itself costs; "process peak" the higher of that peak and ru_maxrss
before the reset: the whole process's peak, the application's start included (what a worker would show).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, time as wall_time

from sqlalchemy import text

DEFAULT_TODAY = "2026-11-23"


def _peak_mb() -> float:
    """The process's peak resident memory so far (Linux gives kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak since the start or the last `_reset_peak`) of this process."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def _reset_peak() -> None:
    """Start the peak again from what is resident now (Linux: "5" to clear_refs resets the high-water mark), so the
    report's own peak is not hidden under the application's start, which peaks higher than it settles."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def period(today: date, years: int) -> tuple[date, date]:
    """`years` financial years ending with the one `today` is in."""
    from crm.clock import financial_year, financial_year_starting

    start, end = financial_year(today)
    return financial_year_starting(start.year - years + 1), end


def one(name: str, today: date, years: int, by: str | None) -> dict:
    """Compute `name` in this process; its figures as a dict for the parent."""
    from crm import clock, create_app
    from crm.extensions import db
    from crm.reports import registry
    from crm.reports.base import ReportParams, Split
    from crm.reports.marketing.report import params_for

    app = create_app({"SECRET_KEY": "bench-report-memory"})
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connected: the driver's memory is in the baseline too
        date_from, date_to = period(today, years)
        with clock.travel(clock.london_time(today, wall_time(12)), tick=False):
            params = ReportParams(date_from, date_to, by=Split(by) if by else None)
            params = params_for(params) if name in registry.MARKETING else ReportParams(
                params.date_from, params.date_to, at=params.snapshot_date(), by=params.by)
            start_peak = _peak_mb()
            _reset_peak()
            before = _status_mb("VmRSS")
            started = time.perf_counter()
            report = registry.compute(name, params)
            seconds = time.perf_counter() - started
        db.session.rollback()
    return {"report": name, "from": date_from.isoformat(), "to": date_to.isoformat(), "by": by,
            "start_peak_mb": round(start_peak, 1), "start_mb": round(before, 1),
            "peak_mb": round(_status_mb("VmHWM"), 1), "process_peak_mb": round(max(start_peak, _status_mb("VmHWM")), 1),
            "seconds": round(seconds, 2),
            "figures": len(json.dumps(report.as_json(), default=str))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in
                        os.environ)
    parser.add_argument("--today", default=DEFAULT_TODAY, help="The day the clock stands at (the data's --today).")
    parser.add_argument("--years", type=int, default=10, help="Financial years, ending with today's.")
    parser.add_argument("--reports", help="Comma-separated report names (default: every registered report).")
    parser.add_argument("--by", help="A split (month, quarter, service_line, ...) for the reports that offer it.")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: compute this report, print JSON
    args = parser.parse_args(argv)
    today = date.fromisoformat(args.today)
    os.environ["DATABASE_URL"] = args.database_url
    if args.one:
        print(json.dumps(one(args.one, today, args.years, args.by)))
        return 0
    from crm.reports import registry

    names = args.reports.split(",") if args.reports else list(registry.COMMAND_LINE_NAMES)
    print(f"{'report':<18} {'start MB':>9} {'peak MB':>8} {'growth MB':>10} {'process peak MB':>16} {'seconds':>8}",
          flush=True)
    failed = False
    for name in names:
        if args.by and args.by not in _splits(name):
            print(f"{name:<18} (no {args.by} split)")
            continue
        command = [sys.executable, "-m", "bench.report_memory", "--database-url", args.database_url, "--today",
                   args.today, "--years", str(args.years), "--one", name, *(["--by", args.by] if args.by else [])]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            failed = True
            print(f"{name:<18} FAILED: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:<18} {row['start_mb']:>9.1f} {row['peak_mb']:>8.1f} {row['peak_mb'] - row['start_mb']:>10.1f} "
              f"{row['process_peak_mb']:>16.1f} {row['seconds']:>8.2f}", flush=True)
    print(f"({args.years} financial years to {period(today, args.years)[1]}, clock at {today} 12:00 London; "
          f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())})")
    return 1 if failed else 0


def _splits(name: str) -> list[str]:
    from crm.reports import registry

    return [split.value for split in getattr(registry.REPORTS.get(name), "SPLITS", ())]


if __name__ == "__main__":
    sys.exit(main())
