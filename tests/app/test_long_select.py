"""LongSelect (app/blueprints/fields.py) writes exactly WTForms' Select HTML, only faster."""
from __future__ import annotations

from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from app.blueprints.fields import LongSelect

CHOICES = [("", "— choose —"), ("1", "Olive oil"), ("2", 'Shea "raw" <butter> & co'), ("3", "Lye"),
           SelectChoice("4", "Beeswax", render_kw={"disabled": True}), ("5", "")]


class Plain(Form):
    item_id = SelectField("Item", coerce=str, validate_choice=False, choices=CHOICES)


class Long(Form):
    item_id = SelectField("Item", coerce=str, validate_choice=False, choices=CHOICES, widget=LongSelect())


def test_long_select_renders_what_wtforms_renders():
    for data in ({}, {"item_id": "2"}, {"item_id": "5"}, {"item_id": "4"}):
        plain, long = Plain(data=data), Long(data=data)
        assert str(long.item_id(aria_label="Item")) == str(plain.item_id(aria_label="Item"))
    rendered = str(Long(data={"item_id": "2"}).item_id())
    assert '<option selected value="2">Shea &#34;raw&#34; &lt;butter&gt; &amp; co</option>' in rendered
    assert '<option disabled value="4">Beeswax</option>' in rendered


def test_long_select_is_a_select_widget():
    assert isinstance(LongSelect(), Select)
