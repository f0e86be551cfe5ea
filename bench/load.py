"""The load harness of SPEC section 10: gunicorn (4 workers) against a bench database, driven from outside.

    python -m bench.load --database-url URL [--duration 30] [--scenarios household,home,checks,activity,...]

Run it against a database `crm bench --generate-only` built (its users, bench/people.py, sign in with a known
password). It starts gunicorn on a free local port, signs in simulated users of each role, then for each scenario
runs the users for --duration seconds and prints p50/p95/p99, requests a second, 5xx answers and, for public intake,
the contacts stored against the 2xx answers; each figure beside its target (SPEC section 10, issue 17).

Modes: "paced" (SPEC's 32 users pausing 1 s between requests: each user waits for its answer, then pauses) and
"closed" (users send the next request as soon as the answer comes: raw capacity). Threads with one httpx client
each; the generator runs on the same cores as gunicorn, so the figures are a floor of what two cores give.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.people import BENCH_DOMAIN, BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CASEWORK = ("recruitment_officer", "stage_one_worker", "assessing_social_worker")
CHECKERS = ("stage_one_worker", "assessing_social_worker")


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str  # a page (GET) or "intake" (POST /api/v1/enquiries)
    roles: tuple[str, ...]
    p95_ms: float | None  # target p95 in paced mode
    closed_rps: float | None  # target requests a second closed-loop
    paced_users: int = 32
    closed_users: int = 8


SCENARIOS = {
    "household": Scenario("household", "/households/{household}", CASEWORK, 100, 100),
    "home": Scenario("home", "/", CASEWORK, 100, 100),
    "checks": Scenario("checks", "/checks", CHECKERS, 100, 50),
    "activity": Scenario("activity", "/reports/activity", ("manager",), 2000, None, paced_users=8, closed_users=8),
    "timeliness": Scenario("timeliness", "/reports/timeliness", ("manager",), 2000, None, paced_users=8,
                           closed_users=8),
    "intake": Scenario("intake", "intake", (), None, None, closed_users=64),
}


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: int = 0  # no answer at all (connection refused, timeout)
    first: list[float] = field(default_factory=list)  # each user's first answer (reports: computed, not cached)
    lock = threading.Lock()

    def add(self, seconds: float, status: int, first: bool = False) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.statuses.append(status)
            if first:
                self.first.append(seconds)


@dataclass
class Result:
    scenario: Scenario
    mode: str
    users: int
    wall: float
    sample: Sample
    stored: int | None = None  # intake: contacts stored during the run
    target_note: str = ""

    def percentile(self, share: float) -> float:
        values = sorted(self.sample.seconds)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(round(share * (len(values) - 1))))] * 1000

    @property
    def count(self) -> int:
        return len(self.sample.seconds)

    @property
    def rps(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    @property
    def server_errors(self) -> int:
        return sum(1 for status in self.sample.statuses if status >= 500)

    @property
    def accepted(self) -> int:
        return sum(1 for status in self.sample.statuses if 200 <= status < 300)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    """Plain HTTP on this machine (no secure cookie), the scheduler out of the web workers, and rate limits that
    stay on (their cost is measured) but far above what the harness sends from one address and one token."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0", "HEARTH_SCHEDULER_IN_PROCESS": "0",
            "RATELIMIT_LOGIN": "100000 per minute", "RATELIMIT_API": "10000000 per minute",
            "RATELIMIT_PUBLIC_ENQUIRY": "100000 per minute"}


class Server:
    """gunicorn, started and stopped by the harness (only the process it started)."""

    def __init__(self, database_url: str, workers: int, port: int | None = None, env: dict | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--log-level", "warning", "crm:create_app()"],
            cwd=ROOT, env={**server_environment(database_url), **(env or {})})

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base}/sign-in", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def csrf_token(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.find(marker)
    if start < 0:
        marker = 'name="csrf_token" value="'
        start = html.find(marker)
    if start < 0:
        raise RuntimeError("no csrf_token on the sign-in page")
    start += len(marker)
    return html[start:html.index('"', start)]


def sign_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    token = csrf_token(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in: {answer.status_code}")
    return client


@dataclass
class Fixture:
    """What the harness needs from the database: the bench users by role, each worker's households, a token."""

    users: dict[str, list[str]]  # role -> emails
    households: dict[str, list[int]]  # email -> household ids allocated to them
    any_households: list[int]
    api_token: str


def prepare(database_url: str, per_role: int) -> Fixture:
    """Read the bench users and their households, and issue an API token, through the app (in this process)."""
    from sqlalchemy import func, select

    from crm import create_app
    from crm.api import tokens
    from crm.auth.models import User, UserRole
    from crm.extensions import db
    from crm.households.models import Household

    # This app serves no request. Flask-Limiter's one Limiter takes the settings of the last app it was given, so
    # an app made here with the limiter on would switch it on for any other app in this process (a test suite's).
    app = create_app({"DATABASE_URL": database_url, "SCHEDULER_IN_PROCESS": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        rows = db.session.execute(select(User.email, UserRole.role).join(UserRole, UserRole.user_id == User.id)
                                  .where(User.email.like(f"bench-%@{BENCH_DOMAIN}"), User.active)
                                  .order_by(User.id)).all()
        users: dict[str, list[str]] = {}
        for email, role in rows:
            if len(users.setdefault(role.value, [])) < per_role:
                users[role.value].append(email)
        if not users:
            raise SystemExit("No bench users: build the data first (crm bench --generate-only --scale 0.01)")
        emails = [email for group in users.values() for email in group]
        households: dict[str, list[int]] = {}
        for email, household_id in db.session.execute(
                select(User.email, Household.id).join(Household, Household.allocated_worker_id == User.id)
                .where(User.email.in_(emails))):
            households.setdefault(email, []).append(household_id)
        most = db.session.scalar(select(func.max(Household.id))) or 1
        any_households = random.Random(1).sample(range(1, most + 1), min(most, 500))
        administrator = db.session.scalar(select(User).where(User.email == users["administrator"][0]))
        _token, secret = tokens.create_token(f"bench load {uuid.uuid4().hex[:8]}", actor=administrator)
        db.session.commit()
        db.engine.dispose()
    return Fixture(users, households, any_households, secret)


def stored_contacts(database_url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from crm.enquiries.models import EnquiryContact
    engine = create_engine(database_url)
    with engine.connect() as connection:
        value = connection.scalar(select(func.count()).select_from(EnquiryContact))
    engine.dispose()
    return value


def invalidate_reports(database_url: str) -> None:
    """Move the data version (crm/dataversion.py), as any write would: the cached reports are computed again."""
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    engine.dispose()


def enquiry(rng: random.Random) -> dict:
    number = rng.randrange(10**9)
    return {"first_name": "Bench", "last_name": f"Load{number}", "email": f"load{number}@{BENCH_DOMAIN}",
            "postcode": "LS6 1AB", "service_lines": [rng.choice(["adoption", "fostering_mainstream"])],
            "message": "Sent by the bench load harness."}


def run_scenario(base: str, fixture: Fixture, scenario: Scenario, mode: str, users: int, duration: float,
                 pause: float, clients: dict[str, httpx.Client]) -> Result:
    sample = Sample()
    stop_at = time.monotonic() + duration

    def user_loop(index: int) -> None:
        rng = random.Random(index)
        if scenario.path == "intake":
            client = httpx.Client(base_url=base, timeout=120, headers={
                "Authorization": f"Bearer {fixture.api_token}"})
        else:
            emails = [email for role in scenario.roles for email in fixture.users.get(role, [])]
            email = emails[index % len(emails)]
            client = clients[email]
            mine = fixture.households.get(email) or fixture.any_households
        first = True
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                if scenario.path == "intake":
                    answer = client.post("/api/v1/enquiries", json=enquiry(rng),
                                         headers={"Idempotency-Key": uuid.uuid4().hex})
                else:
                    answer = client.get(scenario.path.format(household=rng.choice(mine)))
                sample.add(time.perf_counter() - started, answer.status_code, first)
                first = False
            except httpx.HTTPError:
                with sample.lock:
                    sample.errors += 1
            if pause:
                time.sleep(pause * rng.uniform(0.5, 1.5))
        if scenario.path == "intake":
            client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user_loop, range(users)))
    return Result(scenario, mode, users, time.perf_counter() - started, sample)


def verdict(measured: float, target: float | None, higher_is_better: bool) -> str:
    if target is None:
        return f"{measured:,.0f} (no target)"
    met = measured >= target if higher_is_better else measured < target
    return f"{measured:,.0f} / {'>=' if higher_is_better else '<'} {target:,.0f} {'ok' if met else 'MISS'}"


def table(results: list[Result], dialect: str) -> str:
    lines = [f"{'scenario':<11} {'mode':<6} {'users':>5} {'requests':>8} {'first ms':>8} {'p50 ms':>8} "
             f"{'p95 ms':>22} {'p99 ms':>8} {'req/s':>22} {'5xx':>4} {'failed':>6}  intake stored/2xx"]
    for result in results:
        scenario = result.scenario
        p95 = verdict(result.percentile(0.95), scenario.p95_ms if result.mode == "paced" else None, False)
        if scenario.path == "intake":
            rps_target = 200 if dialect == "postgresql" else 100
            accepted_per_second = result.accepted / result.wall if result.wall else 0
            rps = verdict(accepted_per_second, rps_target, True)
            stored = f"{result.stored:,} / {result.accepted:,} {'ok' if result.stored == result.accepted else 'LOST'}"
        else:
            rps = verdict(result.rps, scenario.closed_rps if result.mode == "closed" else None, True)
            stored = ""
        first = max(result.sample.first, default=float("nan")) * 1000
        lines.append(f"{scenario.name:<11} {result.mode:<6} {result.users:>5} {result.count:>8,} {first:>8,.0f} "
                     f"{result.percentile(0.5):>8,.0f} {p95:>22} {result.percentile(0.99):>8,.0f} {rps:>22} "
                     f"{result.server_errors:>4} {result.sample.errors:>6}  {stored}")
    return "\n".join(lines)


def run(database_url: str, names: list[str], modes: list[str], *, duration: float, pause: float = 1.0,
        users: int | None = None, closed_users: int | None = None, workers: int = 4, url: str | None = None
        ) -> list[Result]:
    """Start gunicorn (unless `url`), sign the users in, run each scenario in each mode; gunicorn is stopped."""
    fixture = prepare(database_url, per_role=64)
    server = None if url else Server(database_url, workers)
    clients: dict[str, httpx.Client] = {}
    results = []
    try:
        base = url or server.base
        if server:
            server.wait_ready()
        emails = sorted({email for name in names for role in SCENARIOS[name].roles
                         for email in fixture.users.get(role, [])})
        with ThreadPoolExecutor(max_workers=8) as pool:
            clients = dict(zip(emails, pool.map(lambda email: sign_in(base, email), emails)))
        for name in names:
            scenario = SCENARIOS[name]
            for mode in (["closed"] if scenario.path == "intake" else modes):
                count = (users or scenario.paced_users) if mode == "paced" else (closed_users or scenario.closed_users)
                before = stored_contacts(database_url) if scenario.path == "intake" else None
                if scenario.path.startswith("/reports/"):
                    invalidate_reports(database_url)  # the users' first requests compute it, all at once
                load = os.getloadavg()[0]
                result = run_scenario(base, fixture, scenario, mode, count, duration,
                                      pause if mode == "paced" else 0, clients)
                if before is not None:
                    result.stored = stored_contacts(database_url) - before
                print(f"{name} {mode}: {result.count} requests in {result.wall:.1f} s (load average {load:.1f})",
                      file=sys.stderr)
                results.append(result)
    finally:
        for client in clients.values():
            client.close()
        if server:
            server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="The bench database (default DATABASE_URL).")
    parser.add_argument("--duration", type=float, default=30, help="Seconds each scenario runs.")
    parser.add_argument("--scenarios", default="household,home,checks,activity,timeliness,intake")
    parser.add_argument("--modes", default="paced,closed", help="paced (pause between requests), closed, or both.")
    parser.add_argument("--pause", type=float, default=1.0, help="Paced mode: mean seconds between requests.")
    parser.add_argument("--users", type=int, help="Users per scenario in paced mode (default SPEC's: 32; reports 8).")
    parser.add_argument("--closed-users", type=int, help="Users in closed mode (default 8; intake 64).")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
    parser.add_argument("--url", help="Drive a server already running here instead of starting gunicorn.")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    dialect = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"

    results = run(args.database_url, names, modes, duration=args.duration, pause=args.pause, users=args.users,
                  closed_users=args.closed_users, workers=args.workers, url=args.url)
    print(f"{dialect}, {args.workers} gunicorn workers, {args.duration:g} s a scenario, load average now "
          f"{os.getloadavg()[0]:.1f}; p95 target applies paced, req/s target closed; 'failed' = no answer")
    print(table(results, dialect))
    return 0


if __name__ == "__main__":
    sys.exit(main())
