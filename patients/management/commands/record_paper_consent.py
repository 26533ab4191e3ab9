"""Record video consents a clinic already holds on paper (signed forms), for a deployment that
ran before consent was its own record: the migration carries no consent over on purpose.

    manage.py record_paper_consent --recorded-by alice --signed-on 2026-03-02 12 15 31
    manage.py record_paper_consent --recorded-by alice --no-reports 12

Each consent goes through patients.consents.consent_record (audited, as the recording clinician).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from patients.consent_wording import CURRENT_VERSION, WORDING
from patients.consents import consent_in_force, consent_record
from patients.models import Patient


class Command(BaseCommand):
    help = "Record video consents signed on paper, one per patient id, as the clinician who holds the forms."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("patient_ids", nargs="+", type=int)
        parser.add_argument("--recorded-by", required=True, help="Username of the clinician recording the forms.")
        parser.add_argument("--signed-on", help="Date the forms were signed (YYYY-MM-DD); default today.")
        parser.add_argument("--wording-version", default=CURRENT_VERSION, choices=sorted(WORDING))
        parser.add_argument("--no-reports", action="store_true", help="The form did not allow use in reports.")

    def handle(self, *args: Any, **options: Any) -> None:
        clinician = User.objects.filter(username=options["recorded_by"], is_active=True).first()
        if clinician is None:
            raise CommandError(f"No active user {options['recorded_by']!r}.")
        signed_at = timezone.now()
        if options["signed_on"]:
            try:
                day = datetime.date.fromisoformat(options["signed_on"])
            except ValueError as exc:
                raise CommandError("--signed-on takes a date as YYYY-MM-DD.") from exc
            signed_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        for patient_id in options["patient_ids"]:
            patient = Patient.objects.filter(pk=patient_id).first()
            if patient is None:
                raise CommandError(f"No patient {patient_id}.")
            if consent_in_force(patient) is not None:
                self.stdout.write(f"patient {patient_id}: a consent is already in force, left as it is")
                continue
            try:
                consent_record(
                    patient=patient,
                    recorded_by=clinician,
                    film_and_analyse=True,
                    use_in_reports=not options["no_reports"],
                    wording_version=options["wording_version"],
                    how_given="paper",
                    recorded_at=signed_at,
                )
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(f"patient {patient_id}: {exc}") from exc
            self.stdout.write(f"patient {patient_id}: paper consent recorded")
