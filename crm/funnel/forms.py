"""Recording an event on an application, and undoing one: shape only; the state machine has the rules."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from crm.forms import DateRequired, GovDateField, HearthForm, RadioInput
from crm.funnel.machine import NEEDS_REASON
from crm.funnel.stages import EventKind

# The question each event that needs a reason asks, under its own radio (revealed when it is chosen).
REASON_QUESTIONS = {EventKind.ON_HOLD.value: "Why is it on hold?", EventKind.WITHDRAWN.value: "Why did they withdraw?",
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
    reason = RevealedReasonField("Reason", widget=GovTextArea(), validators=[Optional(), Length(max=2000)],
                           description="Needed for a hold, withdrawal, deferral, decision not to approve or extension.")
    extension_days = IntegerField("Length of the extension, in days", widget=GovTextInput(),
                                  validators=[Optional(), NumberRange(1, 366, "Enter a number of days from 1 to 366")])
    submit = SubmitField("Record", widget=GovSubmitInput())
    reason_questions = REASON_QUESTIONS


class UndoForm(HearthForm):
    reason = TextAreaField("Why are you undoing it?", widget=GovTextArea(),
                           validators=[InputRequired("Give a reason for undoing"), Length(max=2000)])
    submit = SubmitField("Undo the latest event", widget=GovSubmitInput())
