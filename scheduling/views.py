"""Front desk pages: calendars, slot search, booking, moving, cancelling; feeds and reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from clinic.forms import add_service_errors
from clinic.links import url_with_pk
from clinic.query import query_date, query_id
from patients.selectors import patient_get_for, patient_queryset_for, visit_queryset_for
from scheduling import forms, grid, ical, selectors, services
from scheduling.calendar import at_local, describe_span, local
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CalendarException,
    CalendarFeed,
    WorkingHours,
)

FOLLOW_UP_TYPE = "Follow-up"
FEED_PAST_DAYS = 30
MIDNIGHT = time(0, 0)


def _appointment_for(request: HttpRequest, pk: int) -> Appointment:
    return get_object_or_404(selectors.appointment_queryset_for(request.user), pk=pk)


BADGES = {AppointmentStatus.BOOKED: "ok", AppointmentStatus.NO_SHOW: "bad", AppointmentStatus.CANCELLED: "warn"}


def _calendar_row(values: dict[str, Any], detail_url: Callable[[int], str]) -> dict[str, str]:
    """One appointment's line on the calendar, formatted here rather than by template filters:
    a whole clinic's week is hundreds of lines, and the template engine's per-variable cost
    made it the slowest page of the load run."""
    start, end = local(values["starts_at"]), local(values["ends_at"])
    reminder = local(values["reminder_sent_at"]) if values["reminder_sent_at"] else None
    clinician = f"{values['clinician__first_name']} {values['clinician__last_name']}".strip()
    kind = values["appointment_type__name"] + (f" · {values['room__name']}" if values["room__name"] else "")
    return {
        "url": detail_url(values["id"]),
        "span": f"{start:%H:%M}\N{EN DASH}{end:%H:%M}",
        "day": f"{start:%a} {start.day} {start:%b %Y}",
        "patient": f"{values['patient__first_name']} {values['patient__last_name']}",
        "clinician": clinician or values["clinician__username"],
        "kind": kind,
        "status": AppointmentStatus(values["status"]).label,
        "badge": BADGES.get(values["status"], ""),
        "state": values["status"],
        "reminder": f"Sent {reminder.day} {reminder:%b %H:%M}" if reminder else "",
    }


@login_required
@permission_required("scheduling.view_appointment", raise_exception=True)
def calendar(request: HttpRequest) -> HttpResponse:
    """Staff: a time grid, a day with clinicians as columns or a week with days as columns, for one
    clinician or the whole clinic (as far as the user may see). An athlete: their own appointments."""
    detail_url = url_with_pk("scheduling:detail")
    if not request.user.has_perm("scheduling.add_appointment"):
        rows = [_calendar_row(values, detail_url) for values in selectors.own_upcoming_rows(user=request.user)]
        return render(request, "scheduling/my_appointments.html", {"rows": rows})
    day = query_date(request.GET, "date") or timezone.localdate()
    span = "week" if request.GET.get("view") == "week" else "day"
    first = day - timedelta(days=day.weekday()) if span == "week" else day
    days = 7 if span == "week" else 1
    clinician = query_id(request.GET, "clinician")
    clinician_id = "" if clinician is None else str(clinician)
    include_cancelled = request.GET.get("cancelled") == "1"
    rows = list(
        selectors.calendar_rows(
            user=request.user,
            starts=at_local(first, MIDNIGHT),
            ends=at_local(first + timedelta(days=days), MIDNIGHT),
            clinician_id=clinician,
            include_cancelled=include_cancelled,
        )
    )
    clinicians = list(selectors.bookable_clinicians())
    today = timezone.localdate()
    if span == "week":
        columns = [
            grid.Column(
                key=first + timedelta(days=n),
                title=f"{first + timedelta(days=n):%a} {(first + timedelta(days=n)).day}",
                is_today=first + timedelta(days=n) == today,
            )
            for n in range(days)
        ]
        column_of: Callable[[dict[str, Any]], Any] = lambda values: local(values["starts_at"]).date()  # noqa: E731
    else:
        shown = [c for c in clinicians if clinician is None or c.pk == clinician]
        if not request.user.has_perm("scheduling.view_any_appointment"):
            shown = [c for c in shown if c.pk == request.user.pk]  # a clinician's own column, others as booked
        columns = [grid.Column(key=c.pk, title=c.get_full_name() or c.username) for c in shown]
        for values in rows:
            values["column_title"] = _calendar_row(values, detail_url)["clinician"]
        column_of = lambda values: values["clinician_id"]  # noqa: E731
    time_grid = grid.time_grid(
        columns=columns, rows=rows, column_of=column_of, entry_of=lambda values: _calendar_row(values, detail_url)
    )
    step = timedelta(days=days)
    base = {"view": span, "clinician": clinician_id, **({"cancelled": "1"} if include_cancelled else {})}
    context = {
        "grid": time_grid,
        "count": len(rows),
        "span": span,
        "day": day,
        "first": first,
        "clinician_id": clinician_id,
        "clinicians": clinicians,
        "include_cancelled": include_cancelled,
        "prev_url": "?" + urlencode({**base, "date": (first - step).isoformat()}),
        "next_url": "?" + urlencode({**base, "date": (first + step).isoformat()}),
        "today_url": "?" + urlencode(base),
        "today": today,
    }
    return render(request, "scheduling/calendar.html", context)


def _person_name(user: Any) -> str:
    return user.get_full_name() or user.username


def _slot_days(search: selectors.SlotSearch, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Each day of free starts, per clinician, each start a booking link with the search's choices."""
    book_url = reverse("scheduling:book")
    days = []
    for slot_day in search.days:
        clinicians = []
        for clinician, slots in slot_day.by_clinician:
            times = []
            for slot in slots:
                start = local(slot.starts_at)
                query = {**extra, "clinician": clinician.pk, "date": start.date().isoformat(), "time": f"{start:%H:%M}"}
                times.append({"label": f"{start:%H:%M}", "url": f"{book_url}?{urlencode(query)}"})
            clinicians.append({"name": _person_name(clinician), "times": times})
        days.append({"day": slot_day.day, "clinicians": clinicians})
    return days


def _unavailable(search: selectors.SlotSearch) -> list[str]:
    return [f"{_person_name(found.clinician)} {found.reason}." for found in search.unavailable]


@login_required
@permission_required("scheduling.add_appointment", raise_exception=True)
def slot_search(request: HttpRequest) -> HttpResponse:
    """Free starts grouped by day and clinician, with earlier and later pages and the reason a
    clinician has none (no hours, time off, fully booked)."""
    today = timezone.localdate()
    patient_id = query_id(request.GET, "patient")
    patient = patient_queryset_for(request.user).filter(pk=patient_id).first() if patient_id else None
    initial = {"date_from": today, "date_to": today + timedelta(days=7), "patient": patient.pk if patient else None}
    form = forms.SlotSearchForm(request.GET if "appointment_type" in request.GET else None, initial=initial)
    context: dict[str, Any] = {"form": form, "patient": patient, "days": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        search = selectors.slot_search(
            appointment_type=data["appointment_type"],
            clinician=data["clinician"],
            patient=patient,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        extra = {"appointment_type": data["appointment_type"].pk, **({"patient": patient.pk} if patient else {})}
        query = {**extra, "clinician": data["clinician"].pk if data["clinician"] else ""}
        context.update(
            days=_slot_days(search, extra),
            unavailable=_unavailable(search),
            **_pages(query, data["date_from"], data["date_to"], search, today),
        )
    return render(request, "scheduling/slot_search.html", context)


def _pages(
    query: dict[str, Any], date_from: date, date_to: date, search: selectors.SlotSearch, today: date
) -> dict[str, Any]:
    """Links to the days before and after this page, each as long as the range searched."""
    length = timedelta(days=(date_to - date_from).days + 1)
    slots_url = reverse("scheduling:slots")

    def link(first: date, last: date) -> str:
        return f"{slots_url}?{urlencode({**query, 'date_from': first.isoformat(), 'date_to': last.isoformat()})}"

    earlier = link(max(today, date_from - length), date_from - timedelta(days=1)) if date_from > today else ""
    if search.next_from is not None:
        later, later_label = (
            link(search.next_from, date_to),
            f"More slots from {search.next_from:%a} {search.next_from.day} {search.next_from:%b}",
        )
    else:
        later, later_label = link(date_to + timedelta(days=1), date_to + length), "Later days"
    return {
        "earlier_url": earlier,
        "later_url": later,
        "later_label": later_label,
        "shown_from": date_from,
        "shown_to": search.searched_to,
    }


@login_required
@permission_required("scheduling.add_appointment", raise_exception=True)
def book(request: HttpRequest) -> HttpResponse:
    initial = {
        key: request.GET[key]
        for key in ("patient", "clinician", "appointment_type", "date", "time")
        if key in request.GET
    }
    form = forms.BookingForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                patient=data["patient"],
                clinician=data["clinician"],
                appointment_type=data["appointment_type"],
                starts_at=form.starts_at(),
                room=data.get("room"),
                booked_by=request.user,
            )
        except services.SlotTaken as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            messages.success(request, f"Booked: {appointment.patient.full_name}, {_when(appointment)}.")
            return redirect(appointment)
    return render(request, "scheduling/book.html", {"form": form}, status=status)


def _when(appointment: Appointment) -> str:
    return describe_span(appointment.starts_at, appointment.ends_at)


def _history(appointment: Appointment) -> list[Appointment]:
    chain: list[Appointment] = []
    previous = appointment.rescheduled_from
    while previous is not None and len(chain) < 20:
        chain.append(previous)
        previous = previous.rescheduled_from
    return chain


def _render_detail(request: HttpRequest, appointment: Appointment, **form_overrides: Any) -> HttpResponse:
    start = local(appointment.starts_at)
    context = {
        "appointment": appointment,
        "when": _when(appointment),
        "history": _history(appointment),
        "successor": getattr(appointment, "rescheduled_to", None),
        "started": appointment.starts_at <= timezone.now(),
        "move_form": form_overrides.get("move_form")
        or forms.MoveForm(
            initial={"date": start.date(), "time": f"{start:%H:%M}", "clinician": appointment.clinician_id}
        ),
        "restore_blocker": services.restore_blocker(appointment)
        if appointment.status == AppointmentStatus.CANCELLED
        else "",
    }
    status = 409 if form_overrides.get("conflict") else (400 if form_overrides else 200)
    return render(request, "scheduling/appointment_detail.html", context, status=status)


@login_required
@permission_required("scheduling.view_appointment", raise_exception=True)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _appointment_for(request, pk))


@login_required
@permission_required("scheduling.change_appointment", raise_exception=True)
@require_POST
def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk)
    form = forms.MoveForm(request.POST)
    conflict = False
    if form.is_valid():
        try:
            new = services.appointment_move(
                appointment=appointment,
                starts_at=form.starts_at(),
                clinician=form.cleaned_data["clinician"],
                moved_by=request.user,
            )
        except services.SlotTaken as exc:
            form.add_error(None, exc.message)
            conflict = True
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Moved to {_when(new)}.")
            return redirect(new)
    return _render_detail(request, _appointment_for(request, pk), move_form=form, conflict=conflict)


@login_required
@permission_required("scheduling.change_appointment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel asks first: this page names the appointment and takes the reason; the cancel can be
    undone from the appointment's page while its slot is still free."""
    appointment = _appointment_for(request, pk)
    form = forms.CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.appointment_cancel(
                    appointment=appointment, cancelled_by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Appointment cancelled; the slot is free again. You can undo it below.")
                return redirect(appointment)
    context = {"appointment": appointment, "when": _when(appointment), "form": form}
    return render(request, "scheduling/cancel_confirm.html", context, status=status)


@login_required
@permission_required("scheduling.change_appointment", raise_exception=True)
@require_POST
def appointment_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a cancel: the same appointment is booked again if its slot is still free."""
    appointment = _appointment_for(request, pk)
    try:
        services.appointment_restore(appointment=appointment, restored_by=request.user)
    except services.SlotTaken as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Cancel undone: booked again for {_when(appointment)}.")
    return redirect(appointment)


@login_required
@permission_required("scheduling.change_appointment", raise_exception=True)
@require_POST
def appointment_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_for(request, pk)
    outcome = request.POST.get("outcome")
    service = {"no_show": services.appointment_mark_no_show, "completed": services.appointment_complete}.get(
        outcome or ""
    )
    if service is None:
        messages.error(request, "Unknown outcome.")
        return redirect(appointment)
    try:
        service(appointment=appointment, marked_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Outcome recorded.")
    return redirect(appointment)


@login_required
@permission_required("scheduling.add_appointment", raise_exception=True)
def follow_up(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """From a visit: slots with the same clinician around N weeks after the visit."""
    visit = get_object_or_404(visit_queryset_for(request.user), pk=visit_pk)
    form = forms.FollowUpForm(request.GET or None, initial={"weeks": 2})
    weeks = form.cleaned_data["weeks"] if form.is_bound and form.is_valid() else 2
    target = visit.visit_date + timedelta(weeks=weeks)
    date_from = max(target - timedelta(days=3), timezone.localdate())
    # A target already past (an old visit) still offers the next few days.
    date_to = max(target + timedelta(days=3), date_from + timedelta(days=3))
    follow_up_type = AppointmentType.objects.filter(name=FOLLOW_UP_TYPE, is_active=True).first()
    context: dict[str, Any] = {
        "visit": visit,
        "patient": visit.patient,
        "form": form,
        "weeks": weeks,
        "target": target,
        "days": [],
        "date_from": date_from,
        "date_to": date_to,
    }
    if follow_up_type is not None:
        search = selectors.slot_search(
            appointment_type=follow_up_type,
            clinician=visit.clinician,
            patient=visit.patient,
            date_from=date_from,
            date_to=date_to,
        )
        extra = {"appointment_type": follow_up_type.pk, "patient": visit.patient_id}
        context.update(
            days=_slot_days(search, extra),
            unavailable=_unavailable(search),
            **_pages({**extra, "clinician": visit.clinician_id}, date_from, date_to, search, timezone.localdate()),
        )
    return render(request, "scheduling/follow_up.html", context)


@login_required
@permission_required("scheduling.view_any_appointment", raise_exception=True)
def reminders(request: HttpRequest) -> HttpResponse:
    sent = selectors.sent_reminders(user=request.user)[:200]
    return render(request, "scheduling/reminders.html", {"sent": sent})


# Working hours and exceptions


@login_required
@permission_required("scheduling.view_workinghours", raise_exception=True)
def working_hours(request: HttpRequest) -> HttpResponse:
    hours_form = forms.WorkingHoursForm(request.POST if request.POST.get("form") == "hours" else None)
    # Both forms have a clinician field on one page: ids of their own, so each label names one field.
    exception_form = forms.CalendarExceptionForm(
        request.POST if request.POST.get("form") == "exception" else None, auto_id="id_time_off_%s"
    )
    if request.method == "POST":
        if not request.user.has_perm("scheduling.add_workinghours"):
            raise Http404
        try:
            if hours_form.is_bound and hours_form.is_valid():
                services.working_hours_add(added_by=request.user, **hours_form.cleaned_data)
                messages.success(request, "Working hours added.")
                return redirect("scheduling:hours")
            if exception_form.is_bound and exception_form.is_valid():
                data = exception_form.cleaned_data
                services.calendar_exception_add(
                    clinician=data["clinician"],
                    reason=data["reason"],
                    note=data["note"],
                    added_by=request.user,
                    starts_at=at_local(data["first_day"], MIDNIGHT),
                    ends_at=at_local(data["last_day"] + timedelta(days=1), MIDNIGHT),
                )
                messages.success(request, "Time off added.")
                return redirect("scheduling:hours")
        except ValidationError as exc:
            add_service_errors(hours_form if hours_form.is_bound else exception_form, exc)
    context = {
        "blocks": WorkingHours.objects.select_related("clinician").order_by("clinician__last_name", "weekday", "start"),
        "exceptions": CalendarException.objects.select_related("clinician").filter(ends_at__gt=timezone.now()),
        "hours_form": hours_form,
        "exception_form": exception_form,
    }
    return render(request, "scheduling/working_hours.html", context, status=400 if request.method == "POST" else 200)


@login_required
@permission_required("scheduling.delete_workinghours", raise_exception=True)
@require_POST
def working_hours_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.working_hours_delete(block=get_object_or_404(WorkingHours, pk=pk), deleted_by=request.user)
    messages.success(request, "Working hours removed.")
    return redirect("scheduling:hours")


@login_required
@permission_required("scheduling.delete_calendarexception", raise_exception=True)
@require_POST
def calendar_exception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(CalendarException, pk=pk)
    services.calendar_exception_delete(exception=exception, deleted_by=request.user)
    messages.success(request, "Time off removed.")
    return redirect("scheduling:hours")


# iCalendar


@login_required
@permission_required("scheduling.keep_calendar", raise_exception=True)
def my_feed(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(clinician=request.user)
            messages.success(request, "Your calendar feed was turned off; the old address no longer works.")
        else:
            services.calendar_feed_renew(clinician=request.user)
            messages.success(request, "A new private feed address was created; any old address no longer works.")
        return redirect("scheduling:my-feed")
    feed = CalendarFeed.objects.filter(clinician=request.user).first()  # type: ignore[misc]  # login_required
    feed_url = request.build_absolute_uri(feed.get_absolute_url()) if feed else ""
    return render(request, "scheduling/my_feed.html", {"feed": feed, "feed_url": feed_url})


def clinician_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the unguessable token is the credential; revoking deletes it."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("clinician"), token=token)
    clinician = feed.clinician
    if not clinician.is_active or not clinician.has_perm("scheduling.keep_calendar"):
        raise Http404
    appointments = (
        Appointment.objects.filter(clinician=clinician, starts_at__gte=timezone.now() - timedelta(days=FEED_PAST_DAYS))
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "appointment_type", "room")
    )
    body = ical.clinician_calendar(
        clinician_name=clinician.get_full_name() or clinician.username, appointments=appointments
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("scheduling.view_appointment", raise_exception=True)
def patient_calendar(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get_for(user=request.user, pk=patient_pk)
    appointments = selectors.upcoming_for_patient(user=request.user, patient=patient)
    body = ical.athlete_calendar(patient_name=patient.full_name, appointments=appointments)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointments.ics"'
    return response
