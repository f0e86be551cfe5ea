"""The report filter (period, snapshot date, split, as it stood), read from the query string: a shareable link."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from crm.forms import GovDateField, HearthForm
from crm.reports.base import FIRST_YEAR, LAST_YEAR, BadArgument, OutOfRange, ReportParams, Split, parse_day

SPLIT_LABELS = {Split.MONTH: "Month", Split.QUARTER: "Quarter", Split.SERVICE_LINE: "Service line",
                Split.PARTNER_AUTHORITY: "Partner authority", Split.TEAM: "Team", Split.CHANNEL: "Channel"}


class ReportDateField(GovDateField):
    """A report's day, entered in the GOV.UK date input (three values) or carried by a link as one YYYY-MM-DD
    value (ReportParams.to_args), so that a report's address stays shareable and readable."""

    def process_formdata(self, valuelist):
        if len(valuelist) != 1:
            return super().process_formdata(valuelist)
        try:
            self.data = parse_day(valuelist[0], self.name)
        except OutOfRange:
            self.data = None
            raise ValueError(f"{self.label.text} must be between {FIRST_YEAR} and {LAST_YEAR}") from None
        except BadArgument:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 2026-04-01") from None


DATE_ARGS = ("date_from", "date_to", "at")


def tidy_dates(args) -> str | None:
    """The query string again with each real date entered in the date input (three values) written YYYY-MM-DD and
    each empty one left out, so that a report's address stays short and shareable; None when nothing needs it. A
    date that is not a real one stays as entered, for the form to answer."""
    entered = [key for key in DATE_ARGS if len(args.getlist(key)) == 3]
    if not entered:
        return None
    tidy, changed = [], False
    for key in dict.fromkeys(args.keys()):
        values = args.getlist(key)
        if key in entered:
            written = _written(values)
            changed, values = changed or written != values, written
        tidy += [(key, value) for value in values]
    return urlencode(tidy) if changed else None


def _written(parts: list[str]) -> list[str]:
    """[day, month, year] as ["YYYY-MM-DD"], [] when all are empty, or as they were when they are no real date."""
    if not any(part.strip() for part in parts):
        return []
    try:
        day = date(*(int(part) for part in reversed(parts)))
    except ValueError:
        return parts
    return [day.isoformat()] if FIRST_YEAR <= day.year <= LAST_YEAR else parts


class ReportFilterForm(HearthForm):
    class Meta:
        csrf = False  # a GET form: it reads, never changes anything

    date_from = ReportDateField("From", description="For example, 1 4 2026; default the start of the financial year")
    date_to = ReportDateField("To", description="For example, 31 3 2027; default the end of the financial year")
    at = ReportDateField("Snapshot at", description="Default the end of the period, or today if it has not ended")
    by = SelectField("Split by", widget=GovSelect(), validators=[Optional()], validate_choice=False,
                     choices=[("", "No split")] + [(s.value, label) for s, label in SPLIT_LABELS.items()])
    as_stood = BooleanField("As it stood at the month end", widget=GovCheckboxInput(),
                            description="The figures the month-end snapshot kept, before any later back-dated change")
    submit = SubmitField("Show", widget=GovSubmitInput())

    def offer_splits(self, splits) -> None:
        """Offer only the splits the report can make (its module's SPLITS); one it cannot make is still read, and
        refused by the report with the reason."""
        self.by.choices = [("", "No split")] + [(split.value, SPLIT_LABELS[split]) for split in splits]

    def validate_by(self, field):
        if field.data and field.data not in {split.value for split in Split}:
            raise ValidationError("Choose a split from the list")

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("To must be on or after From")

    def args(self) -> dict:
        """The filter's values as ReportParams.from_args reads them: days written YYYY-MM-DD."""
        return {name: value.isoformat() if isinstance(value, date) else value for name, value in self.data.items()}

    def params(self, today: date) -> ReportParams:
        """The filter as report parameters (call after validate; ReportParams.from_args gives the defaults)."""
        return ReportParams.from_args(self.args(), today)
