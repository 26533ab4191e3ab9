"""Forms of the programs pages: logging a session (athlete), building and prescribing (clinician)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils import timezone

from patients.models import Patient, Visit
from programs.models import Exercise, ExerciseLog, Phase, PrescribedExercise, Program, ProgramExercise
from programs.services import EXERCISE_EDITABLE_FIELDS

PAIN_CHOICES = [(n, f"{n}/10") for n in range(11)]
# No pain is assumed: the athlete picks a number, and a form left at "Choose" is refused.
PAIN_CHOICES_BLANK = [("", "Choose 0-10"), *PAIN_CHOICES]
PAIN_REQUIRED = "Choose how much it hurt, from 0 (no pain) to 10."


class SessionForm(forms.Form):
    performed_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="How did it go? (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_performed_on(self):
        day = self.cleaned_data["performed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("A session cannot be logged in the future.")
        return day


class EntryForm(forms.Form):
    """One exercise of today's session; the prefix ties it to the prescribed exercise."""

    done = forms.BooleanField(label="I did this one", required=False, initial=True)
    sets_done = forms.IntegerField(label="Sets", min_value=0, max_value=20)
    reps_done = forms.IntegerField(label="Reps per set", min_value=0, max_value=200, required=False)
    hold_s_done = forms.IntegerField(label="Seconds per hold", min_value=0, max_value=600, required=False)
    load_kg = forms.DecimalField(label="Load (kg)", min_value=Decimal("0"), max_value=Decimal("500"), decimal_places=1)
    pain_during = forms.TypedChoiceField(
        label="Pain during (0-10)", choices=PAIN_CHOICES_BLANK, coerce=int, empty_value=None, required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=255)

    def __init__(self, *args, item: PrescribedExercise, logged: ExerciseLog | None = None, **kwargs):
        """``logged``: today's entry of this exercise, when the athlete edits a saved session."""
        kwargs.setdefault("prefix", f"item-{item.pk}")
        if logged is not None:
            initial = {
                "done": True,
                "sets_done": logged.sets_done,
                "reps_done": logged.reps_done,
                "hold_s_done": logged.hold_s_done,
                "load_kg": logged.load_kg,
                "pain_during": logged.pain_during,
                "note": logged.note,
            }
        else:
            initial = {
                "sets_done": item.sets,
                "reps_done": item.reps,
                "hold_s_done": item.hold_s,
                "load_kg": item.load_kg,
            }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.item = item
        if item.hold_s:
            del self.fields["reps_done"]
        else:
            del self.fields["hold_s_done"]

    def clean(self):
        data = super().clean()
        if data.get("done") and data.get("pain_during") is None and "pain_during" not in self.errors:
            self.add_error("pain_during", PAIN_REQUIRED)
        return data


class NextMorningForm(forms.Form):
    pain_next_morning = forms.TypedChoiceField(
        label="Pain this morning (0-10)",
        choices=PAIN_CHOICES_BLANK,
        coerce=int,
        empty_value=None,
        error_messages={"required": PAIN_REQUIRED},
    )


class ProgramCreateForm(forms.Form):
    name = forms.CharField(max_length=160)
    template = forms.ModelChoiceField(
        queryset=Program.objects.filter(is_template=True),
        required=False,
        empty_label="No template: pick exercises",
        help_text="Copies its phases, dosage and progression rules.",
    )
    exercises = forms.ModelMultipleChoiceField(
        queryset=Exercise.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Added with their default dosage; change it on the next page.",
    )
    gait_cues = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line, e.g. 'Run with your knees apart', 'Squeeze your buttocks'.",
    )
    cadence_increase_pct = forms.IntegerField(
        label="Cadence target (% over measured)",
        min_value=1,
        max_value=15,
        required=False,
        help_text="Usually 5-10%.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("template") and not data.get("exercises"):
            raise forms.ValidationError("Choose a template or at least one exercise.")
        return data


class DosageForm(forms.ModelForm):
    class Meta:
        model = ProgramExercise
        fields = ["sets", "reps", "hold_s", "load_kg", "days_per_week"]


class PrescribeForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.all())
    phase = forms.ModelChoiceField(queryset=Phase.objects.none(), required=False, help_text="The first phase if empty.")
    visit = forms.ModelChoiceField(queryset=Visit.objects.none(), required=False)
    cadence_baseline_spm = forms.IntegerField(
        label="Measured cadence (steps/min)", min_value=100, max_value=240, required=False
    )

    def __init__(self, *args, patient: Patient, visit_labels: dict[int, str] | None = None, **kwargs):
        """``visit_labels``: a label per visit that tells visits of one day apart (selectors)."""
        super().__init__(*args, **kwargs)
        visit_field = cast(forms.ModelChoiceField, self.fields["visit"])
        visit_field.queryset = patient.visits.all()
        labels = visit_labels or {}
        # Django's per-field label hook is an attribute to set; the stubs call it a method.
        visit_field.label_from_instance = lambda visit: labels.get(visit.pk, str(visit))  # type: ignore[method-assign,assignment]
        phase_field = cast(forms.ModelChoiceField, self.fields["phase"])
        phase_field.queryset = Phase.objects.select_related("program")
        phase_field.label_from_instance = lambda phase: f"{phase.program.name} · {phase.name}"  # type: ignore[method-assign,assignment]

    def clean(self):
        data = super().clean()
        phase, program = data.get("phase"), data.get("program")
        if phase and program and phase.program_id != program.pk:
            self.add_error("phase", "Choose a phase of the chosen program.")
        return data


class ReviseItemForm(forms.Form):
    """Edit the suggested dosage of one exercise before accepting it."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    sets = forms.IntegerField(min_value=1, max_value=10)
    reps = forms.IntegerField(min_value=1, max_value=100, required=False)
    hold_s = forms.IntegerField(label="Hold (s)", min_value=1, max_value=600, required=False)
    load_kg = forms.DecimalField(label="Load (kg)", min_value=Decimal("0"), max_value=Decimal("500"), decimal_places=1)
    days_per_week = forms.IntegerField(min_value=1, max_value=7)
    reason = forms.CharField(max_length=200, required=False)


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = list(EXERCISE_EDITABLE_FIELDS)  # what exercise_update may change: one list
