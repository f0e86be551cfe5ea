"""`crm report NAME`: a report's figures for a period as CSV, XLSX or JSON."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm import clock
from crm.extensions import db
from crm.reports import registry
from crm.reports.base import BadArgument, ReportParams, Split
from crm.reports.marketing import report as marketing
from crm.reports.render import exports

OPTIONS = {"date_from": "--from", "date_to": "--to", "at": "--at", "by": "--by"}  # ReportParams.ARGS' options


@click.command("report")
@click.argument("name", type=click.Choice(registry.COMMAND_LINE_NAMES))
@click.option("--from", "date_from", metavar="YYYY-MM-DD",
              help="The first day of the period (default: the start of the financial year of --to, or of today).")
@click.option("--to", "date_to", metavar="YYYY-MM-DD",
              help="The last day of the period, included (default: the end of the financial year of --from, or of "
                   "today).")
@click.option("--at", metavar="YYYY-MM-DD", help="The snapshot date, and the day conversion's cohorts are followed "
                                                 "to (default: today, or --to when that is earlier).")
@click.option("--by", type=click.Choice([split.value for split in Split]), help="Split the figures.")
@click.option("--model", type=click.Choice(marketing.MODELS), help="The attribution model (attribution report only; "
                                                                     f"default: {marketing.DEFAULT_MODEL}).")
@click.option("--outcome", type=click.Choice(list(marketing.OUTCOMES)), help="The outcome credited (attribution "
                                                                               f"report only; default: "
                                                                               f"{marketing.DEFAULT_OUTCOME}).")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="The file to write (default: stdout).")
@with_appcontext
def report_command(name, date_from, date_to, at, by, model, outcome, fmt, output):
    """Compute the report NAME for a period (default: the current financial year, 1 April to 31 March) and write
    it as CSV, XLSX (needs --output) or JSON. The export is recorded in the audit log."""
    params = _params(name, {"date_from": date_from, "date_to": date_to, "at": at, "by": by, "model": model,
                            "outcome": outcome})
    if fmt == "xlsx" and output is None:
        raise click.UsageError("An XLSX report needs --output FILE")
    try:
        report = registry.compute(name, params)
    except ValueError as error:  # a split the report cannot make
        raise click.ClickException(str(error)) from error
    data = exports.export(report, fmt, actor=None, bom=output is not None)
    db.session.commit()  # the audit entry is stored before the figures leave
    if output is None:
        click.echo(data, nl=False)
        return
    output.write_bytes(data)
    click.echo(f"Wrote the {name} report for {params.date_from} to {params.date_to} ({fmt}) to {output}.")


def _params(name: str, args: dict[str, str | None]) -> ReportParams:
    """The report's parameters as every report reads them (ReportParams.from_args); the attribution report's also
    take a model and an outcome, refused for any other report."""
    given = [f"--{option}" for option in ("model", "outcome") if args[option]]
    if given and name not in registry.MARKETING:
        raise click.UsageError(f"{' and '.join(given)} only apply to the attribution report")
    reading = marketing.MarketingParams if name in registry.MARKETING else ReportParams
    try:
        return reading.from_args(args, clock.today())
    except BadArgument as error:
        raise click.BadParameter(str(error), param_hint=f"'{OPTIONS[error.name]}'") from error
    except ValueError as error:  # the attribution report's refusals: a split, say
        raise click.UsageError(str(error)) from error
