"""`crm demo load` and `crm run`: the embedded start of `make run`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from crm import clock, migrate
from crm import config as settings
from crm.demo.services import has_data, load_demo
from crm.extensions import db

demo_group = AppGroup("demo", help="Demo data (Faker; no real people).")


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.json"


@demo_group.command("load")
@click.option("--seed", default=2026, show_default=True, help="The same seed gives the same households.")
@click.option("--households", default=300, show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Build the history as if today were this date.")
def load(seed, households, today):
    """Load demo staff and households into an empty database."""
    if has_data():
        raise click.ClickException("The database already has users; demo data goes only into an empty database.")
    logins = load_demo(seed=seed, households=households, today=today.date() if today else None)
    db.session.commit()
    _save_logins(logins)
    click.echo(f"Loaded {households} demo households and {len(logins)} staff.")
    _print_logins(logins)


def _save_logins(logins: dict[str, str]) -> None:
    path = _logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(logins, handle, indent=2)


def _print_logins(logins: dict[str, str]) -> None:
    click.echo("Demo sign-ins (also in instance/demo-logins.json):")
    for email, password in logins.items():
        click.echo(f"  {email:45} {password}")


def _run_jobs_once() -> None:
    """So the demo opens with the escalations the morning's jobs would have raised."""
    from jobs.runner import run_job
    from jobs.scheduler import JOBS

    for job in JOBS:
        run = run_job(job.id)
        click.echo(f"  job {job.id}: {run.status.value}")


@click.command("run")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def run_command(host, port):
    """Migrate, load demo data on first start, print a sign-in, start the scheduled jobs, and serve."""
    settings.embedded(current_app.config)
    migrate.upgrade(current_app.config["DATABASE_URL"])
    if not has_data():
        click.echo("First start: loading demo data...")
        logins = load_demo(today=clock.today())
        db.session.commit()
        _save_logins(logins)
        _run_jobs_once()
    if _logins_file().exists():
        logins = json.loads(_logins_file().read_text())
        manager = next((e for e in logins if e.startswith("manager")), next(iter(logins)))
        _print_logins(logins)
        click.echo(f"\nSign in at http://{host}:{port}/ as {manager} with password {logins[manager]}\n")
    db.session.close()
    app = current_app._get_current_object()
    if app.config["SCHEDULER_IN_PROCESS"]:
        from apscheduler.schedulers.background import BackgroundScheduler

        from jobs.scheduler import configure

        configure(BackgroundScheduler(daemon=True), app).start()
        click.echo("Scheduled jobs run in this process (production: `crm scheduler` on its own).")
    # Flask's app.run() refuses to run inside its own CLI; the same development server, started directly.
    run_simple(host, port, app, threaded=True)
