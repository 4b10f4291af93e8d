"""The one form runner: typed service errors land on (nested) fields and are flashed once."""
from __future__ import annotations

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField

from app.blueprints.forms_support import EmptyForm, submit
from app.services.errors import InvalidState, ValidationFailed


class _Output(Form):
    item_id = StringField()


class _BatchFinishForm(FlaskForm):
    yield_quantity = StringField()
    outputs = FieldList(FormField(_Output), min_entries=2)


def test_a_nested_field_error_lands_on_that_output_row(app):
    """Does `outputs.1.item_id` from a service reach the second output row of the form?"""
    with app.test_request_context("/", method="POST", data={"yield_quantity": "12"}):
        form = _BatchFinishForm(meta={"csrf": False})

        def refuse():
            raise ValidationFailed("Pick an output item.", fields={"outputs.1.item_id": "Pick an output item."})

        result = submit(form, refuse)
        assert not result.ok and result.status == 422
        assert form.outputs[1].item_id.errors == ["Pick an output item."]
        assert form.outputs[0].item_id.errors == []
        assert get_flashed_messages() == []  # the field already says it: not flashed a second time


def test_a_message_the_fields_do_not_say_is_flashed_once(app):
    """Is the summary flashed exactly once when the field message differs?"""
    with app.test_request_context("/", method="POST", data={}):
        form = _BatchFinishForm(meta={"csrf": False})

        def refuse():
            raise ValidationFailed("Add at least one ingredient line.", fields={"yield_quantity": "Required."})

        submit(form, refuse)
        assert form.yield_quantity.errors == ["Required."]
        assert get_flashed_messages() == ["Add at least one ingredient line."]


def test_state_errors_keep_their_status_and_success_returns_the_value(app):
    """Does a wrong-state refusal re-render with 409, and does success hand back the service's result?"""
    with app.test_request_context("/", method="POST", data={}):
        form = EmptyForm(meta={"csrf": False})

        def refuse():
            raise InvalidState("The batch is already finished.")

        assert submit(form, refuse).status == 409
        assert submit(form, lambda: 42).value == 42
    with app.test_request_context("/", method="GET"):
        result = submit(EmptyForm(meta={"csrf": False}), lambda: 1 / 0)
        assert not result.ok and result.status == 200
