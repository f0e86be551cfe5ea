"""The report filter: a period, a snapshot date, a split and whether to show a month as it stood, read from the
query string (shareable links)."""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from crm.forms import HearthForm
from crm.reports.base import ReportParams, Split

SPLIT_LABELS = {Split.MONTH: "Month", Split.QUARTER: "Quarter", Split.SERVICE_LINE: "Service line",
                Split.PARTNER_AUTHORITY: "Partner authority", Split.TEAM: "Team", Split.CHANNEL: "Channel"}


def _iso(field) -> date | None:
    if not (field.data or "").strip():
        return None
    try:
        value = date.fromisoformat(field.data.strip())
    except ValueError:
        raise ValidationError(f"{field.label.text} must be a real date, like 2026-04-01") from None
    if not 1900 <= value.year <= 2100:
        raise ValidationError(f"{field.label.text} must be between 1900 and 2100")
    return value


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
        _iso(field)

    def validate_date_to(self, field):
        _iso(field)
        start = _safe(self.date_from)
        end = _safe(field)
        if start and end and end < start:
            raise ValidationError("To must be on or after From")

    def validate_at(self, field):
        _iso(field)

    def params(self, today: date) -> ReportParams:
        default = ReportParams.default(today)
        date_to = _safe(self.date_to) or default.date_to
        # A snapshot is of a day that has happened: the end of the period, or today if that is still to come.
        return ReportParams(date_from=_safe(self.date_from) or default.date_from, date_to=date_to,
                            at=_safe(self.at) or min(date_to, today), by=Split(self.by.data) if self.by.data else None)


def _safe(field) -> date | None:
    try:
        return _iso(field)
    except ValidationError:
        return None
