"""Sign-in and password forms: shape only; the rules live in crm.auth.services."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from crm.forms import HearthForm


class SignInForm(HearthForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password"), Length(max=1000)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(HearthForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password"), Length(max=1000)])
    new_password = PasswordField(
        "New password", widget=GovPasswordInput(),
        description="At least 12 characters. Three random words make a strong password that is easy to remember.",
        validators=[InputRequired("Enter a new password"), Length(max=1000)])
    confirm_password = PasswordField(
        "Confirm new password", widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"),
                    EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SetPasswordForm(HearthForm):
    new_password = PasswordField(
        "Password", widget=GovPasswordInput(),
        description="At least 12 characters. Three random words make a strong password that is easy to remember.",
        validators=[InputRequired("Enter a password"), Length(max=1000)])
    confirm_password = PasswordField(
        "Confirm password", widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Set password", widget=GovSubmitInput())
