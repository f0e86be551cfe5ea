"""Form pieces shared by every area: the GOV.UK date input, made safe for any query string."""
from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovDateInput, GovRadioInput, GovTextInput
from wtforms import DateField, IntegerField
from wtforms.validators import StopValidation


class DateInput(GovDateInput):
    """GOV.UK day / month / year inputs that render whatever arrived, even a bare or malformed query,
    with input ids built from the field's id (unique on the page), not its name."""

    def map_gov_params(self, field, **kwargs):
        raw = field.raw_data
        if raw is not None and len(raw) != 3:
            field.raw_data = None
        try:
            params = super().map_gov_params(field, **kwargs)
        finally:
            field.raw_data = raw
        for item, part in zip(params["items"], ("day", "month", "year")):
            item["id"] = f"{field.id}-{part}"
        return params


class GovDateField(DateField):
    """A date from three inputs (day, month, year), with GOV.UK's error wording."""

    # Outside these years a date is a typing slip, and date arithmetic near year 9999 overflows.
    MIN_YEAR, MAX_YEAR = 1900, 2100

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not any(part.strip() for part in valuelist):
            self.data = None
            return
        if len(valuelist) != 3 or not all(part.strip().isdigit() for part in valuelist):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026")
        try:
            self.data = datetime.strptime(" ".join(part.strip() for part in valuelist), "%d %m %Y").date()
        except ValueError as error:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026") from error
        if not self.MIN_YEAR <= self.data.year <= self.MAX_YEAR:
            self.data = None
            raise ValueError(f"{self.label.text} must be between {self.MIN_YEAR} and {self.MAX_YEAR}")


class DateRequired:
    """Like DataRequired, but keeps the more precise message of a date that could not be read."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


def without_nul(value):
    """PostgreSQL text cannot hold NUL bytes; no person means to type one."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def stripped(value):
    """Without the spaces around it: a name, address or number typed with them is the same one (and a field of
    spaces alone is empty, not a value past its length)."""
    return value.strip() if isinstance(value, str) else value


class HearthForm(FlaskForm):
    """Every form's base: text inputs lose NUL bytes before any validator or service sees them."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The field's own filters (declared on it, so in its kwargs) run after this one, never instead of it.
            options["filters"] = [without_nul, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, **options)


class RadioInput(GovRadioInput):
    """GOV.UK radios whose item, hint and error ids start from the field's id (unique on the page)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("idPrefix", field.id)
        return params


class CheckboxesInput(GovCheckboxesInput):
    """GOV.UK checkboxes, ids from the field's id like RadioInput."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("idPrefix", field.id)
        return params


class WholeNumberField(IntegerField):
    """A whole number typed in a GOV.UK text input: one clear message when it is not one (and no second one
    from a range check on a value that could not be read)."""

    def __init__(self, label=None, validators=None, example: int = 12, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        self.example = example
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            # A browser sends an input left blank as "": no number, for Optional() or InputRequired() to judge
            # (int("") would refuse it as "not a whole number", even where the field is optional). Spaces alone
            # stay "not a whole number": InputRequired() would take them as input.
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(f"{self.label.text} must be a whole number, like {self.example}") from error

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
