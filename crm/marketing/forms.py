"""Forms for the channel taxonomy, campaigns, spend and the monthly figures: shape only; the rules are in the
services (crm.marketing.services, .channels, .figures)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from crm.formatting import money, number
from crm.forms import DateRequired, GovDateField, HearthForm
from crm.marketing.figures import SOCIAL_FOLLOWERS, SOCIAL_PLATFORMS, WEBSITE_VISITS
from crm.marketing.services import MAX_SPEND_PENCE, CampaignDetails

# Pounds with optional thousands commas (1,250 or 1250) and optional pence (.5 or .50).
MONEY = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
COUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)$")
MAX_COUNT = 10**12


def parse_pence(text: str) -> int | None:
    """'1,250.50', '£1250.5', '1250': the amount in pence; None when it is not pounds and pence."""
    match = MONEY.match(text.strip().removeprefix("£").strip())
    if not match:
        return None
    return int(match[1].replace(",", "")) * 100 + int((match[2] or "0").ljust(2, "0"))


def pounds(pence: int) -> str:
    """1250050 -> '£12,500.50'."""
    return money(Decimal(pence) / 100)


class MonthInput(GovFormBase):
    """GOV.UK date input with only the month and year boxes."""

    template = "govuk_frontend_wtf/date.html"

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        raw = field.raw_data if field.raw_data is not None and len(field.raw_data) == 2 else None
        values = raw or ([str(field.data.month), str(field.data.year)] if field.data else [None, None])
        error = " govuk-input--error" if field.errors else ""
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        params["items"] = [
            {"label": "Month", "id": f"{field.id}-month", "name": field.name, "value": values[0],
             "classes": f"govuk-input--width-2{error}"},
            {"label": "Year", "id": f"{field.id}-year", "name": field.name, "value": values[1],
             "classes": f"govuk-input--width-4{error}"}]
        return params


class MonthField(Field):
    """A calendar month typed as month and year (3 2026); its data is the month's first day."""

    widget = MonthInput()

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not any(part.strip() for part in valuelist):
            return
        parts = [part.strip() for part in valuelist]
        if len(parts) != 2 or not all(part.isdigit() for part in parts) or not 1 <= int(parts[0]) <= 12 \
                or not GovDateField.MIN_YEAR <= int(parts[1]) <= GovDateField.MAX_YEAR:
            raise ValueError(f"{self.label.text} must be a real month, for example 3 2026")
        self.data = date(int(parts[1]), int(parts[0]), 1)


class MoneyField(StringField):
    """An amount in pounds and pence typed as text ('1,250.50'); `pence` holds it once read."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.pence: int | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.pence = parse_pence(self.data) if self.data else None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if text.startswith("-") or text.startswith("£-"):
            raise StopValidation(f"{self.label.text} must be £0 or more")
        if text and self.pence is None:
            raise StopValidation(f"Enter {self.label.text.lower()} in pounds and pence, like 1,250.50")
        if self.pence is not None and self.pence >= MAX_SPEND_PENCE:
            raise StopValidation(f"{self.label.text} must be less than {pounds(MAX_SPEND_PENCE)}")


class CountField(StringField):
    """A count typed as text, commas allowed ('12,345'); `count` holds it once read, None when left empty."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.count: int | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        match = COUNT.match((self.data or "").strip())
        self.count = int(match[1].replace(",", "")) if match else None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if text.startswith("-"):
            raise StopValidation(f"{self.label.text} must be 0 or more")
        if text and (self.count is None or self.count >= MAX_COUNT):
            raise StopValidation(f"{self.label.text} must be a whole number, like 12,500")


class IdsField(SelectMultipleField):
    """Ids ticked in checkboxes: whole numbers, checked against the data by the service."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        if any(not value.isdigit() for value in valuelist):
            self.data = []
            raise ValueError(f"Choose {self.label.text.lower()} from the list")
        self.data = [int(value) for value in valuelist]


# The channel taxonomy

NAME_LENGTH = Length(max=120, message="The name must be 120 characters or fewer")


class ChannelForm(HearthForm):
    name = StringField("Name", widget=GovTextInput(), validators=[DataRequired("Enter the name of the channel"),
                                                                   NAME_LENGTH])
    parent = SelectField("Where does it go?", widget=GovSelect(), validate_choice=False,
                         description="At the top level, or within a top-level channel (two levels at most).")
    submit = SubmitField("Add channel", widget=GovSubmitInput())


class RenameChannelForm(HearthForm):
    name = StringField("Name", widget=GovTextInput(), validators=[DataRequired("Enter the name of the channel"),
                                                                   NAME_LENGTH])
    submit = SubmitField("Save name", widget=GovSubmitInput())


# Campaigns and spend

class CampaignForm(HearthForm):
    name = StringField("Name", widget=GovTextInput(), validators=[
        DataRequired("Enter the name of the campaign"), Length(max=200, message="The name must be 200 characters "
                                                                               "or fewer")])
    code = StringField("Code (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=200, message="The code must be 200 characters or fewer")],
        description="The utm_campaign value of the campaign's web links, for example spring-bus-shelters. "
                    "Web enquiries carrying it are counted for this campaign.")
    start_on = GovDateField("Start date", validators=[DateRequired("Enter the start date")],
                            description="For example, 1 3 2026.")
    end_on = GovDateField("End date (optional)", description="Leave it empty while the campaign has no end date.")
    channels = IdsField("Channels")
    target_audience = StringField("Target audience (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=200, message="The target audience must be 200 characters or fewer")],
        description="For example, sibling groups, Black adopters or LGBTQ+.")
    service_line = SelectField("Service line (optional)", widget=GovSelect(), validate_choice=False)
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[
        Optional(), Length(max=5000, message="The notes must be 5,000 characters or fewer")])
    submit = SubmitField("Save campaign", widget=GovSubmitInput())

    @classmethod
    def of(cls, campaign) -> CampaignForm:
        # Not obj=campaign: an object's attribute wins over a keyword, and campaign.channels are not ids.
        return cls(formdata=None, name=campaign.name, code=campaign.code, start_on=campaign.start_on,
                   end_on=campaign.end_on, channels=[c.id for c in campaign.channels],
                   target_audience=campaign.target_audience, service_line=campaign.service_line_code or "",
                   notes=campaign.notes)

    def details(self) -> CampaignDetails:
        return CampaignDetails(
            name=self.name.data, code=self.code.data, start_on=self.start_on.data, end_on=self.end_on.data,
            channel_ids=tuple(self.channels.data or ()), target_audience=self.target_audience.data,
            service_line_code=self.service_line.data or None, notes=self.notes.data)


def channel_groups(form: CampaignForm, tree, kept: set[int]) -> list[dict]:
    """govukCheckboxes parameters: a group for each top-level channel with channels within it, then one for the
    channels without. Active channels, and any inactive one the campaign already has; the first group carries the
    field's id and error."""
    chosen, groups, others = set(form.channels.data or ()), [], []
    for top, children in tree:
        items = [{"value": str(c.id), "text": _channel_label(c, top, bool(children)), "checked": c.id in chosen}
                 for c in (top, *children) if c.active or c.id in kept]
        if children and items:
            groups.append(_group(top.name, f"channels-{top.id}", items))
        else:
            others += items
    if others:
        groups.append(_group("Other channels", "channels-others", others))
    if groups:
        groups[0]["idPrefix"] = form.channels.id
        if form.channels.errors:
            groups[0]["errorMessage"] = {"text": form.channels.errors[0]}
    return groups


def _group(legend: str, id_prefix: str, items: list[dict]) -> dict:
    return {"name": "channels", "idPrefix": id_prefix, "items": items, "classes": "govuk-checkboxes--small",
            "fieldset": {"legend": {"text": legend, "classes": "govuk-fieldset__legend--s"}}}


def _channel_label(channel, top, has_children: bool) -> str:
    label = f"{top.name} in general" if channel is top and has_children else channel.name
    return label if channel.active else f"{label} (no longer in use)"


class SpendForm(HearthForm):
    month = MonthField("Month", validators=[DateRequired("Enter the month")], description="For example, 3 2026.")
    amount = MoneyField("Amount spent", validators=[DataRequired("Enter the amount spent")],
                        description="In pounds and pence, for example 1,250.50.")
    submit = SubmitField("Save spend", widget=GovSubmitInput())


# Monthly figures

class MonthFiguresForm(HearthForm):
    """A month's figures; a box left empty means no figure for it (and removes one saved before)."""

    month = MonthField("Month", validators=[DateRequired("Enter the month")], description="For example, 3 2026.")
    website_visits = CountField("Website visits")
    submit = SubmitField("Save figures", widget=GovSubmitInput())

    def figures(self) -> dict[tuple[str, str], int | None]:
        values = {(WEBSITE_VISITS, ""): self.website_visits.count}
        for platform in SOCIAL_PLATFORMS:
            values[(SOCIAL_FOLLOWERS, platform)] = self[f"followers_{platform}"].count
        return values

    @classmethod
    def of(cls, month: date, stored: dict[tuple[str, str], int]) -> MonthFiguresForm:
        form = cls(formdata=None, month=month)
        for (metric, platform), field_name in figure_fields().items():
            value = stored.get((metric, platform))
            form[field_name].data = "" if value is None else number(value)
        return form


def figure_fields() -> dict[tuple[str, str], str]:
    """(metric, platform) -> the form field that holds it."""
    return {(WEBSITE_VISITS, ""): "website_visits",
            **{(SOCIAL_FOLLOWERS, platform): f"followers_{platform}" for platform in SOCIAL_PLATFORMS}}


for _platform, _label in SOCIAL_PLATFORMS.items():
    setattr(MonthFiguresForm, f"followers_{_platform}", CountField(f"{_label} followers"))
