"""Administration forms: shape only; the rules live in the services (crm.auth.accounts, crm.auth.teams,
crm.households.authorities)."""
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from crm.auth.accounts import Status
from crm.auth.roles import Role
from crm.forms import CheckboxesInput, HearthForm

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class ApiTokenForm(HearthForm):
    name = StringField("What the token is for", widget=GovTextInput(),
                       description="For example, the website's enquiry form. You will see this name in the list.",
                       validators=[InputRequired("Enter what the token is for"),
                                   Length(max=120, message="The name must be 120 characters or fewer")])
    submit = SubmitField("Create token", widget=GovSubmitInput())


class UserForm(HearthForm):
    """A user's details; the email address only when creating (it is how they sign in)."""

    full_name = StringField("Full name", widget=GovTextInput(),
                            validators=[InputRequired("Enter the person's full name"),
                                        Length(max=200, message="The full name must be 200 characters or fewer")])
    email = StringField("Email address", widget=GovTextInput(), description="They sign in with it.",
                        validators=[InputRequired("Enter an email address"),
                                    Length(max=254, message="The email address must be 254 characters or fewer")])
    roles = SelectMultipleField("Roles", widget=CheckboxesInput(), choices=ROLE_CHOICES,
                                description="Choose every role the person needs.",
                                validators=[InputRequired("Choose at least one role")])
    team = SelectField("Team", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


class UserFilterForm(HearthForm):
    class Meta:
        csrf = False

    role = SelectField("Role", widget=GovSelect(), choices=[("", "Any role"), *ROLE_CHOICES], validators=[Optional()])
    team = SelectField("Team", widget=GovSelect(), validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), validators=[Optional()],
                         choices=[("", "Any status"), *((s.value, s.label) for s in Status)])
    submit = SubmitField("Filter", widget=GovSubmitInput())


class NameForm(HearthForm):
    """A team's or a partner authority's name."""

    name = StringField("Name", widget=GovTextInput(),
                       validators=[InputRequired("Enter a name"),
                                   Length(max=120, message="The name must be 120 characters or fewer")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ManagerForm(HearthForm):
    manager = SelectField("Team manager", widget=GovSelect(), validators=[Optional()],
                          description="Escalations for the team go to them first. Only users with the manager role.")
    submit = SubmitField("Save manager", widget=GovSubmitInput())


class MemberForm(HearthForm):
    user = SelectField("Add a member", widget=GovSelect(), validators=[InputRequired("Choose a user to add")],
                       description="Someone in another team moves to this one.")
    submit = SubmitField("Add to team", widget=GovSubmitInput())
