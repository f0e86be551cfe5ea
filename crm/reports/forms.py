"""The report filter (period, snapshot date, split, as it stood), read from the query string: a shareable link."""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from crm.forms import HearthForm
from crm.reports.base import FIRST_YEAR, LAST_YEAR, BadArgument, OutOfRange, ReportParams, Split, parse_day

SPLIT_LABELS = {Split.MONTH: "Month", Split.QUARTER: "Quarter", Split.SERVICE_LINE: "Service line",
                Split.PARTNER_AUTHORITY: "Partner authority", Split.TEAM: "Team", Split.CHANNEL: "Channel"}


def _day(field) -> date | None:
    """The field's day (ReportParams' reading of it), or a field error in the form's words."""
    try:
        return parse_day(field.data, field.name)
    except OutOfRange:
        raise ValidationError(f"{field.label.text} must be between {FIRST_YEAR} and {LAST_YEAR}") from None
    except BadArgument:
        raise ValidationError(f"{field.label.text} must be a real date, like 2026-04-01") from None


class ReportFilterForm(HearthForm):
    class Meta:
        csrf = False  # a GET form: it reads, never changes anything

    date_from = StringField("From", widget=GovTextInput(), description="For example, 2026-04-01",
                            validators=[Optional()])
    date_to = StringField("To", widget=GovTextInput(), description="For example, 2027-03-31", validators=[Optional()])
    at = StringField("Snapshot at", widget=GovTextInput(), description="Snapshot reports: the date; default the end of "
                     "the period, or today if it has not ended", validators=[Optional()])
    by = SelectField("Split by", widget=GovSelect(), validators=[Optional()],
                     choices=[("", "No split")] + [(s.value, label) for s, label in SPLIT_LABELS.items()])
    as_stood = BooleanField("As it stood at the month end", widget=GovCheckboxInput(),
                            description="The figures the month-end snapshot kept, before any later back-dated change")
    submit = SubmitField("Show", widget=GovSubmitInput())

    def validate_date_from(self, field):
        _day(field)

    def validate_date_to(self, field):
        start, end = _readable(self.date_from), _day(field)
        if start and end and end < start:
            raise ValidationError("To must be on or after From")

    def validate_at(self, field):
        _day(field)

    def params(self, today: date) -> ReportParams:
        """The filter as report parameters (call after validate; ReportParams.from_args gives the defaults)."""
        return ReportParams.from_args(self.data, today)


def _readable(field) -> date | None:
    try:
        return _day(field)
    except ValidationError:
        return None
