"""One request of each hot page (issue 17), timed and its SQL statements counted, on a bench database.

    python -m bench.hot_pages --database-url URL [--repeat 5] [--threads 32 --enquiries 10]

Run after `crm bench --households N --generate-only`: the first run adds what the generator does not build (an
applicant per household, a worker with 200 allocated households, checks on those at Stage 1 or 2, an API token);
later runs find them. Prints the median milliseconds and the statements of each page. With --threads, then posts
--enquiries API enquiries from each of that many threads at once (one process: a check that concurrent writers
queue rather than fail, not a throughput figure) and prints the answers and the contacts stored.
"""
from __future__ import annotations

import argparse
import threading
import statistics
import time
import uuid

from collections import Counter

from sqlalchemy import event, func, select, text

from crm import create_app
from crm.extensions import db

WORKER_EMAIL, PASSWORD = "hot.worker@bench.example", "hot pages bench password 2026"
ALLOCATED = 200


def prepare(app) -> str:
    """The worker, their households and checks, and an API token; returns the token's secret."""
    from crm.api.tokens import create_token
    from crm.auth.models import User
    from crm.auth.roles import Role
    from crm.auth.services import create_user
    from crm.checks import services as checks
    from crm.households.models import Application, Household
    from crm import clock

    with app.app_context():
        session = db.session
        if session.scalar(select(User).where(User.email == WORKER_EMAIL)) is None:
            session.execute(text("INSERT INTO people (household_id, role, first_name, last_name) "
                                 "SELECT id, 'applicant', 'Sam', 'Bench' || id FROM households "
                                 "WHERE id NOT IN (SELECT household_id FROM people)"))
            worker = create_user(WORKER_EMAIL, "Hot Worker", PASSWORD,
                                 [Role.STAGE_ONE_WORKER, Role.RECRUITMENT_OFFICER, Role.MANAGER])
            session.flush()
            ids = list(session.scalars(select(Application.household_id).where(
                Application.status == "active", Application.stage.in_(["stage_1", "stage_2"]))
                .order_by(Application.household_id).limit(ALLOCATED)))
            session.execute(text("UPDATE households SET allocated_worker_id = :w, team_id = NULL WHERE id IN ("
                                 + ",".join(map(str, ids)) + ")"), {"w": worker.id})
            for application in session.scalars(select(Application).where(Application.household_id.in_(ids))):
                if checks.may_start_checks(application):
                    checks.create_checks(application, checks.missing_checks(application, clock.today()), actor=worker)
            session.commit()
        worker = session.scalar(select(User).where(User.email == WORKER_EMAIL))
        _token, secret = create_token(f"hot pages {uuid.uuid4().hex[:8]}", actor=worker)
        household_id = session.scalar(select(Household.id).where(Household.allocated_worker_id == worker.id)
                                      .order_by(Household.id))
        session.commit()
        return secret, household_id


def measure(app, secret: str, household_id: int, repeat: int) -> None:
    statements = []
    event.listen(db.state(app).engine, "before_cursor_execute", lambda *args: statements.append(1))
    client = app.test_client()
    client.post("/sign-in", data={"email": WORKER_EMAIL, "password": PASSWORD})
    pages = {"household page": lambda n: client.get(f"/households/{household_id}"),
             "home (work queue)": lambda n: client.get("/"),
             "check queue": lambda n: client.get("/checks"),
             "household search": lambda n: client.get("/households?q=bench1"),
             "my caseload": lambda n: client.get("/caseload"),
             "events": lambda n: client.get("/events"),
             "API enquiry": lambda n: client.post("/api/v1/enquiries", json=_enquiry(n), headers={
                 "Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex})}
    for name, get in pages.items():
        times, counts = [], []
        for n in range(repeat + 1):
            statements.clear()
            started = time.perf_counter()
            response = get(n)
            elapsed = time.perf_counter() - started
            assert response.status_code < 400, (name, response.status_code, response.get_data(as_text=True)[:300])
            if n:  # the first is a warm-up
                times.append(elapsed * 1000)
                counts.append(len(statements))
        print(f"{name:20} {statistics.median(times):8.1f} ms  {max(counts):4d} statements")


def concurrent_enquiries(app, secret: str, threads: int, each: int) -> None:
    from crm.enquiries.models import EnquiryContact

    answers: Counter = Counter()

    def post(thread: int) -> None:
        client = app.test_client()
        for n in range(each):
            body = {**_enquiry(n), "last_name": f"Concurrent{thread}", "email": f"c{thread}-{n}@bench.example"}
            answers[client.post("/api/v1/enquiries", json=body, headers={
                "Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex}).status_code] += 1
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(EnquiryContact))
        db.session.commit()
    started = time.perf_counter()
    workers = [threading.Thread(target=post, args=(thread,)) for thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(EnquiryContact)) - before
    print(f"{threads} threads x {each} API enquiries: answers {dict(answers)}, {stored} stored, "
          f"{threads * each / elapsed:.1f}/s")


def _enquiry(n: int) -> dict:
    return {"first_name": "Alex", "last_name": f"Bench{n + 7}", "email": f"b{n + 7:07d}@bench.example",
            "postcode": "LS1 1AB", "phone": "0113 496 0000", "service_lines": ["adoption"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--enquiries", type=int, default=10)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "hot-pages", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False, "TESTING": True})
    secret, household_id = prepare(app)
    measure(app, secret, household_id, args.repeat)
    if args.threads:
        concurrent_enquiries(app, secret, args.threads, args.enquiries)


if __name__ == "__main__":
    main()
