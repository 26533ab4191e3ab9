"""Shared by the security tests: fresh API throttles per case, and athlete A's and B's records."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.security.access_world import World


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # DRF counts requests per user id and per address in the cache; ids repeat across cases.
    cache.clear()


@pytest.fixture
def world(athlete_a, athlete_b, front_desk, clinician):
    """The signed-in roles and athlete A's and B's records, each built when first asked for."""
    users = {"athlete_a": athlete_a[0], "athlete_b": athlete_b[0], "front_desk": front_desk, "clinician": clinician}
    return World(users=users, patients={"athlete_a": athlete_a[1], "athlete_b": athlete_b[1]})
