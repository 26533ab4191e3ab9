"""Staff forms; they validate input and hand it to patients.services."""

from django import forms
from django.contrib.auth import get_user_model

from accounts.roles import GROUP_NAMES, Role
from patients.models import Complaint, Intake, Patient, Visit
from patients.services import PATIENT_DEMOGRAPHIC_FIELDS, PATIENT_RUNNING_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientDemographicsForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = list(PATIENT_DEMOGRAPHIC_FIELDS)
        widgets = {"date_of_birth": DATE_INPUT}


class PatientForm(PatientDemographicsForm):
    """Demographics plus the running profile, for clinicians."""

    class Meta(PatientDemographicsForm.Meta):
        fields = list(PATIENT_DEMOGRAPHIC_FIELDS + PATIENT_RUNNING_FIELDS)


def clinicians():
    return (
        get_user_model()
        .objects.filter(groups__name__in=[GROUP_NAMES[Role.CLINICIAN], GROUP_NAMES[Role.ADMIN]], is_active=True)
        .distinct()
    )


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visit_date", "clinician", "subjective", "objective", "plan"]
        widgets = {
            "visit_date": DATE_INPUT,
            "subjective": forms.Textarea(attrs={"rows": 4}),
            "objective": forms.Textarea(attrs={"rows": 4}),
            "plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["condition", "body_region", "side", "onset_date", "notes", "is_resolved"]
        widgets = {"onset_date": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}


class IntakeForm(forms.ModelForm):
    class Meta:
        model = Intake
        fields = [
            "inner_leg_scuffs",
            "knees_cave_on_single_leg_squat",
            "pelvis_drops_on_single_leg_stance",
            "uneven_shoe_wear",
            "recent_training_change",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class InviteForm(forms.Form):
    """The invitation goes to the record's address; another one only typed and confirmed."""

    other_email = forms.EmailField(
        label="Send to another address",
        required=False,
        help_text="Leave empty to use the address on the record.",
    )
    confirm_other_email = forms.BooleanField(
        label="I confirmed with the athlete that this other address is their own", required=False
    )


class ConsentForm(forms.Form):
    """The consent to video, as the patient gives it: the wording is shown above the boxes."""

    film_and_analyse = forms.BooleanField(
        label="The patient agrees to be filmed and to have the video analysed",
        required=True,
        error_messages={"required": "Without this consent no video can be uploaded; leave the page to record none."},
    )
    use_in_reports = forms.BooleanField(
        label="The patient agrees to keyframes and results being used in their reports", required=False
    )
    how_given = forms.ChoiceField(
        label="How the consent was given",
        choices=[("in_person", "In person, at intake"), ("paper", "On a paper form")],
        help_text="For a paper form, keep the signed sheet in the patient's file.",
    )


class ConsentWithdrawForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=255, required=False)
