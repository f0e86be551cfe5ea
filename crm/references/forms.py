"""Forms for naming a referee and for the referee's reference: shape only; crm.references.services holds the
rules."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from crm.forms import HearthForm, RadioInput, WholeNumberField, stripped
from crm.public.forms import EMAIL_FORMAT
from crm.references.services import RefereeDetails, ReferenceAnswers

YES_NO = [("yes", "Yes"), ("no", "No")]
MAX_TEXT = 4000
MAX_YEARS = 99


def _text(label: str, missing: str, description: str = "") -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), filters=[stripped], description=description,
                         validators=[DataRequired(missing), Length(max=MAX_TEXT, message=f"{label} must be "
                                                                    f"{MAX_TEXT:,} characters or fewer")])


def _yes_no(label: str, missing: str) -> RadioField:
    return RadioField(label, widget=RadioInput(), choices=YES_NO, validators=[InputRequired(missing)],
                      invalid_choice_message=missing)


class RefereeForm(HearthForm):
    name = StringField("Full name", widget=GovTextInput(), filters=[stripped],
                       validators=[DataRequired("Enter the referee's full name"),
                                   Length(max=200, message="The name must be 200 characters or fewer")])
    email = StringField("Email address", widget=GovTextInput(), filters=[stripped],
                        description="We send the reference request to this address.",
                        validators=[DataRequired("Enter the referee's email address"), Email(EMAIL_FORMAT),
                                    Length(max=254, message=EMAIL_FORMAT)])
    phone = StringField("Phone number (optional)", widget=GovTextInput(), filters=[stripped],
                        validators=[Optional(), Length(max=40, message="Enter a phone number, like 07700 900 982")])
    relationship_to_applicant = StringField(
        "How do they know you?", widget=GovTextInput(), filters=[stripped],
        description="For example, friend, neighbour, manager, sister.",
        validators=[DataRequired("Enter how the referee knows you"),
                    Length(max=200, message="How they know you must be 200 characters or fewer")])
    is_family = _yes_no("Are they a member of your family?", "Choose yes if the referee is a member of your family")
    years_known = WholeNumberField("How many years have they known you? (optional)", example=5,
                                   validators=[Optional(), NumberRange(0, MAX_YEARS, "Enter a number of years "
                                                                                     f"from 0 to {MAX_YEARS}")])
    submit = SubmitField("Save referee", widget=GovSubmitInput())

    def validate_phone(self, field):
        digits = [ch for ch in field.data or "" if ch.isdigit()]
        if field.data and not (9 <= len(digits) <= 15 and set(field.data) <= set("0123456789 +()-")):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")

    @classmethod
    def of(cls, referee) -> RefereeForm:
        return cls(formdata=None, obj=referee, is_family="yes" if referee.is_family else "no")

    def details(self) -> RefereeDetails:
        return RefereeDetails(name=self.name.data, email=self.email.data, phone=self.phone.data or None,
                              relationship_to_applicant=self.relationship_to_applicant.data,
                              is_family=self.is_family.data == "yes", years_known=self.years_known.data)


class ReferenceForm(HearthForm):
    """The structured reference: every answer has a fixed place (crm.references.models.Reference)."""

    years_known = WholeNumberField("How many years have you known them?", example=5,
                                   validators=[InputRequired("Enter how many years you have known them"),
                                               NumberRange(0, MAX_YEARS, f"Enter a number of years from 0 to "
                                                                         f"{MAX_YEARS}")])
    how_known = _text("How do you know them?", "Tell us how you know them",
                      "For example, as a friend, a neighbour, a colleague; how often you see them.")
    with_children = _text("What have you seen of them with children?", "Tell us what you have seen of them with "
                          "children", "Their own, relatives' or friends' children, or children at work. If you have "
                          "not seen them with children, say so.")
    home = _text("What is their home like?", "Tell us about their home")
    relationships = _text("What are their relationships like?", "Tell us about their relationships",
                          "With a partner, family and friends; how they cope with stress or difficulty.")
    has_concerns = _yes_no("Do you have any concerns about them caring for children?",
                           "Choose yes if you have any concerns about them caring for children")
    concerns = TextAreaField("Tell us about your concerns", widget=GovTextArea(), filters=[stripped],
                             validators=[Optional(), Length(max=MAX_TEXT, message=f"Your concerns must be "
                                                                                  f"{MAX_TEXT:,} characters or fewer")])
    willing_to_be_contacted = _yes_no("Are you willing to be visited or telephoned by a social worker about this "
                                      "reference?", "Choose yes if a social worker may visit or telephone you")
    declaration = BooleanField("I confirm that what I have written is true to the best of my knowledge",
                               widget=GovCheckboxInput(),
                               validators=[InputRequired("Confirm that what you have written is true")])
    submit = SubmitField("Send reference", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        """Concerns need their details (Optional() stops a field's own chain before an inline validator runs)."""
        valid = super().validate(extra_validators)
        if self.has_concerns.data == "yes" and not self.concerns.data and not self.concerns.errors:
            self.concerns.errors.append("Tell us about your concerns")
            valid = False
        return valid

    def answers(self) -> ReferenceAnswers:
        concerned = self.has_concerns.data == "yes"
        return ReferenceAnswers(
            years_known=self.years_known.data, how_known=self.how_known.data, with_children=self.with_children.data,
            home=self.home.data, relationships=self.relationships.data, has_concerns=concerned,
            concerns=self.concerns.data if concerned else None,
            willing_to_be_contacted=self.willing_to_be_contacted.data == "yes", declaration=True)


class ActionForm(HearthForm):
    """Send, re-send or revoke a link; remove a referee: a button and its CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
