"""No double booking, enforced by PostgreSQL: exclusion constraints on half-open time ranges.

A live (non-cancelled) appointment may not overlap another of the same clinician, nor another
of the same patient. '[)' ranges let back-to-back appointments touch. SQLite has no exclusion
constraints; there the booking service serialises writes instead (scheduling/services.py).
The constraints are not part of the model state, so makemigrations leaves them alone.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from scheduling.migration_operations import PostgresOnly


def _exclusion(name: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status <> 'cancelled')"
        ),
        reverse_sql=f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {name}",
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_seed_appointment_types")]

    operations = [
        # CreateExtension does nothing on other databases.
        BtreeGistExtension(),
        PostgresOnly(_exclusion("appointment_no_clinician_overlap", "clinician_id")),
        PostgresOnly(_exclusion("appointment_no_patient_overlap", "patient_id")),
    ]
