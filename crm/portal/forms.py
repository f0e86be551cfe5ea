"""The portal's forms: shape only; the rules live in the portal's services."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import PasswordField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length

from crm.checks.forms import CircumstancesForm
from crm.forms import CheckboxesInput, GovDateField, HearthForm
from crm.households.records import PersonDetails


class SignInForm(HearthForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password"), Length(max=1000)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class CodeRequestForm(HearthForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"),
                                    Length(max=254, message="Enter an email address of 254 characters or fewer")])
    submit = SubmitField("Email me a code", widget=GovSubmitInput())


class CodeForm(HearthForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"), Length(max=254)])
    code = StringField("Code", widget=GovTextInput(), description="The 6 digits in the email we sent you",
                       validators=[InputRequired("Enter the code from the email"),
                                   Length(max=20, message="Enter the 6-digit code from the email")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class InvitationForm(HearthForm):
    new_password = PasswordField(
        "Choose a password", widget=GovPasswordInput(),
        description="At least 12 characters. Three random words make a strong password that is easy to remember.",
        validators=[InputRequired("Enter a password"), Length(max=1000)])
    confirm_password = PasswordField(
        "Confirm your password", widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Set password", widget=GovSubmitInput())


class MessageForm(HearthForm):
    body = TextAreaField("Your message", widget=GovTextArea(),
                         validators=[InputRequired("Enter your message"),
                                     Length(max=5000, message="Your message must be 5,000 characters or fewer")])
    submit = SubmitField("Send message", widget=GovSubmitInput())


class DetailsForm(CircumstancesForm):
    """An adult's details as the applicant corrects them: name, date of birth, and what decides their checks."""

    first_name = StringField("First name", widget=GovTextInput(), validators=[Length(max=100)])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[Length(max=100)])
    date_of_birth = GovDateField("Date of birth", description="For example, 27 3 1985.")
    submit = SubmitField("Save details", widget=GovSubmitInput())

    @classmethod
    def of(cls, person) -> DetailsForm:
        form = super().of(person)
        form.first_name.data, form.last_name.data = person.first_name, person.last_name
        form.date_of_birth.data = person.date_of_birth
        return form

    def person_details(self) -> PersonDetails:
        return PersonDetails(first_name=self.first_name.data or "", last_name=self.last_name.data or "",
                             date_of_birth=self.date_of_birth.data)


class ConsentForm(HearthForm):
    kinds = SelectMultipleField("Which checks do you agree to?", widget=CheckboxesInput(), validate_choice=False,
                                description="Select all that you agree to. Untick one to withdraw your consent.")
    submit = SubmitField("Save my consents", widget=GovSubmitInput())


class WorkerMessageForm(HearthForm):
    body = TextAreaField("Message to the household", widget=GovTextArea(),
                         validators=[InputRequired("Enter your message"),
                                     Length(max=5000, message="The message must be 5,000 characters or fewer")])
    submit = SubmitField("Send message", widget=GovSubmitInput())


class InviteForm(HearthForm):
    email = StringField("Their email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter their email address"),
                                    Length(max=254, message="Enter an email address of 254 characters or fewer")])
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())
