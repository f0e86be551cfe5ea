"""Every form drops NUL bytes first, then applies the filters its fields declare (a field's own filters were once
replaced by the NUL filter, so a strip filter never ran)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import StringField

from crm.forms import HearthForm, stripped


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
