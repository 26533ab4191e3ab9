"""Delivery counting and the database as the record of pending work, through the services:
each delivery that starts a job counts, a redelivery of the same message takes over from its
dead run, the cap fails a job instead of looping, and queued jobs whose message was lost are sent again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentStatus
from assessments.tasks import analyse_assessment, requeue_stuck_assessments
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def claim(assessment: Assessment, message_id: str) -> Assessment | None:
    return services.assessment_claim(assessment_id=assessment.pk, job_id=str(assessment.job_id), message_id=message_id)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, str]]:
    """The analysis messages the services send, recorded instead of published."""
    messages: list[tuple[int, str]] = []
    monkeypatch.setattr(analyse_assessment, "apply_async", lambda args, **options: messages.append(tuple(args)))
    return messages


def test_each_delivery_of_the_same_message_counts_and_takes_over_from_its_dead_run(uploaded):
    first = claim(uploaded, "message-1")
    assert first is not None and first.attempts == 1 and first.message_id == "message-1"
    # The worker died; the broker delivers message-1 again (task_reject_on_worker_lost).
    again = claim(uploaded, "message-1")
    assert again is not None and again.attempts == 2 and again.status == AssessmentStatus.PROCESSING


def test_another_message_for_a_running_job_does_not_start_it_twice(uploaded):
    assert claim(uploaded, "message-1") is not None
    assert claim(uploaded, "message-2") is None  # e.g. the sweeper's re-send, arriving late
    assert claim(uploaded, "") is None
    uploaded.refresh_from_db()
    assert uploaded.attempts == 1 and uploaded.status == AssessmentStatus.PROCESSING


def test_the_claim_is_refused_past_the_cap_and_the_job_fails_with_a_plain_reason(uploaded, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 3
    for attempt in (1, 2, 3):
        assert claim(uploaded, "poison").attempts == attempt
    assert claim(uploaded, "poison") is None
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED and uploaded.attempts == 3
    assert uploaded.failure_reason.startswith("The analysis stopped unexpectedly 3 times on this video")
    assert AuditEvent.objects.filter(
        target_id=str(uploaded.pk), summary__startswith="analysis failed: The analysis stopped unexpectedly 3 times"
    ).exists()


def test_a_redelivery_after_the_cap_is_acknowledged_as_failed_by_the_task(uploaded, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 1
    message_id = str(uuid.uuid4())
    assert claim(uploaded, message_id).attempts == 1  # the run that killed its worker
    result = analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)], task_id=message_id)
    assert result.get() == "skipped"
    uploaded.refresh_from_db()
    assert uploaded.status == AssessmentStatus.FAILED and uploaded.attempts == 1


def test_the_sweepers_requeue_counts_on_at_the_next_claim(uploaded, settings):
    settings.ASSESSMENT_MAX_ATTEMPTS = 2
    assert claim(uploaded, "m1").attempts == 1
    Assessment.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.assessment_requeue_stuck()["requeued"] == [uploaded.pk]
    uploaded.refresh_from_db()
    assert claim(uploaded, "m2").attempts == 2
    Assessment.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.assessment_requeue_stuck() == {"requeued": [], "failed": [uploaded.pk]}


def test_a_job_queued_too_long_is_sent_again_with_the_same_job_id_once_per_period(uploaded, sent, settings):
    settings.ASSESSMENT_QUEUED_RESEND_AFTER_S = 600
    Assessment.objects.filter(pk=uploaded.pk).update(queued_at=timezone.now() - timedelta(minutes=11))
    outcome = requeue_stuck_assessments.apply().get()
    assert outcome == {"requeued": [], "failed": [], "resent": [uploaded.pk]}
    assert sent == [(uploaded.pk, str(uploaded.job_id))]
    assert Assessment.objects.get(pk=uploaded.pk).queued_at > timezone.now() - timedelta(seconds=5)
    assert services.assessment_resend_lost() == []  # the next sweep waits another period
    assert len(sent) == 1


def test_a_freshly_queued_or_running_job_is_not_sent_again(uploaded, sent):
    assert services.assessment_resend_lost() == []
    claim(uploaded, "m1")
    Assessment.objects.filter(pk=uploaded.pk).update(queued_at=timezone.now() - timedelta(hours=2))
    assert services.assessment_resend_lost(resend_after_s=0) == []
    assert sent == []


def test_of_two_messages_for_one_job_only_the_first_runs_it(uploaded, sent, monkeypatch):
    """A re-send of a job whose first message was only slow: the second finds it claimed."""
    Assessment.objects.filter(pk=uploaded.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    assert services.assessment_resend_lost() == [uploaded.pk]
    runs = []

    def analysis(**kwargs):
        if services.assessment_claim(**kwargs) is None:
            return "skipped"
        runs.append(kwargs["message_id"])
        return "done"

    monkeypatch.setattr(services, "assessment_process", analysis)
    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "done"
    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "skipped"
    uploaded.refresh_from_db()
    assert len(runs) == 1 and uploaded.attempts == 1


def test_a_retry_after_the_database_dropped_out_takes_the_job_over(uploaded, monkeypatch):
    """The release could not be written (database down): the retry has the same message id."""
    from django.db import OperationalError

    calls = []

    def analysis(**kwargs):
        claimed = services.assessment_claim(**kwargs)
        calls.append(claimed.status if claimed else None)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return "done"

    def release_unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "assessment_process", analysis)
    monkeypatch.setattr(services, "assessment_release", release_unreachable)
    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "done"
    uploaded.refresh_from_db()
    assert calls == [AssessmentStatus.PROCESSING, AssessmentStatus.PROCESSING]
    assert uploaded.attempts == 2


def test_a_transient_error_before_the_claim_does_not_fail_the_job(uploaded, monkeypatch):
    from django.db import OperationalError

    calls = []

    def analysis(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database is starting up")  # before any claim
        services.assessment_claim(**kwargs)
        return "done"

    monkeypatch.setattr(services, "assessment_process", analysis)
    assert analyse_assessment.apply(args=[uploaded.pk, str(uploaded.job_id)]).get() == "done"
    uploaded.refresh_from_db()
    assert uploaded.attempts == 1 and uploaded.status == AssessmentStatus.PROCESSING
