"""The enquirer's own answers: the public form's questions, also the fields the JSON API validates."""
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from crm.forms import CheckboxesInput, HearthForm, stripped

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


class EnquirerFields(HearthForm):
    """Who is asking and about what. The API and the public page share these rules and messages."""

    first_name = StringField("First name", widget=GovTextInput(), filters=[stripped],
                             validators=[DataRequired("Enter your first name"), Length(max=100, message="First name must be 100 characters or fewer")])
    last_name = StringField("Last name", widget=GovTextInput(), filters=[stripped],
                            validators=[DataRequired("Enter your last name"), Length(max=100, message="Last name must be 100 characters or fewer")])
    second_first_name = StringField("First name", widget=GovTextInput(), filters=[stripped], validators=[Optional(), Length(max=100)])
    second_last_name = StringField("Last name", widget=GovTextInput(), filters=[stripped], validators=[Optional(), Length(max=100)])
    email = StringField("Email address", widget=GovTextInput(), filters=[stripped],
                        validators=[Optional(), Email(EMAIL_FORMAT), Length(max=254, message=EMAIL_FORMAT)])
    phone = StringField("Phone number", widget=GovTextInput(), filters=[stripped],
                        validators=[Optional(), Length(max=40, message="Enter a phone number, like 01632 960 001 or 07700 900 982")])
    postcode = StringField("Postcode", widget=GovTextInput(), filters=[stripped],
                           validators=[Optional(), Length(max=10, message="Enter a real postcode, like SW1A 1AA")])
    service_lines = SelectMultipleField("What would you like to know about?", widget=CheckboxesInput(),
                                        validators=[InputRequired("Select what you would like to know about")])
    message = TextAreaField("Anything you would like to tell us or ask (optional)", widget=GovTextArea(),
                            validators=[Optional(), Length(max=4000, message="Your message must be 4,000 characters or fewer")])

    def validate_phone(self, field):
        digits = [ch for ch in field.data or "" if ch.isdigit()]
        if field.data and not (9 <= len(digits) <= 15 and set(field.data) <= set("0123456789 +()-")):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")

    def validate(self, extra_validators=None) -> bool:
        """The rules across fields (Optional() stops a field's own chain before an inline validator runs)."""
        valid = super().validate(extra_validators)
        if not (self.email.data or self.phone.data or self.email.errors or self.phone.errors):
            self.email.errors.append("Enter an email address or a phone number so that we can reply")
            valid = False
        if bool(self.second_first_name.data) != bool(self.second_last_name.data):
            missing = self.second_last_name if self.second_first_name.data else self.second_first_name
            missing.errors.append("Enter both names of the second person, or neither")
            valid = False
        return valid


class PublicEnquiryForm(EnquirerFields):
    heard_about = SelectField("How did you hear about us? (optional)", widget=GovSelect(), validators=[Optional()])
    consent = BooleanField("I agree that the service may use these details to reply to my enquiry", widget=GovCheckboxInput(),
                           validators=[InputRequired("Tick the box to agree that we may use your details to reply")])
    # Filled by the page, not by the person: where they came from, and one id per form so a resubmission is one enquiry.
    submission_id = HiddenField(validators=[Optional(), Length(max=64)])
    utm_source = HiddenField(validators=[Optional(), Length(max=200)])
    utm_medium = HiddenField(validators=[Optional(), Length(max=200)])
    utm_campaign = HiddenField(validators=[Optional(), Length(max=200)])
    referrer = HiddenField(validators=[Optional(), Length(max=500)])
    # The honeypot: hidden from people (and from screen readers); a form that fills it in is a robot.
    website = StringField("Leave this field empty", validators=[Optional()])
    submit = SubmitField("Send enquiry", widget=GovSubmitInput())
