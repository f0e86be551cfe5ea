"""Forms for the UTM rules and for testing an address against them: shape only; rules.py holds the rules."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from crm.forms import HearthForm, WholeNumberField, stripped
from crm.marketing.attribution.rules import MAX_PRIORITY, MAX_TAG, RuleDetails


def _tag(label: str, example: str) -> StringField:
    return StringField(label, widget=GovTextInput(), filters=[stripped],
                       validators=[Optional(),
                                   Length(max=MAX_TAG, message=f"This must be {MAX_TAG} characters or fewer")],
                       description=f"For example, {example}. Leave it empty to match any.")


class RuleForm(HearthForm):
    priority = WholeNumberField("Priority", example=10, description="Rules are tried from the lowest number up: "
                                "the first that matches names the channel.",
                                validators=[InputRequired("Enter the priority"),
                                            NumberRange(0, MAX_PRIORITY, f"The priority must be a whole number from 0 "
                                                                         f"to {MAX_PRIORITY}")])
    utm_source = _tag("utm_source is", "facebook")
    utm_medium = _tag("utm_medium is", "cpc")
    utm_campaign = _tag("utm_campaign is", "autumn-fostering")
    referrer_contains = _tag("The referring page's address contains", "youcanadopt.org.uk")
    channel = SelectField("Channel", widget=GovSelect(), validators=[InputRequired("Choose the channel")],
                          invalid_choice_message="Choose a channel from the list")
    active = BooleanField("In use: new enquiries are matched against this rule", widget=GovCheckboxInput(),
                          default=True)
    submit = SubmitField("Save rule", widget=GovSubmitInput())

    def details(self) -> RuleDetails:
        return RuleDetails(priority=self.priority.data, channel_id=int(self.channel.data),
                           utm_source=self.utm_source.data, utm_medium=self.utm_medium.data,
                           utm_campaign=self.utm_campaign.data, referrer_contains=self.referrer_contains.data,
                           active=self.active.data)


class AddressTestForm(HearthForm):
    class Meta:
        csrf = False  # a GET form: it reads, never changes anything

    address = StringField("Address of the page the enquirer landed on", widget=GovTextInput(),
                          validators=[InputRequired("Enter an address with its utm_ tags"),
                                      Length(max=2000, message="The address must be 2000 characters or fewer")],
                          description="For example, https://agency.example/foster?utm_source=facebook&utm_medium=cpc")
    referrer = StringField("Referring page (optional)", widget=GovTextInput(),
                           validators=[Optional(), Length(max=500, message="This must be 500 characters or fewer")],
                           description="The page the enquirer followed the link from, if known.")
    submit = SubmitField("Test the address", widget=GovSubmitInput())
