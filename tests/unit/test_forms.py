"""Every form drops NUL bytes first, then applies the filters its fields declare (a field's own filters were once
replaced by the NUL filter, so a strip filter never ran)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import InputRequired, Optional

from crm.forms import HearthForm, WholeNumberField, stripped


class Example(HearthForm):
    plain = StringField()
    trimmed = StringField(filters=[stripped])
    shouted = StringField(filters=[stripped, lambda value: value.upper() if value else value])


def test_a_fields_own_filters_run_after_the_nul_filter(app):
    with app.test_request_context():
        form = Example(formdata=MultiDict({"plain": " a\x00b ", "trimmed": "  a\x00b  ", "shouted": " ab\x00c "}),
                       meta={"csrf": False})
    assert (form.plain.data, form.trimmed.data, form.shouted.data) == (" ab ", "ab", "ABC")


def test_spaces_alone_are_an_empty_field():
    assert stripped("   ") == "" and stripped(None) is None and stripped(" a b ") == "a b"


class Numbers(HearthForm):
    optional = WholeNumberField("Years (optional)", example=5, validators=[Optional()])
    required = WholeNumberField("Capacity", validators=[InputRequired("Enter the capacity")])


def test_a_whole_number_left_blank_is_no_number_not_a_bad_one(app):
    """A browser sends an empty input as "" (a test client leaves it out): an optional field takes it, a required
    one asks for it; only something typed that is not a whole number is refused as such."""
    def submit(**data):
        with app.test_request_context():
            form = Numbers(formdata=MultiDict(data), meta={"csrf": False})
            form.validate()
        return form

    blank = submit(optional="", required="")
    assert blank.optional.data is None and "optional" not in blank.errors
    assert blank.errors["required"] == ["Enter the capacity"]
    typed = submit(optional="7", required="12")
    assert (typed.optional.data, typed.required.data, typed.errors) == (7, 12, {})
    wrong = submit(optional="five", required=" ")
    assert wrong.errors == {"optional": ["Years (optional) must be a whole number, like 5"],
                            "required": ["Capacity must be a whole number, like 12"]}
