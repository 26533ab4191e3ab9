"""Slot search: free starts grouped by day and clinician, earlier/later pages and "more" instead of
a silent cut, and the reason a clinician has no slot (no hours, time off, fully booked)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from accounts.roles import Role
from scheduling import selectors
from scheduling.calendar import at_local
from scheduling.models import CalendarException, ExceptionReason
from tests.factories import UserFactory
from tests.scheduling.conftest import give_working_week, monday_at, next_monday

pytestmark = pytest.mark.django_db


def search_url(follow_up, date_from, date_to, clinician=None) -> str:
    url = f"/schedule/slots/?appointment_type={follow_up.pk}&date_from={date_from}&date_to={date_to}"
    return url + (f"&clinician={clinician.pk}" if clinician else "")


def test_slots_are_grouped_by_day_and_clinician(client, front_desk, working_clinician, other_clinician, follow_up):
    client.force_login(front_desk)
    monday = next_monday()
    html = client.get(search_url(follow_up, monday, monday + timedelta(days=1), working_clinician)).content.decode()
    days = html.split('class="slot-day"')[1:]
    assert len(days) == 2
    assert f"{monday:%A} {monday.day} {monday:%b}" in days[0] and "Tuesday" in days[1]
    both = client.get(search_url(follow_up, monday, monday)).content.decode().split('class="slot-day"')[1:]
    assert len(both) == 1 and "Dana Okafor" in both[0] and "Lee Park" in both[0]
    assert both[0].count(">08:00<") == 2  # one start button per clinician


def test_a_long_search_pages_by_whole_days_with_more_instead_of_a_cut(client, front_desk, working_clinician, follow_up):
    client.force_login(front_desk)
    monday = next_monday()
    # 08:00-18:00, 30-minute follow-ups every 15 min: 39 starts a day, five days a week.
    html = client.get(search_url(follow_up, monday, monday + timedelta(days=13))).content.decode()
    assert html.count('class="slot-day"') == 3  # 117 starts: the fourth day would pass 120
    thursday = monday + timedelta(days=3)
    assert f"More slots from {thursday:%a} {thursday.day} {thursday:%b}" in html
    assert f"date_from={thursday}&amp;date_to={monday + timedelta(days=13)}" in html
    more = client.get(search_url(follow_up, thursday, monday + timedelta(days=13))).content.decode()
    assert f"{thursday:%A} {thursday.day}" in more and "← Earlier days" in more


def test_later_days_continue_after_the_range(client, front_desk, working_clinician, follow_up):
    client.force_login(front_desk)
    monday = next_monday()
    html = client.get(search_url(follow_up, monday, monday)).content.decode()
    tuesday = monday + timedelta(days=1)
    assert f"date_from={tuesday}&amp;date_to={tuesday}" in html and "Later days →" in html


def test_the_page_says_why_a_clinician_has_no_slots(client, front_desk, working_clinician, follow_up, book, athlete_a):
    UserFactory(role=Role.CLINICIAN, username="nohours", first_name="Noor", last_name="Hours")
    on_leave = UserFactory(role=Role.CLINICIAN, username="leave", first_name="Lou", last_name="Leave")
    give_working_week(on_leave)
    monday = next_monday()
    CalendarException.objects.create(
        clinician=on_leave,
        reason=ExceptionReason.LEAVE,
        starts_at=at_local(monday, time(0)),
        ends_at=at_local(monday + timedelta(days=1), time(0)),
    )
    weekend_only = UserFactory(role=Role.CLINICIAN, username="weekend", first_name="Wyn", last_name="Weekend")
    weekend_only.working_hours.create(weekday=5, start=time(9), end=time(12))
    full = UserFactory(role=Role.CLINICIAN, username="full", first_name="Fay", last_name="Full")
    full.working_hours.create(weekday=0, start=time(9), end=time(9, 30))
    book(athlete_a[1], full, monday_at(9))
    client.force_login(front_desk)

    html = client.get(search_url(follow_up, monday, monday)).content.decode()

    reasons = html.split('id="no-slots"')[1].split("</div>")[0]
    assert "Noor Hours has no working hours set" in reasons
    assert "Lou Leave is on time off on these days." in reasons
    assert "Wyn Weekend does not work on these days (works Saturday)." in reasons
    assert "Fay Full is fully booked on these days." in reasons
    assert "Dana Okafor" not in reasons


def test_slot_search_queries_do_not_grow_with_clinicians(front_desk, follow_up, django_assert_max_num_queries):
    for n in range(12):
        give_working_week(UserFactory(role=Role.CLINICIAN, username=f"c{n}"))
    monday = next_monday()
    with django_assert_max_num_queries(5):
        search = selectors.slot_search(appointment_type=follow_up, date_from=monday, date_to=monday)
    assert len(search.days[0].by_clinician) == 12
