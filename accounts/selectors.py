"""The clinician's "Today" page: what needs them today, each part read through its app's scoped
selector, in a fixed number of queries however many rows each part has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings

from assessments.models import Assessment
from assessments.selectors import assessment_list_for, self_checks_to_review
from programs.selectors import Alert, QuietAthlete, alerts, quiet_athletes
from scheduling.calendar import at_local
from scheduling.selectors import calendar_rows

RESULTS_TO_REVIEW_DAYS = 14  # an analysis older than this without a reading is no longer "new"
TODAY_LIST_LIMIT = 20


@dataclass(frozen=True)
class TodayOverview:
    day: date
    appointments: list[dict[str, Any]]
    results_to_review: list[Assessment]
    self_checks_to_review: list[Assessment]  # sent by athletes from the portal, not reviewed yet
    pain_alerts: list[Alert]
    quiet: list[QuietAthlete]
    quiet_after_days: int
    own_only: bool  # a clinician's own calendar, results and athletes; an admin sees the clinic's


def today_overview(*, user: Any, today: date, now: datetime) -> TodayOverview:
    """A clinician sees their own: their appointments, results of their visits, alerts and quiet
    athletes of the programmes they prescribed. A user without a calendar (admin) sees the clinic."""
    own = user.has_perm("scheduling.keep_calendar")
    appointments = list(
        calendar_rows(
            user=user,
            starts=at_local(today, time(0)),
            ends=at_local(today + timedelta(days=1), time(0)),
            clinician_id=user.pk if own else None,
        )
    )
    results = assessment_list_for(user).filter(
        analysed_at__gte=now - timedelta(days=RESULTS_TO_REVIEW_DAYS), interpretation=""
    )
    if own:
        results = results.filter(visit__clinician=user)
    pain = [a for a in alerts(user=user, today=today) if a.is_pain and (not own or a.prescribed_by_id == user.pk)]
    after_days = settings.PROGRAM_REMINDER_AFTER_DAYS
    quiet = quiet_athletes(user=user, today=today, after_days=after_days, prescribed_by=user if own else None)
    return TodayOverview(
        day=today,
        appointments=appointments,
        results_to_review=list(results.order_by("-analysed_at", "-id")[:TODAY_LIST_LIMIT]),
        self_checks_to_review=list(self_checks_to_review(user=user)[:TODAY_LIST_LIMIT]),
        pain_alerts=pain[:TODAY_LIST_LIMIT],
        quiet=quiet[:TODAY_LIST_LIMIT],
        quiet_after_days=after_days,
        own_only=own,
    )
