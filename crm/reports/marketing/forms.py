"""The marketing dashboard's filter (period, model, outcome), read from the query string: a shareable link."""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.validators import ValidationError

from crm.reports.forms import ReportFilterForm
from crm.reports.marketing.attribution import MODEL_LABELS, MODELS
from crm.reports.marketing.report import DEFAULT_MODEL, DEFAULT_OUTCOME, MarketingParams

OUTCOME_CHOICES = [("approval", "Approvals"), ("roi", "Registrations of interest (ROIs)")]


class MarketingFilterForm(ReportFilterForm):
    at = None  # no snapshot date and no split: the rows are the channels and campaigns
    by = None
    model = SelectField("Attribution model", widget=GovSelect(), default=DEFAULT_MODEL, validate_choice=False,
                        choices=[(model, MODEL_LABELS[model]) for model in MODELS],
                        description="How each outcome is shared among the household's touches")
    outcome = SelectField("Outcome", widget=GovSelect(), default=DEFAULT_OUTCOME, validate_choice=False,
                          choices=OUTCOME_CHOICES, description="For the models side by side and the cost per outcome")

    def validate_model(self, field):
        if field.data not in MODELS:
            raise ValidationError("Choose an attribution model from the list")

    def validate_outcome(self, field):
        if field.data not in dict(OUTCOME_CHOICES):
            raise ValidationError("Choose approvals or registrations of interest")

    def params(self, today: date) -> MarketingParams:
        """The filter as report parameters (call after validate; MarketingParams.from_args gives the defaults)."""
        return MarketingParams.from_args(self.args(), today)
