"""One session per programme per day, and the record of pain alerts e-mailed to clinicians.

Days logged twice before the constraint (a double submit stored two rows) keep one session:
the one with the highest pain (a pain signal is never dropped; ties keep the latest), and the
notes of the others are added to it. Each removed row is written to the audit trail.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keep_one_session_per_day(apps, schema_editor):
    SessionLog = apps.get_model("programs", "SessionLog")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    duplicates = (
        SessionLog.objects.values("prescription_id", "performed_on")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for day in duplicates:
        sessions = list(
            SessionLog.objects.filter(prescription_id=day["prescription_id"], performed_on=day["performed_on"])
            .annotate(peak=models.functions.Coalesce(models.Max("entries__pain_during"), 0))
            .order_by("id")
        )
        keep = max(sessions, key=lambda s: (max(s.peak, s.pain_next_morning or 0), s.id))
        notes = [keep.note] + [s.note for s in sessions if s.pk != keep.pk and s.note and s.note != keep.note]
        keep.note = "\n".join(n for n in notes if n)
        keep.save(update_fields=["note"])
        for session in sessions:
            if session.pk == keep.pk:
                continue
            AuditEvent.objects.create(
                actor=None, actor_label="migration", action="delete", target_type="programs.sessionlog",
                target_id=str(session.pk), patient_id=session.patient_id,
                summary=f"duplicate of session {keep.pk} on {session.performed_on} (pain up to {session.peak}/10)",
            )
            session.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('patients', '0001_initial'),
        ('programs', '0002_seed_exercise_library'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PainAlertNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('pain_high', 'Pain above 5/10'), ('pain_rising', 'Pain rising')], max_length=12)),
                ('message', models.CharField(max_length=255)),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-sent_at'],
            },
        ),
        migrations.AddField(
            model_name='sessionlog',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(keep_one_session_per_day, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='sessionlog',
            constraint=models.UniqueConstraint(fields=('prescription', 'performed_on'), name='one_session_per_programme_per_day'),
        ),
        migrations.AddField(
            model_name='painalertnotice',
            name='clinician',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='painalertnotice',
            name='session',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='programs.sessionlog'),
        ),
        migrations.AddConstraint(
            model_name='painalertnotice',
            constraint=models.UniqueConstraint(fields=('session', 'kind'), name='one_notice_per_session_alert'),
        ),
    ]
