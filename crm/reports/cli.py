"""`crm report NAME`: a report's figures for a period as CSV, XLSX or JSON (issue 7)."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from crm import clock
from crm.extensions import db
from crm.reports import exports, marketing, registry
from crm.reports.base import ReportParams, Split, financial_year


class IsoDate(click.ParamType):
    """A date written YYYY-MM-DD, refused with an example otherwise."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a real date written YYYY-MM-DD, for example 2025-04-01", param, ctx)


DATE = IsoDate()


@click.command("report")
@click.argument("name", type=click.Choice(registry.COMMAND_LINE_NAMES))
@click.option("--from", "date_from", type=DATE, help="The first day of the period (default: the start of the "
                                                      "financial year of --to, or of today).")
@click.option("--to", "date_to", type=DATE, help="The last day of the period, included (default: the end of the "
                                                  "financial year of --from, or of today).")
@click.option("--at", type=DATE, help="The snapshot date (snapshot report; default: --to).")
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
    if fmt == "xlsx" and output is None:
        raise click.UsageError("An XLSX report needs --output FILE")
    params = _attribution(name, _params(date_from, date_to, at, by), model, outcome)
    try:
        report = registry.compute(name, params)
    except (registry.ReportNotAvailable, ValueError) as error:
        raise click.ClickException(str(error)) from error
    export = marketing.export if name in registry.MARKETING else exports.export  # audits the model and outcome too
    data = export(report, fmt, actor=None, bom=output is not None)
    db.session.commit()  # the audit entry is stored before the figures leave
    if output is None:
        click.echo(data, nl=False)
        return
    output.write_bytes(data)
    click.echo(f"Wrote the {name} report for {params.date_from} to {params.date_to} ({fmt}) to {output}.")


def _params(date_from: date | None, date_to: date | None, at: date | None, by: str | None) -> ReportParams:
    """The period asked for; a missing end is taken from the financial year of the other, or of today."""
    if date_from is None:
        date_from = financial_year(date_to or clock.today())[0]
    if date_to is None:
        date_to = financial_year(date_from)[1]
    try:
        return ReportParams(date_from, date_to, at=at, by=Split(by) if by else None)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--to'") from error


def _attribution(name: str, params: ReportParams, model: str | None, outcome: str | None) -> ReportParams:
    """The attribution report's model and outcome (defaults: last touch, approval); refused for any other report."""
    if name not in registry.MARKETING:
        given = [option for option, value in (("--model", model), ("--outcome", outcome)) if value]
        if given:
            raise click.UsageError(f"{' and '.join(given)} only apply to the attribution report")
        return params
    try:
        return marketing.params_for(params, model, outcome)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
