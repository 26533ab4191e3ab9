"""The staff pages and the athlete's own record, as each role sees them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import Patient, Visit
from tests.factories import ComplaintFactory, PatientFactory
from tests.two_factor import authenticator_for, current_code

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_signs_in_and_lands_on_today(client, clinician):
    device = authenticator_for(clinician)
    response = client.post(reverse("login"), {"username": "clin", "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two-factor"))  # staff: the code first
    response = client.post(response.redirect_chain[-1][0], {"code": current_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("today")
    assert b"Today" in response.content and b'href="/patients/"' in response.content


def test_athlete_lands_on_their_own_record(client, athlete_a, athlete_b):
    client.force_login(athlete_a[0])
    response = client.get(reverse("home"), follow=True)
    assert b"Ada Alpha" in response.content
    assert b"Bea Beta" not in response.content


def test_athlete_cannot_open_the_patient_list_or_another_record(client, athlete_a, athlete_b):
    client.force_login(athlete_a[0])
    assert client.get(reverse("patients:list")).status_code == 403
    assert client.get(reverse("patients:detail", args=[athlete_b[1].pk])).status_code == 403


def test_athlete_cannot_open_another_athletes_visit(client, athlete_a, visit_b):
    client.force_login(athlete_a[0])
    url = reverse("patients:visit-detail", args=[visit_b.patient_id, visit_b.pk])
    assert client.get(url).status_code == 404


def test_patient_list_searches_and_paginates(client, clinician):
    PatientFactory.create_batch(25, last_name="Runner")
    PatientFactory(first_name="Zed", last_name="Quill")
    client.force_login(clinician)
    page_one = client.get(reverse("patients:list")).content.decode()
    assert "Page 1 of 2" in page_one
    found = client.get(reverse("patients:list"), {"q": "quill"}).content.decode()
    assert "Quill, Zed" in found
    assert "Runner" not in found


def test_front_desk_sees_demographics_but_no_clinical_record(client, front_desk, visit_a):
    ComplaintFactory(patient=visit_a.patient, notes="Secret clinical note")
    client.force_login(front_desk)
    page = client.get(reverse("patients:detail", args=[visit_a.patient_id])).content.decode()
    assert visit_a.patient.phone in page
    assert "Complaints" not in page
    assert "ITB syndrome" not in page
    assert visit_a.plan not in page
    assert client.get(reverse("patients:visit-detail", args=[visit_a.patient_id, visit_a.pk])).status_code == 403


def test_clinician_sees_visit_timeline_and_complaints(client, clinician, visit_a):
    ComplaintFactory(patient=visit_a.patient)
    client.force_login(clinician)
    page = client.get(reverse("patients:detail", args=[visit_a.patient_id])).content.decode()
    assert "ITB syndrome" in page
    assert visit_a.visit_date.strftime("%-d %b %Y") in page


def test_create_patient_form_shows_validation_messages(client, clinician):
    client.force_login(clinician)
    response = client.post(
        reverse("patients:create"), {"first_name": "", "last_name": "Q", "date_of_birth": "2999-01-01", "sex": "female"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in page
    assert Patient.objects.count() == 0


def test_front_desk_form_refuses_a_name_with_a_line_break(client, front_desk):
    client.force_login(front_desk)
    data = {"first_name": "Nia\rX", "last_name": "Long\r\nY", "date_of_birth": "1991-05-02", "sex": "female"}
    response = client.post(reverse("patients:create"), data)
    assert response.status_code == 200
    assert response.content.decode().count("Use one line of plain text: no line breaks") == 2
    assert Patient.objects.count() == 0


def test_create_patient_then_record_a_visit(client, clinician):
    client.force_login(clinician)
    response = client.post(
        reverse("patients:create"),
        {
            "first_name": "Nia",
            "last_name": "Long",
            "date_of_birth": "1991-05-02",
            "sex": "female",
        },
        follow=True,
    )
    patient = Patient.objects.get(last_name="Long")
    assert not patient.video_consents.exists()  # consent is its own record (patients:consent), never implied
    assert b"Nia Long was added." in response.content
    response = client.post(
        reverse("patients:visit-create", args=[patient.pk]),
        {
            "visit_date": "2026-11-20",
            "clinician": clinician.pk,
            "subjective": "Knee sore",
            "objective": "",
            "plan": "Strength",
        },
        follow=True,
    )
    assert Visit.objects.get(patient=patient).plan == "Strength"
    assert b"Knee sore" in response.content


def test_front_desk_edits_phone_but_form_has_no_running_profile(client, front_desk, athlete_a):
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[athlete_a[1].pk])
    assert b"weekly_distance_km" not in client.get(url).content
    patient = athlete_a[1]
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": "+44 1234 567890",
        "email": patient.email,
    }
    client.post(url, data)
    patient.refresh_from_db()
    assert patient.phone == "+44 1234 567890"
    assert patient.weekly_distance_km == 40
