"""Recording an event on an application, and undoing one: shape only; the state machine has the rules."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from crm.forms import DateRequired, GovDateField, HearthForm, RadioInput
from crm.funnel.machine import NEEDS_REASON
from crm.funnel.stages import EventKind

# The question each event that needs a reason asks, under its own radio (revealed when it is chosen).
REASON_QUESTIONS = {EventKind.ON_HOLD.value: "Why is it on hold?", EventKind.WITHDRAWN.value: "Note (needed when the reason is Other)",
                    EventKind.NOT_APPROVED.value: "Why was it not approved?",
                    EventKind.PANEL_DEFERRED.value: "Why did the panel defer it?",
                    EventKind.TIMESCALE_EXTENDED.value: "Why is the timescale extended?"}
assert set(REASON_QUESTIONS) == {kind.value for kind in NEEDS_REASON}


class RevealedReasonField(TextAreaField):
    """The reason, asked under each event that needs one: the page holds one `reason` box per such event, all but
    the chosen event's hidden and empty, so the first box holding any text is the reason."""

    def process_formdata(self, valuelist):
        filled = [value for value in valuelist if value.strip()]
        super().process_formdata(filled[:1] or valuelist[:1])


class RecordEventForm(HearthForm):
    kind = RadioField("What happened?", widget=RadioInput(), validators=[InputRequired("Choose what happened")])
    occurred_on = GovDateField("When did it happen?", validators=[DateRequired("Enter the date it happened")],
                               description="For example, 27 3 2026. It may be in the past, not in the future.")
    party = RadioField("Who withdrew?", widget=RadioInput(), validators=[Optional()],
                       choices=[("applicant", "The applicant"), ("service", "The service")])
    # Choices: the reasons in use (crm.funnel.reasons), set by the views.
    withdrawal_reason = SelectField("Why did they withdraw?", widget=GovSelect(), validators=[Optional()],
                                    validate_choice=False)
    reason = RevealedReasonField("Reason", widget=GovTextArea(), validators=[Optional(), Length(max=2000)],
                                 description="Needed for a hold, deferral, decision not to approve or extension, and for "
                                             "a withdrawal whose reason is Other.")
    extension_days = IntegerField("Length of the extension, in days", widget=GovTextInput(),
                                  validators=[Optional(), NumberRange(1, 366, "Enter a number of days from 1 to 366")])
    # The hand-overs (crm/allocation): who runs the stage that starts, and in which team.
    worker = SelectField("Hand over to (when Stage 1 or Stage 2 starts)", widget=GovSelect(), validate_choice=False,
                         description="The stage-one worker for Stage 1, the assessing social worker for Stage 2. "
                                     "Its open checks pass to them.")
    team = SelectField("Team", widget=GovSelect(), validate_choice=False,
                       description="Leave it as the worker's team unless the case sits with another.")
    submit = SubmitField("Record", widget=GovSubmitInput())
    reason_questions = REASON_QUESTIONS


def offer_reasons(form: RecordEventForm, reasons) -> None:
    """The withdrawal reasons in use, in list order, after a blank first choice."""
    form.withdrawal_reason.choices = [("", "Choose a reason")] + [(str(r.id), r.name) for r in reasons]


class UndoForm(HearthForm):
    reason = TextAreaField("Why are you undoing it?", widget=GovTextArea(),
                           validators=[InputRequired("Give a reason for undoing"), Length(max=2000)])
    submit = SubmitField("Undo the latest event", widget=GovSubmitInput())
