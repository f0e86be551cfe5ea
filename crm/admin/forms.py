"""Administration forms."""
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from crm.forms import HearthForm


class ApiTokenForm(HearthForm):
    name = StringField("What the token is for", widget=GovTextInput(),
                       description="For example, the website's enquiry form. You will see this name in the list.",
                       validators=[InputRequired("Enter what the token is for"),
                                   Length(max=120, message="The name must be 120 characters or fewer")])
    submit = SubmitField("Create token", widget=GovSubmitInput())
