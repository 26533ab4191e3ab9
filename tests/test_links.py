"""clinic.links.url_with_pk gives exactly what reverse() gives, for any id."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.links import url_with_pk


@pytest.mark.parametrize("viewname", ["scheduling:detail", "assessments:detail", "patients:detail"])
@pytest.mark.parametrize("pk", [1, 42, 9_876_543, 10**12])
def test_url_with_pk_matches_reverse(viewname, pk):
    assert url_with_pk(viewname)(pk) == reverse(viewname, args=[pk])
