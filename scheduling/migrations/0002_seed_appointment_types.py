from django.db import migrations

APPOINTMENT_TYPES = (("Initial evaluation", 60), ("Follow-up", 30), ("Video re-assessment", 45))


def seed(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    for name, minutes in APPOINTMENT_TYPES:
        AppointmentType.objects.get_or_create(name=name, defaults={"default_duration_min": minutes})


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_calendars_and_appointments")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
