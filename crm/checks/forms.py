"""Forms for checks, a person's circumstances and the catalogue: shape only; the services hold the rules."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from crm.checks.models import CheckAppliesTo, CheckOutcome
from crm.checks.services import Circumstances
from crm.forms import CheckboxesInput, DateRequired, GovDateField, HearthForm, RadioInput, WholeNumberField

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("", "Not known")]
CHOOSE_ANSWER = "Choose yes, no or not known"
ANSWERS = {"yes": True, "no": False, "": None}


class RequestForm(HearthForm):
    requested_on = GovDateField("Date requested", validators=[DateRequired("Enter the date the check was requested")],
                                description="For example, 27 3 2026. The due date follows from it.")
    owner = SelectField("Owner", widget=GovSelect(), validators=[InputRequired("Choose who owns the check")],
                        validate_choice=False)
    submit = SubmitField("Save request", widget=GovSubmitInput())


class ChaseForm(HearthForm):
    chased_on = GovDateField("Date chased", validators=[DateRequired("Enter the date the check was chased")],
                             description="For example, 27 3 2026.")
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)],
                         description="Who you contacted and what they said.")
    submit = SubmitField("Record chase", widget=GovSubmitInput())


class PartForm(HearthForm):
    completed_on = GovDateField("Date done", validators=[DateRequired("Enter the date this part was done")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ReceiveForm(HearthForm):
    received_on = GovDateField("Date received", validators=[DateRequired("Enter the date the check was received")],
                               description="For example, 27 3 2026.")
    outcome = RadioField("Outcome", widget=RadioInput(), validators=[InputRequired("Choose the outcome")],
                         choices=[(outcome.value, outcome.label) for outcome in CheckOutcome],
                         invalid_choice_message="Choose the outcome")
    submit = SubmitField("Record received", widget=GovSubmitInput())


class ExpiryForm(HearthForm):
    expires_on = GovDateField("Expiry date (optional)", description="For example, 27 3 2029. Leave it blank if the "
                              "check does not expire. Reminders go to the owner 60 and 30 days before.")
    submit = SubmitField("Save expiry date", widget=GovSubmitInput())


class IdsField(SelectMultipleField):
    """Row ids ticked in a table: positive whole numbers, checked against the data by the view and service."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=str, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        if any(not value.isdigit() for value in valuelist):
            self.data = []
            raise ValueError("Select checks from the list")
        self.data = [int(value) for value in valuelist]

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # keep the message above rather than 'select some'


class BulkChaseForm(HearthForm):
    checks = IdsField("Checks", validators=[DataRequired("Select the checks you chased")])


class BulkRequestForm(HearthForm):
    """Several of a household's unrequested checks requested on one date for one owner."""

    checks = IdsField("Checks", validators=[DataRequired("Select the checks you requested")])
    requested_on = GovDateField("Date requested", validators=[DateRequired("Enter the date the checks were requested")],
                                description="For example, 27 3 2026. Each check's due date follows from it.")
    owner = SelectField("Owner", widget=GovSelect(), validators=[InputRequired("Choose who owns the checks")],
                        validate_choice=False)
    submit = SubmitField("Request selected checks", widget=GovSubmitInput())


class StartChecksForm(HearthForm):
    checks = SelectMultipleField("Which checks should start?", widget=CheckboxesInput(), validate_choice=False,
                                 validators=[DataRequired("Choose at least one check to start")])
    submit = SubmitField("Start checks", widget=GovSubmitInput())

    def keys(self) -> set[tuple[int, int | None]]:
        """The chosen checks, each as (check type id, person id or None); a value not in that shape is dropped, so
        the service refuses the choice as changed."""
        keys = set()
        for value in self.checks.data or []:
            type_id, _, person_id = value.partition(":")
            if type_id.isdigit() and (person_id.isdigit() or person_id == ""):
                keys.add((int(type_id), int(person_id) if person_id else None))
            else:
                keys.add((0, None))
        return keys


def start_value(key: tuple[int, int | None]) -> str:
    type_id, person_id = key
    return f"{type_id}:{person_id if person_id is not None else ''}"


class CircumstancesForm(HearthForm):
    lived_abroad_months = WholeNumberField("Months lived abroad as an adult (optional)", validators=[Optional()],
                                           description="In all, since they turned 18. Leave it blank if not known.")
    employed = RadioField("Employed?", widget=RadioInput(), choices=YES_NO_UNKNOWN, default="",
                                            invalid_choice_message=CHOOSE_ANSWER)
    previous_significant_relationship = RadioField("A significant previous relationship?", widget=RadioInput(),
                                                   choices=YES_NO_UNKNOWN, default="",
                                            invalid_choice_message=CHOOSE_ANSWER)
    fostered_in_last_12_months = RadioField("Fostered in the last 12 months?", widget=RadioInput(),
                                            choices=YES_NO_UNKNOWN, default="",
                                            invalid_choice_message=CHOOSE_ANSWER)
    submit = SubmitField("Save circumstances", widget=GovSubmitInput())

    @classmethod
    def of(cls, person) -> CircumstancesForm:
        answer = {True: "yes", False: "no", None: ""}
        return cls(formdata=None, lived_abroad_months=person.lived_abroad_months,
                   employed=answer[person.employed],
                   previous_significant_relationship=answer[person.previous_significant_relationship],
                   fostered_in_last_12_months=answer[person.fostered_in_last_12_months])

    def circumstances(self) -> Circumstances:
        return Circumstances(
            lived_abroad_months=self.lived_abroad_months.data, employed=ANSWERS[self.employed.data],
            previous_significant_relationship=ANSWERS[self.previous_significant_relationship.data],
            fostered_in_last_12_months=ANSWERS[self.fostered_in_last_12_months.data])


class CheckTypeForm(HearthForm):
    name = StringField("Name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the name of the check"),
                                   Length(max=200, message="The name must be 200 characters or fewer")])
    applies_to = RadioField("Who needs it?", widget=RadioInput(), validators=[InputRequired("Choose who needs it")],
                            choices=[(who.value, who.label) for who in CheckAppliesTo],
                            invalid_choice_message="Choose who needs it")
    default_days = WholeNumberField("Days to complete", validators=[InputRequired("Enter the days to complete")],
                                    description="Counted from the date the check is requested.")
    rule_months = WholeNumberField("Months abroad beyond which the check is needed", validators=[Optional()])
    service_lines = SelectMultipleField("Service lines", widget=CheckboxesInput(),
                                        description="Leave them all unticked for every service line.",
                                        invalid_choice_message="Choose service lines from the list")
    active = BooleanField("In use: new applications get this check", widget=GovCheckboxInput())
    submit = SubmitField("Save check", widget=GovSubmitInput())


class NewCheckTypeForm(CheckTypeForm):
    """A new check type: no rule about circumstances (those come with the catalogue), in use from the start."""

    rule_months = None
    active = None
    submit = SubmitField("Add check", widget=GovSubmitInput())


class CheckTypeActionForm(HearthForm):
    """Retire or bring back a check type: a button and the CSRF token."""
