"""Forms for events, bookings, attendance and consultations: shape only; crm.events.services has the rules."""
from __future__ import annotations

import re
from datetime import datetime, time, timezone

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from crm import clock
from crm.events.models import ConsultationMethod
from crm.events.services import ConsultationDetails, EventDetails
from crm.forms import DateRequired, GovDateField, HearthForm, RadioInput, WholeNumberField

TIME_PATTERN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
NAMED_TIMES = {"midday": time(12), "noon": time(12), "midnight": time(0)}
MAX_CAPACITY = 10_000


def parse_time(text: str) -> time | None:
    """'19:00', '7pm', '7.30pm', '7:30 PM', 'midday': a time of day, or None if it is not one."""
    words = text.strip().lower().replace(" ", "")
    if words in NAMED_TIMES:
        return NAMED_TIMES[words]
    match = TIME_PATTERN.match(words)
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match[2] is None:
        return None  # a bare '7' could be morning or evening
    return time(hour, minute) if hour < 24 and minute < 60 else None


class TimeField(StringField):
    """A time of day typed as text (GOV.UK has no time input): 7pm, 19:00, 7:30pm."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.time: time | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.time = parse_time(self.data) if self.data else None

    def pre_validate(self, form):
        if self.data and self.data.strip() and self.time is None:
            raise StopValidation(f"Enter the {self.label.text.lower()} as a time of day, like 7pm or 19:00")


def at(day, moment: time) -> datetime:
    """A date and time in England, as the aware UTC moment the database keeps."""
    return clock.london_time(day, moment).astimezone(timezone.utc)


class EventForm(HearthForm):
    title = StringField("Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)],
                        description="For example, Adoption information evening.")
    day = GovDateField("Date", validators=[DateRequired("Enter the date of the event")],
                       description="For example, 27 3 2026.")
    start_time = TimeField("Start time", validators=[DataRequired("Enter the start time"), Length(max=20)],
                           description="For example, 7pm or 19:00.")
    end_time = TimeField("End time", validators=[DataRequired("Enter the end time"), Length(max=20)],
                         description="For example, 9pm or 21:00.")
    format = RadioField("Where is it held?", widget=RadioInput(), default="in_person",
                        choices=[("in_person", "At a venue"), ("online", "Online")],
                        validators=[InputRequired("Choose where the event is held")])
    venue = TextAreaField("Venue address", widget=GovTextArea(), validators=[Optional(), Length(max=1000)],
                          description="For an event at a venue.")
    joining_link = StringField("Joining link", widget=GovTextInput(), validators=[Optional(), Length(max=500)],
                               description="For an online event, for example https://meet.example.org/abc.")
    capacity = WholeNumberField("Capacity", example=20,
                                validators=[InputRequired("Enter the number of places"),
                                            NumberRange(1, MAX_CAPACITY, f"Capacity must be between 1 and {MAX_CAPACITY}")],
                                description="How many households can book.")
    service_line = SelectField("Service line", widget=GovSelect(), validators=[Optional()])
    partner_authority = SelectField("Partner authority", widget=GovSelect(), validators=[Optional()])
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Create event", widget=GovSubmitInput())

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title.data, starts_at=at(self.day.data, self.start_time.time),
            ends_at=at(self.day.data, self.end_time.time), capacity=self.capacity.data,
            online=self.format.data == "online", venue=self.venue.data or None,
            joining_link=self.joining_link.data or None, service_line_code=self.service_line.data or None,
            partner_authority_id=int(self.partner_authority.data or 0) or None, notes=self.notes.data or None)


class BookingForm(HearthForm):
    # Any event id is accepted here: whether it can be booked (on, not over, not full) is the service's rule.
    event = SelectField("Information event", widget=GovSelect(), validators=[InputRequired("Choose an event")],
                        validate_choice=False)
    submit = SubmitField("Book", widget=GovSubmitInput())


class AttendanceForm(HearthForm):
    # Checkboxes drawn in the bookings table; the choices are the event's bookings.
    attended = SelectMultipleField("Attended", validators=[Optional()])
    submit = SubmitField("Save attendance", widget=GovSubmitInput())


class ConsultationForm(HearthForm):
    method = RadioField("How was it held?", widget=RadioInput(),
                        choices=[(m.value, m.label) for m in ConsultationMethod],
                        validators=[InputRequired("Choose how the consultation was held")])
    held_on = GovDateField("Date of the consultation", validators=[DateRequired("Enter the date of the consultation")],
                           description="For example, 27 3 2026. Today or in the past.")
    held_by = SelectField("Who held it?", widget=GovSelect(), validators=[InputRequired("Choose who held it")])
    service_line = SelectField("Which application was it about?", widget=GovSelect(), validators=[Optional()])
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Record consultation", widget=GovSubmitInput())

    def details(self) -> ConsultationDetails:
        return ConsultationDetails(method=ConsultationMethod(self.method.data), held_on=self.held_on.data,
                                   held_by_id=int(self.held_by.data), service_line_code=self.service_line.data or None,
                                   notes=self.notes.data or None)
