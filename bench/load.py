"""The load harness of SPEC section 10: gunicorn (4 workers) against a bench database, driven from outside.

    python -m bench.load --database-url URL [--duration 30] [--scenarios household,home,checks,activity,...]

Run it against a database `crm bench --generate-only` built (its users, bench/people.py, sign in with a known
password). It starts gunicorn on a free local port, signs in simulated users of each role, then for each scenario
runs the users for --duration seconds and prints p50/p95/p99, requests a second, 5xx answers and, for public intake,
the contacts stored against the 2xx answers; each figure beside its target (SPEC section 10, issue 17).

Modes: "paced" (SPEC's 32 users pausing 1 s between requests: each user waits for its answer, then pauses) and
"closed" (users send the next request as soon as the answer comes: raw capacity). Threads with one kept-alive
http.client connection each (httpx signs the users in); the generator runs on the same cores as gunicorn, so the figures are a floor of what two cores give.

Where the cores went (Linux, from /proc): for each run, the CPU seconds of gunicorn's processes, of the database
server's (PostgreSQL's processes; SQLite works inside gunicorn), of the load generator itself, and of the whole
machine (other work included), as milliseconds of CPU per request: the capacity two cores can give is about
2,000 ms / (app + database ms per request) requests a second, whatever the harness does.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
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
from sqlalchemy.engine import make_url

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
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds during the run: app, database, harness, machine

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


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_seconds(pid: int, children: bool = False) -> float:
    """A process's CPU seconds from /proc (its waited-for children's too when `children`); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + (cutime + cstime if children else 0)) / TICKS


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name_part, rest = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            found.append((int(entry.name), int(rest.split()[1]), name_part.split("(", 1)[1]))
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_seconds(server_pid: int | None, database_name: str | None) -> dict[str, float]:
    """CPU seconds so far: gunicorn's master and workers ("app"), PostgreSQL's backends of the bench database
    ("database"; None on SQLite), this process ("harness") and the machine's busy time ("machine")."""
    if not Path("/proc/stat").exists():
        return {}
    processes = _processes()
    app = (_process_seconds(server_pid, children=True)
           + sum(_process_seconds(pid) for pid, parent, _name in processes if parent == server_pid)
           if server_pid else 0.0)
    # PostgreSQL's backends serving this database ("postgres: USER DATABASE HOST(PORT) STATE"): the app's pooled
    # connections live through a run; the server's shared work and other databases' backends are not counted.
    database = sum(_process_seconds(pid) for pid, _parent, name in processes
                   if name == "postgres" and database_name and f" {database_name} " in _command_line(pid))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    busy = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    machine = (sum(busy) - busy[3] - busy[4]) / TICKS  # all but idle and iowait
    return {"app": app, "database": database, "harness": usage.ru_utime + usage.ru_stime, "machine": machine}


def cpu_lines(results: list[Result]) -> str:
    """Milliseconds of CPU per request, by whom, for each run."""
    lines = ["CPU per request (ms): app = gunicorn, database = PostgreSQL's backends of this database, harness = this load generator, "
             "other = the rest of the machine's busy time"]
    for result in results:
        if not result.cpu or not result.count:
            continue
        each = {key: value * 1000 / result.count for key, value in result.cpu.items()}
        other = each["machine"] - each["app"] - each["database"] - each["harness"]
        busy = result.cpu["machine"] / (result.wall * (os.cpu_count() or 1)) * 100
        lines.append(f"{result.scenario.name:<11} {result.mode:<6} app {each['app']:6.1f}  database "
                     f"{each['database']:6.1f}  harness {each['harness']:6.1f}  other {max(other, 0):6.1f}  "
                     f"(cores {busy:.0f}% busy)")
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    """Plain HTTP on this machine (no secure cookie), the scheduler out of the web workers, and rate limits that
    stay on (their cost is measured) but far above what the harness sends from one address and one token."""
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    # (without compiled bytecode kept, each of the workers compiles the app's ~280 modules on every start: about
    # 3 s of CPU each, past a minute on a busy pair of cores)
    return {**inherited, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
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

    def wait_ready(self, timeout: float = 180) -> None:
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
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

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


class Connection:
    """One kept-alive HTTP/1.1 connection (http.client). The generator shares the cores it measures, so its own
    cost matters: an intake request cost it 27 ms of CPU with an httpx client (national scale, PostgreSQL, a
    loaded machine), 1.5 ms with this (1/100, SQLite, loaded too)."""

    def __init__(self, base: str, headers: dict[str, str]):
        address = httpx.URL(base)
        self.host, self.port, self.headers = address.host, address.port, headers
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
        """The answer's status; the body is read and dropped. One reconnect if the kept connection was closed."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request(method, path, body=body, headers={**self.headers, **(headers or {})})
                answer = self.connection.getresponse()
                answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    self.close()
                return answer.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_scenario(base: str, fixture: Fixture, scenario: Scenario, mode: str, users: int, duration: float,
                 pause: float, clients: dict[str, httpx.Client]) -> Result:
    sample = Sample()

    if scenario.path == "intake":
        connections = [Connection(base, {"Authorization": f"Bearer {fixture.api_token}",
                                         "Content-Type": "application/json"}) for _ in range(users)]
    else:
        emails = [email for role in scenario.roles for email in fixture.users.get(role, [])]
        connections = [Connection(base, {"Cookie": "; ".join(f"{name}={value}" for name, value
                                                             in clients[emails[index % len(emails)]].cookies.items())})
                       for index in range(users)]

    def user_loop(index: int) -> None:
        rng = random.Random(index)
        connection = connections[index]
        if scenario.path != "intake":
            email = emails[index % len(emails)]
            mine = fixture.households.get(email) or fixture.any_households
        first = True
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                if scenario.path == "intake":
                    status = connection.request("POST", "/api/v1/enquiries", json.dumps(enquiry(rng)).encode(),
                                                {"Idempotency-Key": uuid.uuid4().hex})
                else:
                    status = connection.request("GET", scenario.path.format(household=rng.choice(mine)))
                sample.add(time.perf_counter() - started, status, first)
                first = False
            except OSError:
                with sample.lock:
                    sample.errors += 1
            if pause:
                time.sleep(pause * rng.uniform(0.5, 1.5))

    started, stop_at = time.perf_counter(), time.monotonic() + duration
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user_loop, range(users)))
    wall = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return Result(scenario, mode, users, wall, sample)


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
    database_name = make_url(database_url).database if database_url.startswith("postgresql") else None
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
                cpu_before = cpu_seconds(server.process.pid if server else None, database_name)
                result = run_scenario(base, fixture, scenario, mode, count, duration,
                                      pause if mode == "paced" else 0, clients)
                cpu_after = cpu_seconds(server.process.pid if server else None, database_name)
                result.cpu = {key: cpu_after[key] - cpu_before[key] for key in cpu_after}
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
    print(cpu_lines(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
