"""Editing a household's record: shape only; crm.households.records holds the rules (postcode, dates, names)."""
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional

from crm.forms import DateRequired, GovDateField, HearthForm, RadioInput
from crm.households.models import PersonRole
from crm.households.monitoring import NOT_RECORDED, QUESTIONS, answers

ROLE_LABELS = {PersonRole.APPLICANT: "Applicant", PersonRole.OTHER_ADULT: "Another adult in the household",
               PersonRole.CHILD: "A child in the household"}


class ContactDetailsForm(HearthForm):
    email = StringField("Email address", widget=GovTextInput(), validators=[
        Optional(), Email("Enter an email address in the correct format, like name@example.com"), Length(max=254)])
    phone = StringField("Phone number", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    address_line_1 = StringField("Address line 1", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    address_line_2 = StringField("Address line 2 (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    town = StringField("Town or city", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[
        Optional(), Length(max=10, message="Enter a real postcode, like SW1A 1AA")])
    submit = SubmitField("Save contact details", widget=GovSubmitInput())


class PersonForm(HearthForm):
    first_name = StringField("First name", widget=GovTextInput(), validators=[Length(max=100)])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[Length(max=100)])
    date_of_birth = GovDateField("Date of birth", description="For example, 27 3 1985. Leave blank if not known.")
    submit = SubmitField("Save", widget=GovSubmitInput())


class NewPersonForm(PersonForm):
    role = RadioField("Who are they?", widget=RadioInput(), validators=[InputRequired("Choose who they are")],
                      choices=[(role.value, label) for role, label in ROLE_LABELS.items()])
    submit = SubmitField("Add to the household", widget=GovSubmitInput())


class LeftForm(HearthForm):
    left_on = GovDateField("When did they leave the household?", validators=[DateRequired("Enter the date they left")],
                           description="For example, 27 3 2026.")
    submit = SubmitField("Record that they left", widget=GovSubmitInput())


class MonitoringForm(HearthForm):
    ethnicity = SelectField(QUESTIONS["ethnicity"][0], widget=GovSelect(), validate_choice=False)
    sexual_orientation = SelectField(QUESTIONS["sexual_orientation"][0], widget=GovSelect(), validate_choice=False)
    disability = SelectField(QUESTIONS["disability"][0], widget=GovSelect(), validate_choice=False)
    religion = SelectField(QUESTIONS["religion"][0], widget=GovSelect(), validate_choice=False)
    relationship_status = SelectField(QUESTIONS["relationship_status"][0], widget=GovSelect(), validate_choice=False,
                                      description="The household's: the same for both applicants of a couple.")
    submit = SubmitField("Save equality monitoring", widget=GovSubmitInput())

    def offer(self, current: dict[str, str | None]) -> None:
        """Each question's answers, with "Not recorded" first (nothing chosen)."""
        for name in QUESTIONS:
            self[name].choices = [("", NOT_RECORDED), *[(answer, answer) for answer in answers(name, current.get(name))]]
