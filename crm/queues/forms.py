"""The filter panels' fields, rendered with GOV.UK macros from filters already read (crm.queues.filters).

The panels are GET forms that change nothing, so they carry no CSRF token; they never show errors,
because the query string is read leniently before they see it.
"""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField

from crm.enquiries.forms import METHOD_LABELS
from crm.forms import CheckboxesInput, HearthForm, RadioInput
from crm.funnel.stages import Stage, Status
from crm.queues.filters import SCOPE_LABELS, ApplicationFilters, AwaitingFilters


class ApplicationFilterForm(HearthForm):
    class Meta:
        csrf = False

    q = StringField("Name, reference, email, phone or postcode", widget=GovTextInput())
    scope = RadioField("Households", widget=RadioInput(), validate_choice=False)
    stage = SelectMultipleField("Stage", widget=CheckboxesInput(), choices=[(s.value, s.label) for s in Stage])
    service_line = SelectMultipleField("Service line", widget=CheckboxesInput())
    status = SelectMultipleField("Status", widget=CheckboxesInput(), choices=[(s.value, s.label) for s in Status])
    authority = SelectMultipleField("Partner authority", widget=CheckboxesInput())


def application_form(filters: ApplicationFilters, *, scopes: list[str], service_lines: dict[str, str],
                     authorities: dict[int, str]) -> ApplicationFilterForm:
    form = ApplicationFilterForm(formdata=None, data={
        "q": filters.text, "scope": filters.scope, "stage": [s.value for s in filters.stages],
        "service_line": list(filters.service_lines), "status": [s.value for s in filters.statuses],
        "authority": [str(a) for a in filters.authorities]})
    form.scope.choices = [(scope, SCOPE_LABELS[scope]) for scope in scopes]
    form.service_line.choices = list(service_lines.items())
    form.authority.choices = [(str(key), name) for key, name in authorities.items()]
    return form


class AwaitingFilterForm(HearthForm):
    class Meta:
        csrf = False

    method = SelectMultipleField("How they got in touch", widget=CheckboxesInput(),
                                 choices=[(m.value, label) for m, label in METHOD_LABELS.items()])
    channel = SelectField("How they heard about us", widget=GovSelect(), validate_choice=False)
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput())


def awaiting_form(filters: AwaitingFilters, *, channels: dict[int, str]) -> AwaitingFilterForm:
    form = AwaitingFilterForm(formdata=None, data={
        "method": [m.value for m in filters.methods], "overdue": filters.overdue,
        "channel": "" if filters.channel is None else str(filters.channel)})
    form.channel.choices = [("", "Any channel")] + [(str(key), path) for key, path in channels.items()]
    return form
