"""crm.errors: a DomainError and where errors_on puts it (a field, the error summary, a flash), and what it undoes."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import select
from wtforms import StringField

from crm.auth.models import Team
from crm.errors import DomainError, error_summary, errors_on
from crm.extensions import db
from crm.forms import HearthForm


class PetForm(HearthForm):
    name = StringField("Name")
    species = StringField("Species")


@pytest.fixture
def form(app, db_session):
    with app.test_request_context("/", method="POST", data={"name": "Rex", "species": "dog"}):
        made = PetForm(meta={"csrf": False})
        assert made.validate()
        yield made


def team_named(name: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.name == name))


def test_the_message_lands_beside_its_field_and_the_change_is_undone(form):
    with errors_on(form):
        db.session.add(Team(name="Refused team"))
        db.session.flush()
        raise DomainError("That species is not allowed", "species")
    assert form.species.errors == ["That species is not allowed"] and not form.name.errors
    assert not form.form_errors and team_named("Refused team") is None


def test_a_message_about_no_field_of_the_form_goes_to_the_error_summary(form):
    with errors_on(form):
        raise DomainError("The shop is closed")
    with errors_on(form):
        raise DomainError("Not a field of this form", "colour")
    assert form.form_errors == ["The shop is closed", "Not a field of this form"]
    form.name.errors = ["Enter a name"]
    summary = error_summary(form)["errorList"]
    assert summary == [{"text": "The shop is closed"}, {"text": "Not a field of this form"},
                       {"text": "Enter a name", "href": "#name"}]


def test_a_service_field_can_be_renamed_to_the_form_field(form):
    with errors_on(form, fields={"kind": "species"}):
        raise DomainError("Choose a species", "kind")
    assert form.species.errors == ["Choose a species"]


def test_several_problems_land_each_beside_its_field(form):
    with errors_on(form):
        raise DomainError.several([("name", "Enter a name"), ("species", "Choose a species"), (None, "Try again")])
    assert (form.name.errors, form.species.errors, form.form_errors) == (
        ["Enter a name"], ["Choose a species"], ["Try again"])


def test_keep_commits_what_the_refused_attempt_recorded(form):
    with errors_on(form, keep=True):
        db.session.add(Team(name="Kept team"))
        db.session.flush()
        raise DomainError("Wrong password", "name")
    db.session.rollback()  # nothing left to undo: the attempt was committed
    assert team_named("Kept team") is not None and form.name.errors == ["Wrong password"]


def test_success_runs_to_the_end_of_the_block(form):
    with errors_on(form):
        done = True
    assert done and not form.errors


def test_without_a_form_the_message_is_flashed(app, db_session):
    with app.test_request_context("/"):
        with errors_on():
            raise DomainError("Already cancelled")
        assert get_flashed_messages(with_categories=True) == [("error", "Already cancelled")]


def test_other_errors_are_not_caught(form):
    with pytest.raises(ValueError):
        with errors_on(form):
            raise ValueError("a bug, not a refusal")
    assert not form.errors


def test_the_api_list_of_a_refusal():
    assert DomainError("Unknown field", "colour").as_json() == [{"field": "colour", "message": "Unknown field"}]
    error = DomainError.several([("a", "One"), (None, "Two")])
    assert (error.message, error.field, str(error)) == ("One", "a", "One")
    assert error.as_json() == [{"field": "a", "message": "One"}, {"field": None, "message": "Two"}]


def test_the_summary_lists_every_error_of_every_field(form):
    with errors_on(form):
        raise DomainError.several([("species", "Dogs are not allowed"), ("species", "Cats are not allowed"),
                                   ("name", "Enter a shorter name")])
    assert error_summary(form)["errorList"] == [
        {"text": "Enter a shorter name", "href": "#name"},
        {"text": "Dogs are not allowed", "href": "#species"}, {"text": "Cats are not allowed", "href": "#species"}]


def test_a_page_has_errors_when_any_of_its_forms_has(app, form):
    from jinja2 import Undefined

    from crm.errors import page_has_errors
    assert not page_has_errors(form, None, Undefined(name="error_forms"), [None, form])
    form.species.errors = ["Choose a species"]
    assert page_has_errors(None, [None, form]) and page_has_errors(form)
