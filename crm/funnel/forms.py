"""Recording an event on an application, and undoing one: shape only; the state machine has the rules."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from crm.forms import DateRequired, GovDateField, HearthForm, RadioInput


class RecordEventForm(HearthForm):
    kind = RadioField("What happened?", widget=RadioInput(), validators=[InputRequired("Choose what happened")])
    occurred_on = GovDateField("When did it happen?", validators=[DateRequired("Enter the date it happened")],
                               description="For example, 27 3 2026. It may be in the past, not in the future.")
    party = RadioField("Who withdrew?", widget=RadioInput(), validators=[Optional()],
                       choices=[("applicant", "The applicant"), ("service", "The service")])
    # Choices: the reasons in use (crm.funnel.reasons), set by the views.
    withdrawal_reason = SelectField("Reason for withdrawing (withdrawals only)", widget=GovSelect(),
                                    validators=[Optional()], validate_choice=False)
    reason = TextAreaField("Reason or note", widget=GovTextArea(), validators=[Optional(), Length(max=2000)],
                           description="Needed for a hold, deferral, decision not to approve or extension, and for a "
                                       "withdrawal whose reason is Other.")
    extension_days = IntegerField("Length of the extension, in days", widget=GovTextInput(),
                                  validators=[Optional(), NumberRange(1, 366, "Enter a number of days from 1 to 366")])
    # The hand-overs (crm/allocation): who runs the stage that starts, and in which team.
    worker = SelectField("Hand over to (when Stage 1 or Stage 2 starts)", widget=GovSelect(), validate_choice=False,
                         description="The stage-one worker for Stage 1, the assessing social worker for Stage 2. "
                                     "Its open checks pass to them.")
    team = SelectField("Team", widget=GovSelect(), validate_choice=False,
                       description="Leave it as the worker's team unless the case sits with another.")
    submit = SubmitField("Record", widget=GovSubmitInput())


def offer_reasons(form: RecordEventForm, reasons) -> None:
    """The withdrawal reasons in use, in list order, after a blank first choice."""
    form.withdrawal_reason.choices = [("", "Choose a reason")] + [(str(r.id), r.name) for r in reasons]


class UndoForm(HearthForm):
    reason = TextAreaField("Why are you undoing it?", widget=GovTextArea(),
                           validators=[InputRequired("Give a reason for undoing"), Length(max=2000)])
    submit = SubmitField("Undo the latest event", widget=GovSubmitInput())
