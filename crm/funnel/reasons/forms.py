"""The administrators' forms for the withdrawal reasons: shape only; crm.funnel.reasons.services has the rules."""
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from crm.forms import HearthForm
from crm.funnel.reasons.services import MAX_NAME

NAME_LENGTH = Length(max=MAX_NAME, message=f"The name must be {MAX_NAME} characters or fewer")


class AddReasonForm(HearthForm):
    name = StringField("Name of the new reason", widget=GovTextInput(), validators=[NAME_LENGTH])
    needs_text = BooleanField("Ask for a note saying what the reason was (like Other)", widget=GovCheckboxInput())
    submit = SubmitField("Add reason", widget=GovSubmitInput())


class RenameReasonForm(HearthForm):
    name = StringField("Name", widget=GovTextInput(), validators=[NAME_LENGTH],
                       description="Withdrawals already recorded with this reason are counted under the new name.")
    submit = SubmitField("Save name", widget=GovSubmitInput())


class ReasonActionForm(HearthForm):
    """Retire or reactivate: a button and the CSRF token."""
