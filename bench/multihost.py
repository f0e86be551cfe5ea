"""Several hosts (issue 17): two app servers and two schedulers against one PostgreSQL, the rate limits in Redis.
Nothing lost or doubled.

    python -m bench.multihost --database-url postgresql+psycopg://USER@HOST/DB [--redis redis://127.0.0.1:6379/0]
                              [--enquiries 30] [--replays 5] [--limit 40] [--workers 2]

The database is migrated (an empty one will do; nothing in it is changed but what the run adds). It starts two
gunicorn servers on two ports (as two hosts would be: the same settings, RATELIMIT_STORAGE_URI pointing at the one
Redis, moving-window limits) and two `crm scheduler` processes, then:

1. sends `--enquiries` new public enquiries (POST /api/v1/enquiries, an Idempotency-Key each) alternately to the
   two servers, 8 at a time;
2. sends `--replays` of them again, with the same key, to the *other* server: each must answer 200 with the same
   contact (a retry through another host is not a second contact);
3. sends `--enquiries` more: the API token's limit (`--limit` an hour, per token) is one count shared by both
   servers through Redis, so exactly `limit - enquiries - replays` of these are accepted and the rest get 429
   (with per-process counts each server would accept them all);
4. waits until both schedulers have run, or skipped, each job they found due at start, and reads job_runs.

It checks: contacts stored = 201 answers, 2xx answers = the limit, no 5xx and no request unanswered, and every
job ran exactly once per due time (the other scheduler recorded a skip). Exit status 1 if any check fails.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load import ROOT, Server, enquiry, stored_contacts

CRM = str(Path(sys.executable).with_name("crm"))


@dataclass
class Outcome:
    statuses: Counter = field(default_factory=Counter)  # every answer's status (0: no answer)
    created: int = 0  # 201 answers
    replays_same: int = 0  # replays through the other server that gave back the same contact
    replays: int = 0
    stored: int = 0  # contacts stored during the run
    accepted: int = 0  # 2xx answers
    limit: int = 0
    runs: dict[str, Counter] = field(default_factory=dict)  # job id -> statuses of its runs
    doubled: list[str] = field(default_factory=list)  # "job at due time" run more than once
    unfinished: list[str] = field(default_factory=list)  # jobs with no finished run

    def failures(self) -> list[str]:
        problems = []
        if self.stored != self.created:
            problems.append(f"{self.stored} contacts stored for {self.created} answers 201")
        if self.replays_same != self.replays:
            problems.append(f"{self.replays - self.replays_same} of {self.replays} replays not answered as the first")
        if self.accepted != self.limit:
            problems.append(f"{self.accepted} accepted across both servers for a shared limit of {self.limit}")
        if errors := sum(n for status, n in self.statuses.items() if status >= 500 or status == 0):
            problems.append(f"{errors} answers 5xx or none")
        problems += [f"ran more than once: {what}" for what in self.doubled]
        problems += [f"no finished run: {job}" for job in self.unfinished]
        return problems

    def report(self) -> str:
        lines = [f"answers: {dict(sorted(self.statuses.items()))}",
                 f"intake: {self.created} created, {self.stored} stored (lost or doubled: {self.stored - self.created})",
                 f"replays through the other server: {self.replays_same} / {self.replays} gave the same contact",
                 f"shared rate limit: {self.accepted} accepted / {self.limit} allowed per token across both servers",
                 "job runs (two schedulers): " + ", ".join(
                     f"{job} {dict(statuses)}" for job, statuses in sorted(self.runs.items()))]
        failures = self.failures()
        lines.append("OK: nothing lost or doubled" if not failures else "FAILED: " + "; ".join(failures))
        return "\n".join(lines)


def redis_available(url: str) -> bool:
    try:
        import redis
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - not installed, refused, timed out: not available
        return False


def issue_token(database_url: str) -> str:
    """A fresh API token (so the run's rate-limit count is its own), through an app with the limiter off."""
    from crm import create_app
    from crm.api import tokens
    from crm.api.models import ApiToken
    from crm.extensions import db

    app = create_app({"DATABASE_URL": database_url, "SCHEDULER_IN_PROCESS": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        secret = tokens.PREFIX + secrets.token_urlsafe(32)
        db.session.add(ApiToken(name=f"multihost {uuid.uuid4().hex[:8]}", token_hash=tokens.digest(secret),
                                prefix=secret[:12]))
        db.session.commit()
        db.engine.dispose()
    return secret


def job_runs(database_url: str) -> list[tuple[str, str, object]]:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT job_id, status, started_at FROM job_runs ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def run(database_url: str, redis_url: str, *, enquiries: int = 30, replays: int = 5, limit: int = 40,
        workers: int = 2, timeout: float = 180, log=print) -> Outcome:
    from crm import migrate
    from jobs.scheduler import JOBS_BY_ID, last_due

    if limit <= enquiries + replays:
        raise ValueError("the limit must leave room after the first enquiries and the replays")
    migrate.upgrade(database_url)
    token = issue_token(database_url)
    started_runs = len(job_runs(database_url))
    env = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_STRATEGY": "moving-window",
           "RATELIMIT_API": f"{limit} per hour"}
    servers = [Server(database_url, workers, env=env) for _ in range(2)]
    scheduler_env = {**os.environ, **env, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32)}
    schedulers = [subprocess.Popen([CRM, "scheduler"], cwd=ROOT, env=scheduler_env, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    outcome = Outcome(limit=limit)
    try:
        for server in servers:
            server.wait_ready()
        log(f"servers on {servers[0].base} and {servers[1].base}; schedulers pid {[p.pid for p in schedulers]}")
        before = stored_contacts(database_url)
        rng = random.Random(17)
        clients = [httpx.Client(base_url=server.base, timeout=60,
                                headers={"Authorization": f"Bearer {token}"}) for server in servers]

        def post(host: int, body: dict, key: str) -> tuple[int, dict | None]:
            try:
                answer = clients[host].post("/api/v1/enquiries", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                outcome.statuses[0] += 1
                return 0, None
            outcome.statuses[answer.status_code] += 1
            return answer.status_code, answer.json() if answer.status_code < 300 else None

        def send_new(count: int) -> list[tuple[int, dict, str, dict | None, int]]:
            sends = [(n % 2, enquiry(rng), uuid.uuid4().hex) for n in range(count)]
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda send: post(*send), sends))
            return [(host, body, key, answer, status) for (host, body, key), (status, answer) in zip(sends, answers)]

        first = send_new(enquiries)
        created = [sent for sent in first if sent[4] == 201]
        for host, body, key, answer, _status in created[:replays]:
            status, again = post(1 - host, body, key)
            outcome.replays += 1
            outcome.replays_same += status == 200 and again is not None and again["id"] == answer["id"]
        second = send_new(enquiries)
        outcome.created = sum(sent[4] == 201 for sent in first + second)
        outcome.accepted = sum(n for status, n in outcome.statuses.items() if 200 <= status < 300)
        outcome.stored = stored_contacts(database_url) - before
        for client in clients:
            client.close()

        # Each scheduler, once started, catches up on every job last due with no run since (on an empty database:
        # all of them). Whichever takes a job's lock first runs it; the other, if it found the job due too, skips.
        for process in schedulers:
            process.stdout.readline()  # "Scheduler started with N jobs": its catch-ups are added
        deadline, seen, quiet_since = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            runs = job_runs(database_url)[started_runs:]
            if len(runs) != seen:
                seen, quiet_since = len(runs), time.monotonic()
            done = {job for job, status, _ in runs if status != "running"}
            if (done >= set(JOBS_BY_ID) and not any(status == "running" for _, status, _ in runs)
                    and time.monotonic() - quiet_since > 3):
                break
            time.sleep(0.5)
    finally:
        for process in schedulers:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in schedulers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for server in servers:
            server.stop()
    per_due: Counter = Counter()
    for job, status, started in runs:
        outcome.runs.setdefault(job, Counter())[status] += 1
        if status in ("running", "succeeded"):
            per_due[(job, last_due(JOBS_BY_ID[job], started))] += 1
    outcome.doubled = [f"{job} due {due}" for (job, due), n in per_due.items() if n > 1]
    outcome.unfinished = [job for job in JOBS_BY_ID if not outcome.runs.get(job, {}).get("succeeded")]
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="A PostgreSQL database.")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for the rate limits.")
    parser.add_argument("--enquiries", type=int, default=30)
    parser.add_argument("--replays", type=int, default=5)
    parser.add_argument("--limit", type=int, default=40, help="API requests an hour per token, shared.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server.")
    args = parser.parse_args(argv)
    if not (args.database_url or "").startswith("postgresql"):
        parser.error("--database-url: a PostgreSQL database (SQLite is one host's database)")
    if not redis_available(args.redis):
        parser.error(f"no Redis answering at {args.redis}")
    started = time.monotonic()
    outcome = run(args.database_url, args.redis, enquiries=args.enquiries, replays=args.replays, limit=args.limit,
                  workers=args.workers)
    print(outcome.report())
    print(f"{time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.1f}")
    return 1 if outcome.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
