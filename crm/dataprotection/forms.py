"""The data protection forms: shape only; the services (retention, holds, erasure) have the rules."""
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import Optional

from crm.forms import HearthForm

PERIOD_HINT = "Whole years. Leave it blank to keep these records."


class YearsField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the period as a whole number of years, for example 2") from None


class RetentionRulesForm(HearthForm):
    enquiry_no_roi = YearsField("Enquiries that never reached a Registration of Interest: years after the last "
                                  "contact", widget=GovTextInput(), validators=[Optional()], description=PERIOD_HINT)
    withdrawn_or_not_approved = YearsField("Withdrawn or not-approved applications: years after the withdrawal or "
                                             "decision", widget=GovTextInput(), validators=[Optional()],
                                             description=PERIOD_HINT)
    submit = SubmitField("Save retention periods", widget=GovSubmitInput())


class LegalHoldForm(HearthForm):
    reason = TextAreaField("Reason for the legal hold", widget=GovTextArea(),
                           description="For example the proceedings or the complaint it is kept for.")
    submit = SubmitField("Put on legal hold", widget=GovSubmitInput())


class ClearHoldForm(HearthForm):
    """Clear the hold: a button and the CSRF token."""


class ErasureForm(HearthForm):
    reason = TextAreaField("Reason for the erasure", widget=GovTextArea(),
                           description="The request it answers, for example the date of the letter. No personal "
                                       "details: the reason is kept on the record's tombstone.")
    submit = SubmitField("Erase this household's personal data", widget=GovSubmitInput())
