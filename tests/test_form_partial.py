"""templates/partials/form.html: every form's help and error texts carry the ids that Django's
widgets name in ``aria-describedby``, so assistive technology reads them with the field."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.template.loader import render_to_string

from patients.forms import ConsentForm, VisitForm

pytestmark = pytest.mark.django_db

DESCRIBEDBY = re.compile(r'aria-describedby="([^"]+)"')
ID = re.compile(r'\bid="([^"]+)"')


def _render(form) -> str:
    return render_to_string("partials/form.html", {"form": form})


def _unresolved(html: str) -> list[str]:
    ids = set(ID.findall(html))
    return [ref for refs in DESCRIBEDBY.findall(html) for ref in refs.split() if ref not in ids]


def test_help_texts_have_the_ids_their_fields_point_at(athlete_a):
    html = _render(ConsentForm())
    assert 'aria-describedby="id_how_given_helptext"' in html
    assert 'id="id_how_given_helptext"' in html
    assert _unresolved(html) == []


def test_errors_have_the_ids_their_fields_point_at():
    html = _render(VisitForm(data={}))
    assert 'aria-invalid="true"' in html
    error = re.search(r'<div class="field-errors" id="id_visit_date_error">(.*?)</div>', html, re.S)
    assert error is not None and "This field is required." in error.group(1)
    assert _unresolved(html) == []


def test_a_field_with_help_and_errors_points_at_both(athlete_a):
    form = SetPasswordForm(athlete_a[0], data={"new_password1": "a", "new_password2": "b"})
    html = _render(form)
    assert 'aria-describedby="id_new_password1_helptext"' in html
    assert 'aria-describedby="id_new_password2_helptext id_new_password2_error"' in html
    assert 'id="id_new_password2_error"' in html
    assert _unresolved(html) == []
