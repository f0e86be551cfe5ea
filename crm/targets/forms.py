"""Target forms: the shape of the input only; crm.targets.services holds the rules (1 April, above zero, one each)."""
from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from crm import clock
from crm.forms import GovDateField, HearthForm, WholeNumberField
from crm.targets.models import TargetMeasure

YEAR_RANGE = NumberRange(GovDateField.MIN_YEAR, GovDateField.MAX_YEAR,
                         f"Enter a year from {GovDateField.MIN_YEAR} to {GovDateField.MAX_YEAR}, like 2026")


def year_field(label: str = "Financial year") -> WholeNumberField:
    return WholeNumberField(label, example=2026, validators=[InputRequired("Enter the year the financial year starts "
                                                                           "in, like 2026"), YEAR_RANGE],
                            description="The year it starts in: 2026 for 1 April 2026 to 31 March 2027.")


class YearForm(HearthForm):
    """Which year's targets to show (read from the query string)."""

    class Meta:
        csrf = False  # a GET form: it reads, never changes anything

    year = year_field()
    submit = SubmitField("Show", widget=GovSubmitInput())


class TargetForm(HearthForm):
    year = year_field()
    measure = SelectField("Measure", widget=GovSelect(), validators=[InputRequired("Choose a measure")],
                          choices=[("", "Choose a measure")] + [(m.value, m.label) for m in TargetMeasure],
                          validate_choice=False)  # the service refuses a measure not in the list, beside this field
    service_line = SelectField("Service line", widget=GovSelect(), validate_choice=False)
    target = WholeNumberField("Target", example=80, validators=[InputRequired("Enter the target, like 80")],
                              description="How many in the year, for example 80 approvals.")
    submit = SubmitField("Set target", widget=GovSubmitInput())

    def year_start(self) -> date:
        return clock.financial_year_starting(self.year.data)


class ChangeTargetForm(HearthForm):
    target = WholeNumberField("Target", example=80, validators=[InputRequired("Enter the target, like 80")])
    submit = SubmitField("Save target", widget=GovSubmitInput())
