"""The portal's forms: shape only; the rules live in the portal's services."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length

from crm.forms import HearthForm


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
