"""The upload form (staff and applicants) and the removal form: shape only; crm.documents.services holds the rules."""
from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired

from crm.documents.models import DocumentKind
from crm.forms import GovDateField, HearthForm, RadioInput

KIND_CHOICES = [(kind.value, kind.label) for kind in DocumentKind]
FILE_HINT = "A PDF, JPG or PNG file, smaller than {limit}."


class UploadForm(HearthForm):
    kind = RadioField("What is the document?", widget=RadioInput(), choices=KIND_CHOICES,
                      validators=[InputRequired("Choose what kind of document it is")],
                      invalid_choice_message="Choose what kind of document it is")
    person = SelectField("Whose document is it?", widget=GovSelect(), validate_choice=False)
    check = SelectField("Is it evidence for a check? (optional)", widget=GovSelect(), validate_choice=False)
    expires_on = GovDateField("Expiry date (optional)",
                              description="For example, 27 3 2030. The date printed on an identity document, if any.")
    upload = FileField("Upload a file", widget=GovFileInput())
    submit = SubmitField("Upload document", widget=GovSubmitInput())

    def chosen_id(self, field) -> int | None:
        """A choice's id: None for 'not chosen'; anything that is not a whole number is refused by the service as not
        one of the choices (-1 matches nothing)."""
        value = (field.data or "").strip()
        if not value:
            return None
        return int(value) if value.isdigit() and len(value) < 18 else -1


class RemoveForm(HearthForm):
    submit = SubmitField("Remove document", widget=GovSubmitInput())
