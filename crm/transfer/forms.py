"""The manager's upload form: shape only; reading the file and the rules live in crm.transfer.services."""
from flask_wtf.file import FileField, FileRequired, FileSize
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.validators import InputRequired

from crm.forms import HearthForm, RadioInput

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
KIND_CHOICES = [("households", "Households: one row per household and service line"),
                ("milestones", "Milestones: one row per event, after the households are imported"),
                ("checks", "Checks: one row per statutory check, after the milestones are imported")]


class ImportForm(HearthForm):
    kind = RadioField("What does the file hold?", widget=RadioInput(), choices=KIND_CHOICES,
                      validators=[InputRequired("Choose what the file holds")])
    upload = FileField("Upload a file", widget=GovFileInput(), description="A CSV file (UTF-8) or an Excel workbook (.xlsx).",
                       validators=[FileRequired("Choose a CSV or XLSX file"),
                                   FileSize(MAX_UPLOAD_BYTES, message="The file must be smaller than 20 MB")])
    dry_run = BooleanField("Check the file only (dry run): report what would change, store nothing",
                           widget=GovCheckboxInput())
    submit = SubmitField("Import", widget=GovSubmitInput())


class ConfirmImportForm(HearthForm):
    """Import the file a dry run checked (held for the user for an hour), adding unknown partner authorities when
    asked."""

    upload_id = HiddenField(validators=[InputRequired("Choose the file again")])
    add_authorities = HiddenField()
    submit = SubmitField("Import these rows", widget=GovSubmitInput())
