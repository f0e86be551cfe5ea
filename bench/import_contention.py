"""Public enquiries during a large import on SQLite (issue 16 finding 6: none accepted may be lost).

    .venv/bin/python -m bench.import_contention [--rows 30000] [--enquiries 200] [--concurrency 16] [--workers 4]

A fresh SQLite file; gunicorn (WORKERS workers) serves the app on it; `crm import households` imports a generated
file of ROWS rows (bench/imports.py's generator) in a process of its own, committing in batches; once the import has
started, ENQUIRIES public API enquiries (POST /api/v1/enquiries with a token) are sent, CONCURRENCY at a time.
Prints how many were accepted (2xx), how many of those are stored (matched by their email), how many were lost, the
other answers, and how many "database is locked" errors the server logged. Exits 1 if any was lost or locked.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.imports import write_files
from crm import migrate
from crm.api import tokens

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_token(url: str, folder: Path) -> str:
    from crm import create_app
    from crm.api.models import ApiToken
    from crm.extensions import db

    secret = tokens.PREFIX + secrets.token_urlsafe(32)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        db.session.add(ApiToken(name="Bench", token_hash=tokens.digest(secret), prefix=secret[:12]))
        db.session.commit()
        db.engine.dispose()
    return secret


def wait_for(port: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def send(port: int, secret: str, number: int) -> tuple[int, str]:
    body = {"first_name": "Bench", "last_name": f"Contention{number}", "email": f"bench{number}@contention.example",
            "service_lines": ["fostering_mainstream"], "message": "Sent during an import"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/enquiries", data=json.dumps(body).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {secret}",
                                                             "Content-Type": "application/json",
                                                             "Idempotency-Key": f"bench-{number}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300].decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


def run(rows: int, enquiries: int, concurrency: int, workers: int, folder: Path) -> dict:
    database = folder / "contention.sqlite3"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    secret = add_token(url, folder)
    households_file, _ = write_files(folder, rows, 2026)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-contention", "RATELIMIT_ENABLED": "false",
           "HEARTH_INSTANCE_PATH": str(folder), "HEARTH_SCHEDULER_IN_PROCESS": "false"}
    server_log = folder / "gunicorn.log"
    with server_log.open("w") as log:
        server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                   "--timeout", "120", "crm:create_app()"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(port)
        import_log = (folder / "import.log").open("w")
        started = time.perf_counter()
        importer = subprocess.Popen([str(BIN / "crm"), "import", "households", str(households_file),
                                     "--add-authorities"], cwd=ROOT, env=env, stdout=import_log,
                                    stderr=subprocess.STDOUT)
        _wait_for_import(url)
        with ThreadPoolExecutor(concurrency) as pool:
            answers = list(pool.map(lambda n: send(port, secret, n), range(enquiries)))
        sent_in = time.perf_counter() - started
        import_code = importer.wait()
        import_seconds = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT count(*) FROM households WHERE email LIKE '%@contention.example'"))
        imported = connection.scalar(text("SELECT count(*) FROM households WHERE reference LIKE 'H%'"))
    engine.dispose()
    accepted = sum(1 for status, _ in answers if 200 <= status < 300)
    log_text = server_log.read_text(errors="replace") + (folder / "import.log").read_text(errors="replace")
    return {"rows": rows, "enquiries": enquiries, "accepted": accepted, "stored": stored, "lost": accepted - stored,
            "refused": sorted({(status, reason[:120]) for status, reason in answers if not 200 <= status < 300}),
            "locked": log_text.count("database is locked") + sum("database is locked" in r for _, r in answers),
            "import_exit": import_code, "households_imported": imported,
            "enquiries_done_after": round(sent_in, 1), "import_seconds": round(import_seconds, 1)}


def _wait_for_import(url: str, timeout: float = 120) -> None:
    """Until the import run is running (the file read, the first batches under way)."""
    engine = create_engine(url)
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            try:
                with engine.connect() as connection:
                    if connection.scalar(text("SELECT count(*) FROM import_runs WHERE status = 'running'")):
                        return
            except Exception:  # noqa: BLE001 (busy: try again)
                pass
            time.sleep(0.2)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="rows in the households file")
    parser.add_argument("--enquiries", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = run(args.rows, args.enquiries, args.concurrency, args.workers, Path(folder))
    for key, value in result.items():
        print(f"{key}: {value}")
    sys.exit(1 if result["lost"] or result["locked"] or result["import_exit"] else 0)


if __name__ == "__main__":
    main()
