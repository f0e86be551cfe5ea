"""`crm bench`: build national-scale data on DATABASE_URL (or reuse what is there) and time the reports against
hand-written SQL (SPEC section 10)."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from bench import run as bench
from bench.generate import GenerateError, generate
from crm import clock
from crm.extensions import db
from crm.clock import financial_year

NATIONAL_HOUSEHOLDS = 300_000  # SPEC section 10: with their contacts, people, checks and events


@click.command("bench")
@click.option("--households", default=30_000, show_default=True,
              help="Households to generate into an empty database (national scale: 300000).")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True, max=1),
              help="A fraction of national scale instead of --households: 0.001 (300 households), 0.01, 1.")
@click.option("--repeat", default=5, show_default=True, type=click.IntRange(min=1),
              help="Timed runs of each side; the table shows the median.")
@click.option("--seed", default=2026, show_default=True, help="The same seed and --today give the same data.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="The end of the ten years generated (default today).")
@click.option("--append", is_flag=True, help="Generate --households more into a database that already has some.")
@click.option("--year", type=int,
              help="Benchmark the financial year from 1 April YEAR (default: the last complete one).")
@click.option("--generate-only", is_flag=True, help="Build the data and stop.")
@with_appcontext
def bench_command(households, scale, repeat, seed, today, append, year, generate_only):
    """Generate (or reuse) data, then time activity by month and timeliness: report module vs one SQL statement."""
    if scale is not None:
        households = max(1, round(NATIONAL_HOUSEHOLDS * scale))
    today = today.date() if today else clock.today()
    existing = bench.sizes(db.session)["households"]
    if existing and not (append or generate_only):
        click.echo(f"The database already has {existing:,} households: benchmarking those "
                   "(--append adds --households more).")
    else:
        _generate(households, seed, today, append)  # refuses a database with households unless --append
    if generate_only:
        return
    date_from, date_to = financial_year(clock.financial_year_starting(year)) if year else bench.last_complete_year(today)
    _describe(date_from, date_to, repeat)
    results = bench.run(db.session, date_from=date_from, date_to=date_to, repeat=repeat)
    click.echo(bench.table(results, repeat))
    for result in results:
        for line in result.differences[:20]:
            click.echo(f"  {result.name}: {line}", err=True)
    if any(result.differences for result in results):
        raise click.ClickException("The report modules and the SQL disagree (see above).")


def _generate(households: int, seed: int, today, append: bool) -> None:
    started = time.perf_counter()
    try:
        counts = generate(db.session, households=households, seed=seed, today=today, append=append,
                          response_days=current_app.config["FIRST_RESPONSE_WORKING_DAYS"])
    except GenerateError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    bench.analyze(db.session)
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(f"Generated {counts.households:,} households, {counts.people:,} people, {counts.contacts:,} contacts, "
               f"{counts.applications:,} applications, {counts.events:,} stage events, {counts.checks:,} checks "
               f"({counts.check_requests:,} requested, {counts.chases:,} chases, {counts.receipts:,} received), "
               f"{counts.bookings:,} bookings ({counts.attendances:,} attended): {counts.milestones:,} milestone "
               f"events, {counts.rows:,} rows in {seconds:.0f} s ({counts.rows / seconds:,.0f} rows/s).")


def _describe(date_from, date_to, repeat: int) -> None:
    url = db.engine.url
    sizes = bench.sizes(db.session)
    click.echo(f"Database: {url.get_backend_name()} {url.database}; {sizes['households']:,} households, "
               f"{sizes['contacts']:,} contacts, {sizes['applications']:,} applications, {sizes['events']:,} events.")
    click.echo(f"Financial year {date_from.isoformat()} to {date_to.isoformat()}; {repeat} timed runs each.")
