"""The officer's enquiry form: shape only; matching and the rules live in crm.enquiries.services."""
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from crm.enquiries.models import ContactMethod
from crm.forms import CheckboxesInput, GovDateField, HearthForm, RadioInput

METHOD_LABELS = {ContactMethod.PHONE: "Phone", ContactMethod.EMAIL: "Email", ContactMethod.WEB: "Website",
                 ContactMethod.EVENT: "At an event", ContactMethod.WALK_IN: "In person"}


class EnquiryForm(HearthForm):
    first_name = StringField("First name", widget=GovTextInput(), validators=[InputRequired("Enter the first name"), Length(max=100)])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[InputRequired("Enter the last name"), Length(max=100)])
    second_first_name = StringField("Second applicant's first name (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    second_last_name = StringField("Second applicant's last name (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    email = StringField("Email address", widget=GovTextInput(), validators=[Optional(), Email("Enter an email address in the correct format, like name@example.com"), Length(max=254)])
    phone = StringField("Phone number", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    address_line_1 = StringField("Address line 1", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    town = StringField("Town or city", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Optional(), Length(max=10)])
    service_lines = SelectMultipleField("What are they interested in?", widget=CheckboxesInput(),
                                        validators=[InputRequired("Choose at least one service line")])
    partner_authority = SelectField("Partner authority", widget=GovSelect(), validators=[Optional()])
    method = RadioField("How did they get in touch?", widget=RadioInput(),
                        choices=[(m.value, label) for m, label in METHOD_LABELS.items()],
                        validators=[InputRequired("Choose how they got in touch")])
    channel = SelectField("How did they hear about us?", widget=GovSelect(), validators=[Optional()])
    received_on = GovDateField("Date of the enquiry", description="Leave blank for today.")
    notes = TextAreaField("Notes", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    answered = BooleanField("Answered during this call", widget=GovCheckboxInput(),
                            description="Tick if you answered their questions while you were speaking with them: "
                                        "the first response is recorded now, so it does not wait in Awaiting response.")
    # Offered only when matches are found; the view checks the answer against them.
    match = RadioField("Is this a household we already know?", widget=RadioInput(), validators=[Optional()],
                       choices=[], validate_choice=False)
    submit = SubmitField("Save enquiry", widget=GovSubmitInput())
