"""The audit log search filter."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from crm.forms import GovDateField, HearthForm


class AuditSearchForm(HearthForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    actor = StringField("User's email address contains", widget=GovTextInput(), validators=[Optional(), Length(max=254)])
    action = StringField("Action", widget=GovTextInput(), description="For example login_failed",
                         validators=[Optional(), Length(max=60)])
    date_from = GovDateField("From")
    date_to = GovDateField("To")
    submit = SubmitField("Search", widget=GovSubmitInput())
