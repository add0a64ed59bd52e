"""Selects are built in Python; they must read like Django's own Jinja2
widget templates, which rendered them before (Jinja2 writes a double quote
as &#34;, Django's escape as &quot;)."""

import pytest
from django import forms
from django.forms.renderers import Jinja2

from helpdesk.renderers import FastFormRenderer


class Sample(forms.Form):
    grouped = forms.ChoiceField(
        choices=[
            ("x", 'Fish <&> "chips"'),
            ("Later", [("y", "Yes"), ("z", 3)]),
            ("", "—"),
        ],
        initial="y",
    )
    several = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], initial=["a", "c"]
    )
    disabled = forms.ChoiceField(choices=[("1", "One")], disabled=True)
    styled = forms.ChoiceField(
        choices=[("1", "One")],
        widget=forms.Select(attrs={"class": "x", "data-note": 'a "b" <c>'}),
    )


@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_select_markup_is_djangos(name):
    expected = str(Sample(renderer=Jinja2())[name]).replace("&#34;", "&quot;")
    assert str(Sample(renderer=FastFormRenderer())[name]) == expected


def test_bound_select_marks_the_submitted_choice():
    form = Sample({"grouped": "z"}, renderer=FastFormRenderer())
    assert '<option value="z" selected>3</option>' in str(form["grouped"])
    assert '<option value="y" selected>' not in str(form["grouped"])
