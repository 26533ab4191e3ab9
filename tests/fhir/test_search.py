"""Search parameters: what each finds, repeated parameters AND, commas OR, paging, and a 400
OperationOutcome for anything the server would otherwise silently ignore."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fhir_api.resources.common import GAIT_METRICS_SYSTEM, PATIENT_ID_SYSTEM
from fhir_api.resources.observation import parse_observation_id
from tests.factories import AssessmentFactory, PatientFactory, VisitFactory
from tests.fhir.conftest import FhirClient, ids, validated

pytestmark = pytest.mark.django_db


@pytest.fixture
def runners(db):
    return {
        "ada": PatientFactory(first_name="Ada", last_name="Lovelace", date_of_birth=datetime.date(1990, 3, 4)),
        "adam": PatientFactory(first_name="Adam", last_name="Smith", date_of_birth=datetime.date(1985, 12, 31)),
        "grace": PatientFactory(first_name="Grace", last_name="Hopper", date_of_birth=datetime.date(1990, 11, 9)),
    }


def found(client: FhirClient, path: str, **params: str) -> list[str]:
    response, bundle = client.get(path, params)
    assert response.status_code == 200, bundle
    assert bundle["type"] == "searchset"
    return ids(bundle)


def test_patient_search_by_name_family_given(clinician, runners):
    client = FhirClient(clinician)
    ada, adam, grace = (str(runners[n].pk) for n in ("ada", "adam", "grace"))
    assert sorted(found(client, "Patient", name="ad")) == sorted([ada, adam])
    assert found(client, "Patient", family="hop") == [grace]
    assert found(client, "Patient", given="Ada") == [ada, adam]  # starts with, as FHIR strings do
    assert found(client, "Patient", **{"given:exact": "Ada"}) == [ada]
    assert found(client, "Patient", **{"family:contains": "ove"}) == [ada]
    assert sorted(found(client, "Patient", name="grace,smith")) == sorted([adam, grace])
    assert found(client, "Patient", given="ada", family="smith") == [adam]


def test_patient_search_by_birthdate_with_prefixes(clinician, runners):
    client = FhirClient(clinician)
    ada, adam, grace = (str(runners[n].pk) for n in ("ada", "adam", "grace"))
    assert found(client, "Patient", birthdate="1990-03-04") == [ada]
    assert sorted(found(client, "Patient", birthdate="1990")) == sorted([ada, grace])
    assert found(client, "Patient", birthdate="1990-11") == [grace]
    assert found(client, "Patient", birthdate="lt1990") == [adam]
    assert sorted(found(client, "Patient", birthdate="ge1990-03-04")) == sorted([ada, grace])
    assert found(client, "Patient", birthdate="gt1990-03-04") == [grace]
    assert sorted(found(client, "Patient", birthdate="le1990-03-04")) == sorted([ada, adam])
    assert found(client, "Patient", birthdate="ne1990") == [adam]
    _, bundle = client.get("Patient", {"birthdate": ["ge1990-01-01", "lt1990-06-01"]})
    assert ids(bundle) == [ada]


def test_patient_search_by_identifier_and_id(clinician, runners):
    client = FhirClient(clinician)
    grace = str(runners["grace"].pk)
    assert found(client, "Patient", identifier=f"{PATIENT_ID_SYSTEM}|{grace}") == [grace]
    assert found(client, "Patient", identifier=grace) == [grace]
    assert found(client, "Patient", identifier=f"urn:other-system|{grace}") == []
    assert found(client, "Patient", _id=grace) == [grace]
    assert found(client, "Patient", identifier="not-a-number") == []


def test_observation_search_by_patient_subject_code_date_and_encounter(clinician, athlete_a, athlete_b):
    early = VisitFactory(patient=athlete_a[1], clinician=clinician, visit_date=datetime.date(2026, 1, 10))
    late = VisitFactory(patient=athlete_a[1], clinician=clinician, visit_date=datetime.date(2026, 3, 20))
    other = VisitFactory(patient=athlete_b[1], clinician=clinician, visit_date=datetime.date(2026, 3, 20))
    first, second, theirs = (AssessmentFactory(visit=v, patient=v.patient) for v in (early, late, other))
    client = FhirClient(clinician)
    patient = athlete_a[1].pk
    assert len(found(client, "Observation", patient=str(patient))) == 14
    assert found(client, "Observation", subject=f"Patient/{patient}", code="cpd-mean") == [
        f"assessment-{second.pk}-cpd-mean",  # newest visit first
        f"assessment-{first.pk}-cpd-mean",
    ]
    assert sorted(found(client, "Observation", code=f"{GAIT_METRICS_SYSTEM}|cadence", date="2026-03")) == sorted(
        [f"assessment-{second.pk}-cadence", f"assessment-{theirs.pk}-cadence"]
    )
    assert found(client, "Observation", code="cpd-left", date="lt2026-02-01") == [f"assessment-{first.pk}-cpd-left"]
    assert found(client, "Observation", code="cpd-left", encounter=f"Encounter/{other.pk}") == [
        f"assessment-{theirs.pk}-cpd-left"
    ]
    assert found(client, "Observation", code="http://loinc.org|cpd-left") == []  # not our system: no match
    assert found(client, "Observation", code="cpd-left,cpd-right", patient=str(athlete_b[1].pk)) == [
        f"assessment-{theirs.pk}-cpd-left",
        f"assessment-{theirs.pk}-cpd-right",
    ]
    assert found(client, "Observation", _id=f"assessment-{first.pk}-cadence") == [f"assessment-{first.pk}-cadence"]


def test_encounter_and_appointment_search_by_patient_and_date(clinician, front_desk, world):
    visit = world.a.visit
    appointment = world.a.appointment
    world.b.appointment  # noqa: B018 (another patient's booking)
    client = FhirClient(clinician)
    assert found(client, "Encounter", patient=str(visit.patient_id)) == [str(visit.pk)]
    assert found(client, "Encounter", date=visit.visit_date.isoformat()) == [str(visit.pk)]
    assert found(client, "Encounter", date=f"gt{visit.visit_date.isoformat()}") == []
    desk = FhirClient(front_desk)
    day = appointment.starts_at.date().isoformat()
    assert found(desk, "Appointment", patient=f"Patient/{appointment.patient_id}") == [str(appointment.pk)]
    assert len(found(desk, "Appointment", date=day)) == 2
    assert found(desk, "Appointment", date=day, patient=str(appointment.patient_id)) == [str(appointment.pk)]
    starts = appointment.starts_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found(desk, "Appointment", date=starts) == [str(appointment.pk)]
    assert found(desk, "Appointment", date=f"lt{starts}") == []


def test_search_pages_with_count_and_next_links(clinician, runners):
    client = FhirClient(clinician)
    _, bundle = client.get("Patient", {"_count": "2"})
    assert bundle["total"] == 3
    assert len(bundle["entry"]) == 2
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert "_offset=2" in links["next"]
    rest = client.api.get(links["next"]).json()
    assert len(rest["entry"]) == 1
    assert "next" not in {link["relation"] for link in rest["link"]}
    assert {link["relation"] for link in rest["link"]} == {"self", "previous"}
    _, counted = client.get("Patient", {"_count": "0"})
    assert counted["total"] == 3
    assert "entry" not in counted or counted["entry"] == []


@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        ("Patient", {"gender": "female"}, "Unknown search parameter 'gender'"),
        ("Patient", {"_sort": "family"}, "Unknown search parameter '_sort'"),
        ("Patient", {"birthdate": "1990-13-45"}, "not a valid date"),
        ("Patient", {"birthdate": "yesterday"}, "not a FHIR date"),
        ("Patient", {"birthdate": "ap1990"}, "'ap'"),
        ("Patient", {"name:fuzzy": "ada"}, "modifier ':fuzzy'"),
        ("Patient", {"_count": "many"}, "_count must be a whole number"),
        ("Observation", {"patient": "Patient/../1"}, "is not a reference"),
        ("Observation", {"patient:Group": "1"}, "refers to Patient only"),
        ("Appointment", {"date:missing": "true"}, "modifier ':missing'"),
    ],
)
def test_a_bad_search_is_a_400_operation_outcome(clinician, path, params, says):
    response, body = FhirClient(clinician).get(path, params)
    assert response.status_code == 400
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "invalid"
    assert says in body["issue"][0]["diagnostics"]


def test_an_empty_parameter_is_ignored_as_the_specification_says(clinician, runners):
    assert len(found(FhirClient(clinician), "Patient", name="")) == 3


def test_observation_pages_cut_across_assessments_without_losing_or_repeating_one(clinician, visit_a):
    first = AssessmentFactory(visit=visit_a, patient=visit_a.patient)
    second = AssessmentFactory(visit=visit_a, patient=visit_a.patient)
    client = FhirClient(clinician)
    _, everything = client.get("Observation", {"code": "cpd-left,cpd-right,cadence"})
    assert everything["total"] == 6
    pages = [
        ids(client.get("Observation", {"code": "cpd-left,cpd-right,cadence", "_count": "4", "_offset": o})[1])
        for o in ("0", "4")
    ]
    assert pages[0] + pages[1] == ids(everything)
    assert [len(p) for p in pages] == [4, 2]
    assert {parse_observation_id(i)[0] for i in ids(everything)} == {first.pk, second.pk}
    _, past_the_end = client.get("Observation", {"_offset": "100"})
    assert (past_the_end["total"], past_the_end.get("entry", [])) == (14, [])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Patient/99999999999999999999999", {}),
        ("Patient/²", {}),
        ("Patient/-1", {}),
        ("Patient/99999999999999999999999/$everything", {}),
        ("Observation/assessment-99999999999999999999999-cpd-left", {}),
        ("Media/assessment-1-keyframe-99999999999999999999", {}),
        ("Media/assessment-²", {}),
        ("DocumentReference/visit-report-99999999999999999999", {}),
        ("CarePlan/1.5", {}),
        ("Patient", {"_id": "99999999999999999999999"}),
        ("Patient", {"identifier": "²"}),
        ("Patient", {"birthdate": "9999-12-31"}),
        ("Patient", {"birthdate": "gt9999"}),
        ("Patient", {"birthdate": "0001-01-01"}),
        ("Patient", {"birthdate": "lt0001-01-01T00:00Z"}),
        ("Patient", {"_offset": "99999999999999999999999"}),
        ("Patient", {"_count": "99999999999999999999999"}),
        ("Patient", {"_count": "١٢"}),
        ("Observation", {"patient": "99999999999999999999999"}),
        ("Observation", {"_id": "assessment-99999999999999999999999-cadence"}),
        ("Appointment", {"date": "2026-02-30"}),
        ("Appointment", {"date": "2026-01-01T25:00"}),
        ("Encounter", {"patient": "Patient/" + "9" * 70}),
    ],
)
def test_odd_ids_and_values_get_an_answer_never_a_server_error(clinician, athlete_a, path, params):
    response, body = FhirClient(clinician).get(path, params)
    assert response.status_code in (200, 400, 404), (response.status_code, body)
    assert body["resourceType"] in ("Bundle", "OperationOutcome")


def test_everything_refuses_parameters_it_would_not_apply(clinician, athlete_a):
    response, body = FhirClient(clinician).get(f"Patient/{athlete_a[1].pk}/$everything", {"_since": "2026-01-01"})
    assert response.status_code == 400
    assert "_since" in body["issue"][0]["diagnostics"]
    assert (
        FhirClient(clinician).get(f"Patient/{athlete_a[1].pk}/$everything", {"_format": "json"})[0].status_code == 200
    )


# Any query string gets an answer (a Bundle or an OperationOutcome), never a server error.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)  # type: ignore[arg-type]  # "Cs" is one of its Literal names
_names = st.sampled_from(
    [
        "name",
        "family",
        "given",
        "birthdate",
        "identifier",
        "_id",
        "patient",
        "subject",
        "code",
        "date",
        "encounter",
        "_count",
        "_offset",
        "name:exact",
        "date:x",
        "bogus",
        "_format",
    ]
)
_values = st.one_of(
    _text,
    st.from_regex(
        r"(eq|ne|lt|gt|ge|le|sa|eb|ap)?\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?)?)?",
        fullmatch=True,
    ),
)


@pytest.mark.parametrize("path", ["Patient", "Observation", "Appointment"])
@example(query=[("date", "2026-01-01T00:00-00:60")])  # an offset strptime refuses: was a 500
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.lists(st.tuples(_names, _values), max_size=3))
def test_any_query_string_gets_a_fhir_answer(clinician, path, query):
    client = FhirClient(clinician)
    cache.clear()  # the throttle counts per user: keep hypothesis's many calls under it
    response = client.api.get(f"/fhir/r4/{path}?{urlencode(query)}")
    assert response.status_code in (200, 400, 406), (query, response.status_code)
    assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")
    validated(response.json())


def test_a_nul_in_the_query_is_a_400_operation_outcome_not_an_html_page(clinician):
    # Refused by the site-wide NUL guard before any FHIR view runs (clinic/query.py).
    response = FhirClient(clinician).api.get("/fhir/r4/Observation?name=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = validated(response.json())
    assert outcome.issue[0].code == "invalid"
    assert "NUL" in outcome.issue[0].diagnostics
